"""Hybrid retrieval: BM25 and dense rankings fused with reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.store import IndexStore
from qa.types import Passage

MODES = ("hybrid", "dense", "bm25")
RRF_K = 60


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: ``sum(1 / (k + rank))`` over the rankings, best first."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def retrieve(
    store: IndexStore,
    query: str,
    query_vector: np.ndarray | None,
    k: int,
    mode: str = "hybrid",
) -> list[Passage]:
    """Top ``k`` passages for the query. ``query_vector`` is needed unless mode is bm25."""
    if mode not in MODES:
        raise ValueError(f"retrieval mode {mode!r} is unknown; use one of {', '.join(MODES)}")
    depth = max(4 * k, 50)
    dense: dict[int, float] = {}
    lexical: dict[int, float] = {}
    rankings: list[list[int]] = []
    if mode in ("hybrid", "dense"):
        assert query_vector is not None, "dense retrieval needs the query vector"
        ids, scores = store.dense_search(query_vector, depth)
        dense = dict(zip(ids.tolist(), scores.tolist(), strict=True))
        rankings.append(ids.tolist())
    if mode in ("hybrid", "bm25"):
        ids, scores = store.lexical_search(query, depth)
        lexical = dict(zip(ids.tolist(), scores.tolist(), strict=True))
        rankings.append(ids.tolist())
    fused = (
        rrf(rankings)[:k]
        if mode == "hybrid"
        else [(i, s) for i, s in _scored(rankings[0], dense or lexical)][:k]
    )
    top = [cid for cid, _ in fused]
    if query_vector is not None:
        missing = [c for c in top if c not in dense]
        if missing:
            vecs = store.vectors.vectors(np.asarray(missing, dtype=np.int64))
            dense.update(zip(missing, (vecs @ query_vector).tolist(), strict=True))
    records = store.chunks(top)
    out = []
    for cid, score in fused:
        r = records.get(cid)
        if r is None:  # removed between search and fetch
            continue
        out.append(
            Passage(
                article_id=r.article_id,
                title=r.title,
                text=r.text,
                start=r.start,
                end=r.end,
                score=float(score),
                chunk_id=cid,
                date=r.date,
                source=r.source,
                url=r.url,
                dense_score=dense.get(cid),
                bm25_score=lexical.get(cid),
            )
        )
    return out


def _scored(ranking: list[int], scores: dict[int, float]) -> list[tuple[int, float]]:
    return [(i, scores[i]) for i in ranking]
