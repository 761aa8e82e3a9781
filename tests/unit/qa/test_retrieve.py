import numpy as np
import pytest

from index.storage.vectors import VectorIndex
from index.text.terms import tokenize
from qa.assistant import term_weights
from qa.fusion import rrf
from qa.sentences import coverage, sentences


def best_coverage(terms, text):
    return max(coverage(terms, s.terms, s.prefixes) for s in sentences(text))


def test_rrf_sums_reciprocal_ranks():
    fused = dict(rrf([[1, 2, 3], [3, 1]], k=60))
    assert fused[1] == 1 / 61 + 1 / 62
    assert fused[3] == 1 / 63 + 1 / 61
    assert fused[2] == 1 / 62
    assert [i for i, _ in rrf([[1, 2, 3], [3, 1]], k=60)] == [1, 3, 2]


def test_faiss_matches_exact_numpy_search():
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(500, 32)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = np.arange(1000, 1500)
    index = VectorIndex(32)
    index.add(ids, vecs)
    q = vecs[17] + 0.1 * rng.normal(size=32).astype(np.float32)
    got_ids, got_scores = index.search(q, 10)
    exact = vecs @ q
    order = np.argsort(-exact)[:10]
    assert got_ids.tolist() == ids[order].tolist()
    np.testing.assert_allclose(got_scores, exact[order], rtol=1e-5)


def test_removed_vectors_are_never_returned():
    vecs = np.eye(4, dtype=np.float32)
    index = VectorIndex(4)
    index.add(np.array([10, 11, 12, 13]), vecs)
    index.remove(np.array([11]))
    ids, _ = index.search(vecs[1], 4)
    assert 11 not in ids.tolist() and len(ids) == 3


def test_score_stats_are_the_exact_moments_after_adds_removes_and_reload(tmp_path):
    rng = np.random.default_rng(1)
    vecs = rng.normal(size=(200, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    index = VectorIndex(16)
    index.add(np.arange(200), vecs)
    index.remove(np.array([3, 4, 5, 12345]))  # an unknown id is ignored
    kept = np.delete(vecs, [3, 4, 5], axis=0)
    q = vecs[0]
    mean, std = index.score_stats(q)
    assert mean == pytest.approx(float((kept @ q).mean()), abs=1e-6)
    assert std == pytest.approx(float((kept @ q).std()), abs=1e-6)
    index.save(tmp_path / "v.faiss")
    again = VectorIndex.load(tmp_path / "v.faiss", 16)
    assert again.score_stats(q) == pytest.approx((mean, std))
    (tmp_path / "v.faiss.stats.npz").unlink()  # lost: recomputed from the vectors
    assert VectorIndex.load(tmp_path / "v.faiss", 16).score_stats(q) == pytest.approx((mean, std))


def test_fusion_ranks_by_equal_weight_z_scores(tmp_path, make_assistant):
    d = tmp_path / "z-articles"
    d.mkdir()
    for i, body in enumerate(
        [
            "Steel tariffs rose sharply.",
            "The ferry sails at noon.",
            "Robots won the contest.",
            "Steel mills hire.",
        ]
    ):
        (d / f"{i}.txt").write_text(f"Note {i}\n\n{body}")
    a = make_assistant("z-index")
    a.add(d)
    view = a.store.view
    q = "steel tariffs"
    qv = a.embedder.encode([q])[0]
    lex = view.lexical.score_all(q)
    ids = view.lexical.ids
    dense = view.vectors.vectors(ids) @ qv
    d_mean, d_std = view.vectors.score_stats(qv)
    b_mean, b_std = view.lexical.score_stats(lex)
    expected = 0.5 * (dense - d_mean) / d_std + 0.5 * (lex - b_mean) / b_std
    got = {p.chunk_id: p.score for p in a.search(q, k=4, mode="fusion")}
    for cid, z in zip(ids.tolist(), expected.tolist(), strict=True):
        if cid in got:
            assert got[cid] == pytest.approx(z, rel=1e-5)
    assert [p.chunk_id for p in a.search(q, k=len(got), mode="fusion")] == sorted(got, key=lambda c: -got[c])


def test_hybrid_adds_the_best_sentence_coverage_to_the_fused_score(tmp_path, make_assistant):
    d = tmp_path / "s-articles"
    d.mkdir()
    bodies = {
        "spread": "The harbour ferry was late. Its timetable changed in winter. A new one starts.",
        "together": "The harbour ferry timetable changed for winter. Crews were told. Fares rose.",
        "other": "Robots won the regional contest. The judges praised the design. A trophy was given.",
    }
    for name, body in bodies.items():
        (d / f"{name}.txt").write_text(f"{name}\n\n{body}")
    a = make_assistant("s-index")
    a.add(d)
    q = "When did the harbour ferry timetable change?"
    fused = {p.chunk_id: p for p in a.search(q, k=3, mode="fusion")}
    hybrid = a.search(q, k=3)
    weight = term_weights(a.snapshot())
    terms = {t: weight(t) for t in tokenize(q)}
    step = a.calibration.rerank_coverage  # the hashing model's (default) calibration: coverage only
    assert step > 0 and a.calibration.rerank_similarity == 0
    for p in hybrid:
        expected = fused[p.chunk_id].score + step * best_coverage(terms, p.text)
        assert p.score == pytest.approx(expected, rel=1e-6)
    assert [p.score for p in hybrid] == sorted((p.score for p in hybrid), reverse=True)
    assert hybrid[0].title == "together"  # all four terms in one sentence beats them spread over two
    assert best_coverage(terms, bodies["together"]) == 1.0 > best_coverage(terms, bodies["spread"])


def test_flat_search_follows_adds_and_removes():
    rng = np.random.default_rng(3)
    vecs = rng.normal(size=(300, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    index = VectorIndex(16)
    index.add(np.arange(200), vecs[:200])
    q = vecs[250]
    index.search(q, 5)
    index.add(np.arange(200, 300), vecs[200:])
    index.remove(np.arange(0, 300, 3))
    live = np.setdiff1d(np.arange(300), np.arange(0, 300, 3))
    got_ids, got_scores = index.search(q, 10)
    exact = vecs[live] @ q
    order = np.argsort(-exact, kind="stable")[:10]
    assert got_ids.tolist() == live[order].tolist() and got_ids[0] == 250
    np.testing.assert_allclose(got_scores, exact[order], rtol=1e-5)
    _, faiss_ids = index._index.search(q.reshape(1, -1), 10)
    assert faiss_ids[0].tolist() == got_ids.tolist()
    same = VectorIndex(2)
    same.add(np.array([7, 3, 5]), np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32))
    assert same.search(np.array([1, 0], dtype=np.float32), 3)[0].tolist() == [3, 7, 5]  # ties: smaller id
