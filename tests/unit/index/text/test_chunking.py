import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.text.chunking import Chunker, ChunkSettings
from index.text.sentences import sentence_spans

TEXT = " ".join(f"Sentence number {i} talks about tariffs and trade in some detail." for i in range(60))


def test_chunks_are_sentence_aligned_and_within_size():
    chunker = Chunker(ChunkSettings(size=60, overlap=15))
    spans = chunker.split(TEXT)
    starts = {a for a, _ in sentence_spans(TEXT)}
    ends = {b for _, b in sentence_spans(TEXT)}
    assert len(spans) > 5
    for a, b in spans:
        assert a in starts and b in ends
        assert chunker.count(TEXT[a:b]) <= 60


def test_overlap_repeats_whole_sentences():
    chunker = Chunker(ChunkSettings(size=60, overlap=15))
    spans = chunker.split(TEXT)
    for (a1, b1), (a2, _b2) in itertools.pairwise(spans):
        assert a1 < a2 < b1  # the next chunk starts inside the previous one: overlap
        assert chunker.count(TEXT[a2:b1]) <= 15


def test_zero_overlap_tiles_the_text():
    chunker = Chunker(ChunkSettings(size=60, overlap=0))
    spans = chunker.split(TEXT)
    for (_a1, b1), (a2, _b2) in itertools.pairwise(spans):
        assert TEXT[b1:a2].strip() == ""


def test_one_long_sentence_is_cut_at_spaces_within_size():
    text = "word " * 500 + "end."
    chunker = Chunker(ChunkSettings(size=100, overlap=10))
    spans = chunker.split(text)
    assert len(spans) >= 5
    for a, b in spans:
        assert chunker.count(text[a:b]) <= 100
        assert not text[a].isspace() and not text[b - 1].isspace()
        assert a == 0 or text[a - 1] == " "


def test_reserve_leaves_room_for_the_title():
    chunker = Chunker(ChunkSettings(size=60, overlap=0))
    for a, b in chunker.split(TEXT, reserve=20):
        assert chunker.count(TEXT[a:b]) <= 40


def test_model_limit_is_respected_in_model_tokens():
    # A "model" that counts every character: much stricter than tiktoken.
    def count(texts):
        return [len(t) for t in texts]

    chunker = Chunker(ChunkSettings(size=200, overlap=20), model_counter=count, model_limit=150)
    spans = chunker.split(TEXT + " " + "x" * 400 + ".")
    assert spans
    for a, b in spans:
        assert b - a <= 150


def test_bad_settings_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="overlap"):
        ChunkSettings(size=100, overlap=100)
    with pytest.raises(ValueError, match="too small"):
        ChunkSettings(size=4, overlap=0)


words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
texts = st.lists(
    st.tuples(words, st.sampled_from([" ", ". ", "! ", "\n", "\n\n", ", ", "? "])),
    min_size=0,
    max_size=120,
).map(lambda parts: "".join(w + sep for w, sep in parts))


@settings(max_examples=150, deadline=None)
@given(texts, st.integers(min_value=16, max_value=80), st.integers(min_value=0, max_value=15))
def test_spans_cover_the_text_and_map_back_exactly(text, size, overlap):
    chunker = Chunker(ChunkSettings(size=size, overlap=overlap))
    spans = chunker.split(text)
    covered = [False] * len(text)
    last_start = -1
    for a, b in spans:
        assert 0 <= a < b <= len(text)
        assert a > last_start  # chunks move forward
        last_start = a
        piece = text[a:b]
        assert piece == piece.strip() or not piece.strip()
        for i in range(a, b):
            covered[i] = True
    # Every non-whitespace character belongs to some chunk.
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())


def _paragraphs(sizes: list[int]) -> str:
    return "\n\n".join(
        " ".join(f"Paragraph {p} sentence {i} covers trade talks." for i in range(n))
        for p, n in enumerate(sizes)
    )


def test_a_paragraph_that_fits_is_never_cut_and_short_ones_are_packed_together():
    text = _paragraphs([3, 1, 1, 6, 2, 5, 1])
    chunker = Chunker(ChunkSettings(size=80, overlap=20))
    spans = chunker.split(text)
    paras = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    for a, b in paras:
        assert chunker.count(text[a:b]) <= 80  # every paragraph fits, so each lies inside one chunk
        assert any(x <= a and b <= y for x, y in spans), text[a:b]
    assert len(spans) < len(paras)  # the one-sentence paragraphs share chunks
    for (_a1, b1), (a2, _b2) in itertools.pairwise(spans):
        assert a2 >= b1  # chunks ending at a paragraph break do not overlap the next


def test_a_long_paragraph_is_cut_with_overlap_inside_it_only():
    text = _paragraphs([2, 30, 2])
    chunker = Chunker(ChunkSettings(size=80, overlap=20))
    spans = chunker.split(text)
    long_start = text.index("Paragraph 1 ")
    long_end = text.index("Paragraph 2 ") - 2
    inside = [(a, b) for a, b in spans if long_start <= a and b <= long_end]
    assert len(inside) >= 3
    for (a1, b1), (a2, _b2) in itertools.pairwise(inside):
        assert a1 < a2 < b1  # overlap between pieces of the same paragraph
    assert spans[0] == (0, long_start - 2)  # the short first paragraph stands alone
    for a, b in spans:
        assert chunker.count(text[a:b]) <= 80
