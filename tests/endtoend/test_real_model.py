"""The real packaged model (all-MiniLM-L6-v2) end to end."""

import pytest

from index.embed import load_embedder
from index.errors import IndexMismatchError
from index.ingest import chunk_article
from index.sources.readers import iter_articles
from index.text.chunking import Chunker, ChunkSettings
from qa import Assistant
from tests.conftest import SEED, SQUAD, shared

pytestmark = pytest.mark.slow

RENEGOTIATE = (
    "“We could renegotiate it, and that would be good, or we can just do different deals,” Trump stated."
)


def test_trump_usmca_answer_quotes_him_with_exact_citation(seed_assistant):
    ans = seed_assistant.ask("What did Trump say about USMCA?")
    assert not ans.abstained
    assert "different deals" in ans.answer and "renegotiate" in ans.answer
    cite = next(c for c in ans.citations if c.sentence == RENEGOTIATE)
    assert cite.title.startswith("Prime Minister Carney holds trade talks with U.S. President Trump")
    article = seed_assistant.store.article(cite.article_id)
    assert article.text[cite.start : cite.end] == RENEGOTIATE
    assert f"{RENEGOTIATE} [{cite.n}]" in ans.answer


def test_carney_competition_quote(seed_assistant):
    ans = seed_assistant.ask("What did Carney say about competition?")
    assert "In areas where we compete, we have to come to an agreement that works" in ans.answer


def test_follow_up_uses_the_previous_turn(seed_assistant):
    ans = seed_assistant.ask("And what did Carney say?", history=["What did Trump say about USMCA?"])
    assert ans.query == "What did Carney say about USMCA?"
    assert any("Carney" in c.sentence for c in ans.citations)


def test_furniture_never_becomes_an_answer_sentence(seed_assistant):
    for q in ("Where was the photo taken?", "What is most popular?", "White House"):
        ans = seed_assistant.ask(q)
        for c in ans.citations:
            assert "credit" not in c.sentence.lower() and c.sentence not in ("White House", "The White House")
            assert "Most popular" not in c.sentence and "See All" not in c.sentence


def test_unrelated_question_abstains(seed_assistant):
    ans = seed_assistant.ask("Who won the 1998 football world cup?")
    assert ans.abstained and not ans.citations


def test_reingest_embeds_nothing(seed_assistant):
    report = seed_assistant.add([shared(SEED)])
    assert report.chunks_embedded == 0 and len(report.unchanged) == 1


def test_other_model_cannot_open_the_index(seed_assistant):
    with pytest.raises(IndexMismatchError, match=r"'all-MiniLM-L6-v2' \(dimension 384\).*'hash:384'"):
        Assistant.open(seed_assistant.store.directory, model="hash:384")


@pytest.fixture(scope="module")
def pytorch_model():
    """The model as sentence-transformers loads it: its tokenizer and limit are the judge."""
    return load_embedder(None, "fp32")._model


def _no_truncation(minilm, articles, settings, judge):
    """Chunk as ingest does with the default embedder (whatever its precision); check every
    chunk with the model's own tokenizer, special tokens included."""
    chunker = Chunker(settings, minilm.count_tokens, minilm.max_tokens)
    checked = 0
    for art in articles:
        for a, b, indexed in chunk_article(art, chunker, minilm.count_tokens):
            ids = judge.tokenizer(indexed, add_special_tokens=True, truncation=False)["input_ids"]
            assert len(ids) <= judge.max_seq_length, (art.title, a, b, len(ids))
            checked += 1
    return checked


def test_no_chunk_is_truncated_by_the_model_on_real_articles(minilm, pytorch_model):
    articles = [x for x in iter_articles([shared(SQUAD) / "articles", shared(SEED)]) if hasattr(x, "title")]
    assert _no_truncation(minilm, articles, ChunkSettings(size=240, overlap=40), pytorch_model) > 500


def test_no_chunk_is_truncated_on_text_that_tokenizes_badly(minilm, pytorch_model):
    """Digits, accents and symbols cost MiniLM far more word pieces than cl100k tokens."""
    from index.sources.article import Article

    nasty = " ".join(f"Ångström-{i}x{i * 7919}ß ∂∆ 3.14159{i}… ‰" for i in range(400)) + "."
    art = Article(id="n", title="Über-title ∑ 2025/26", text=nasty)
    assert _no_truncation(minilm, [art], ChunkSettings(size=250, overlap=0), pytorch_model) > 5
