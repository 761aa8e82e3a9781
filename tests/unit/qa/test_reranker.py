"""The optional cross-encoder hook, with a tiny cross-encoder built here from
the packaged model's vocabulary (random weights: the test checks the plumbing,
that the passages come back in the cross-encoder's order)."""

import os

import pytest

from tests.conftest import SEED, shared

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    from index.embed import default_model_path

    torch.manual_seed(0)
    tok = BertTokenizer(vocab_file=os.path.join(default_model_path(), "vocab.txt"))
    cfg = BertConfig(
        vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=37, num_labels=1, initializer_range=0.5,
    )  # fmt: skip
    path = tmp_path_factory.mktemp("ce")
    BertForSequenceClassification(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    return str(path)


def test_reranker_orders_passages_by_cross_encoder_score(tmp_path, tiny_cross_encoder):
    from index.embed.pytorch import CrossEncoderReranker
    from qa import Assistant

    with Assistant.open(tmp_path / "i", model="hash:64") as plain:
        plain.add([shared(SEED)])
    with Assistant.open(tmp_path / "i", reranker=tiny_cross_encoder) as a:
        passages = a.search("What did Trump say about USMCA?", k=3)
        scores = CrossEncoderReranker(tiny_cross_encoder).score(
            "What did Trump say about USMCA?", [f"{p.title}\n{p.text}" for p in passages]
        )
        assert [p.score for p in passages] == pytest.approx(sorted(scores.tolist(), reverse=True))
        assert len({round(float(s), 6) for s in scores}) == 3  # the model tells them apart
        assert not a.ask("What did Trump say about USMCA?").abstained


def test_bad_reranker_path_is_a_clear_error(tmp_path):
    from index.errors import ModelError
    from qa import Assistant

    with Assistant.open(tmp_path / "i", model="hash:64", reranker=str(tmp_path / "nope")) as a:
        a.add([shared(SEED)])
        with pytest.raises(ModelError, match="not a model folder"):
            a.search("tariffs")
