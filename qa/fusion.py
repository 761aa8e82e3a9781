"""Fusion strategies: how BM25 and dense candidate lists become one ranking.

* :func:`z_fuse` (``hybrid``, ``fusion``): each score minus its mean over the whole
  collection, divided by its standard deviation (the snapshot gives both for this
  query), averaged with equal weights over the union of both candidate lists; each
  candidate's missing score is looked up, so both are always exact.
* :func:`rrf`: plain reciprocal rank fusion, kept for comparison.
* :func:`single`: one retriever's own ranking (``dense``, ``bm25``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index import Scores, fill_missing

RRF_K = 60


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: ``sum(1 / (k + rank))`` over the rankings, best first."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def ranking(scores: dict[int, float]) -> list[int]:
    """Ids best first (ties by id)."""
    return sorted(scores, key=lambda c: (-scores[c], c))


def single(scores: dict[int, float]) -> list[tuple[int, float]]:
    return [(c, scores[c]) for c in ranking(scores)]


def z_fuse(
    dense: dict[int, float],
    lexical: dict[int, float],
    dense_scores: Scores,
    bm25: Scores | None,
) -> list[tuple[int, float]]:
    """Equal-weight sum of z-scores over the union of both candidate lists (BM25 left
    out when the query has no BM25 term). Fills ``dense`` and ``lexical`` with the
    candidates' looked-up scores (lexical: only those above 0)."""
    cands = np.asarray(sorted(dense.keys() | lexical.keys()), dtype=np.int64)
    if not len(cands):
        return []
    ids = cands.tolist()
    fill_missing(dense, dense_scores, ids)
    d = np.asarray([dense[c] for c in ids], dtype=np.float64)
    d_mean, d_std = dense_scores.moments()
    z = (d - d_mean) / max(d_std, 1e-6)
    if bm25 is not None:
        b = bm25.of(ids)
        lexical.update({c: float(v) for c, v in zip(ids, b.tolist(), strict=True) if v > 0})
        b_mean, b_std = bm25.moments()
        z = 0.5 * z + 0.5 * (b - b_mean) / max(b_std, 1e-6)
    order = np.lexsort((cands, -z))
    return [(int(cands[i]), float(z[i])) for i in order]
