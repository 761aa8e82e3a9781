import numpy as np

from index.vectors import VectorIndex
from qa.retrieve import rrf


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
