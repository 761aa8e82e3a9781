"""Recall@k of a vector index against exact search (numpy matmul over every
stored vector, in batches), and of a forced IVF copy of an index's vectors."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.storage import queries

RECALL_K = 10
_BATCH = 50_000  # stored vectors per step of the exact search


def stored_batches(index_dir: Path, dim: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(chunk ids, vectors)`` of every stored chunk, :data:`_BATCH` at a time."""
    with queries.reading(index_dir) as conn:
        yield from queries.vector_batches(conn, dim, _BATCH)


def exact_top_k(
    batches: Iterator[tuple[np.ndarray, np.ndarray]] | Sequence[tuple[np.ndarray, np.ndarray]],
    queries: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top ``k`` ``(ids, scores)`` per query (rows best first),
    by numpy matmul over the vectors in batches."""
    nq = len(queries)
    best_ids = np.zeros((nq, 0), dtype=np.int64)
    best = np.zeros((nq, 0), dtype=np.float32)
    for ids, vecs in batches:
        scores = queries @ vecs.T
        keep = min(k, scores.shape[1])
        top = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
        best = np.concatenate([best, np.take_along_axis(scores, top, axis=1)], axis=1)
        best_ids = np.concatenate([best_ids, ids[top]], axis=1)
        keep = min(k, best.shape[1])
        top = np.argpartition(-best, keep - 1, axis=1)[:, :keep]
        best, best_ids = np.take_along_axis(best, top, axis=1), np.take_along_axis(best_ids, top, axis=1)
    order = np.argsort(-best, axis=1, kind="stable")
    return np.take_along_axis(best_ids, order, axis=1), np.take_along_axis(best, order, axis=1)


def recall_at_k(
    found: Sequence[tuple[np.ndarray, np.ndarray]],
    exact: tuple[np.ndarray, np.ndarray],
    k: int,
    tol: float = 1e-5,
) -> float:
    """Mean share of the exact top ``k`` that the index returned. A returned chunk
    not in the exact list still counts when its score ties the exact k-th score
    (within ``tol``): equal scores may be ordered either way."""
    exact_ids, exact_scores = exact
    if not len(exact_ids) or exact_ids.shape[1] == 0:
        return 1.0
    hits = []
    for (ids, scores), want, want_scores in zip(found, exact_ids, exact_scores, strict=True):
        kk = min(k, len(want))
        ids, scores = ids[:kk], scores[:kk]
        inside = np.isin(ids, want[:kk])
        ties = (~inside) & (scores >= want_scores[kk - 1] - tol)
        hits.append(min(kk, int(inside.sum() + ties.sum())) / kk)
    return round(float(np.mean(hits)), 4)


def forced_ivf_recall(index_dir: Path, queries: np.ndarray) -> dict[str, Any]:
    """Recall@10 of an IVF index (default lists and probes) built with
    ``VectorIndex.build(..., "ivf")`` from a copy of the stored vectors."""
    from index.storage.vectors import VectorIndex, nlist_for, probe_lists

    parts = list(stored_batches(index_dir, queries.shape[1]))
    ids = np.concatenate([p[0] for p in parts])
    vecs = np.concatenate([p[1] for p in parts])
    started = time.perf_counter()
    index = VectorIndex.build(queries.shape[1], ids, vecs, "ivf")
    seconds = time.perf_counter() - started
    found = [index.search(v, RECALL_K) for v in queries]
    lists = nlist_for(len(ids))
    return {
        "chunks": len(ids),
        "vector_index": index.kind,
        "nlist": lists,
        "nprobe": probe_lists(lists),
        "build_seconds": round(seconds, 3),
        "recall_at_10": recall_at_k(found, exact_top_k(parts, queries, RECALL_K), RECALL_K),
    }
