"""Sentence vectors: stored compactly beside each chunk, from the chunk's own pass."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.embed import pool_spans
from index.embed.sentences import SentenceVectors


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 12), st.integers(4, 48), st.integers(0, 2**32 - 1))
def test_the_blob_round_trips_spans_and_cosines(n, dim, seed):
    rng = np.random.default_rng(seed)
    vecs = rng.normal(size=(n, dim)).astype(np.float32)
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    spans = np.sort(rng.integers(0, 5000, size=(n, 2)), axis=1)
    back = SentenceVectors.from_blob(SentenceVectors(spans, vecs).to_blob())
    assert back.spans.tolist() == spans.tolist()
    if n:
        assert np.abs((back.vectors * vecs).sum(axis=1) - 1).max() < 2e-3  # int8: cosine within 0.002
        assert np.allclose(np.linalg.norm(back.vectors, axis=1), 1, atol=1e-5)
    assert len(SentenceVectors(spans, vecs).to_blob()) == 8 + n * (12 + dim)


def test_a_damaged_blob_is_an_error_not_a_wrong_vector():
    blob = SentenceVectors(np.array([[0, 5]]), np.ones((1, 8), np.float32) / np.sqrt(8)).to_blob()
    with pytest.raises(ValueError):
        SentenceVectors.from_blob(blob[:-1])
    with pytest.raises(ValueError):
        SentenceVectors.from_blob(b"\x01")


def test_span_vectors_are_the_mean_of_the_tokens_inside_each_span():
    hidden = np.array([[9, 9], [1, 0], [0, 1], [3, 3], [5, 5]], dtype=np.float32)  # [CLS] a b c [SEP]
    offsets = [(0, 0), (0, 3), (4, 7), (8, 11), (0, 0)]
    got = pool_spans(hidden, offsets, [(0, 7), (8, 11), (20, 30)])
    assert np.allclose(got[0], np.array([1, 1]) / np.sqrt(2))  # a and b, not the special tokens
    assert np.allclose(got[1], np.array([1, 1]) / np.sqrt(2))
    assert np.allclose(got[2], np.array([4, 4]) / np.linalg.norm([4, 4]))  # nothing inside: all tokens


def test_ingest_stores_sentence_vectors_and_upgrades_an_older_index(tmp_path, seed_dir):
    import sqlite3

    from qa import Assistant

    with Assistant.open(tmp_path / "i", model="hash:64") as a:
        a.add([seed_dir])
        ids = [
            r[0] for r in sqlite3.connect(tmp_path / "i" / "records.sqlite").execute("SELECT id FROM chunks")
        ]
        blobs = a.store.sentence_blobs(ids)
        assert blobs and all(blobs.values())
        for cid, blob in blobs.items():
            rec = a.store.chunks([cid])[cid]
            sv = SentenceVectors.from_blob(blob)
            assert all(0 <= s < e <= len(rec.text) for s, e in sv.spans.tolist())
    conn = sqlite3.connect(tmp_path / "i" / "records.sqlite")
    conn.execute("UPDATE chunks SET sentences = NULL")  # as an index made before they were kept
    conn.commit()
    conn.close()
    with Assistant.open(tmp_path / "i", model="hash:64") as a:
        assert a.ask("Who is the White House spokeswoman?").citations  # computed at question time
        report = a.add([seed_dir])
        assert len(report.upgraded) == 1 and not report.added and not report.replaced
        assert all(a.store.sentence_blobs(ids).values())
        assert len(a.add([seed_dir]).unchanged) == 1
