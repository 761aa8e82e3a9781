"""Dense vectors in FAISS, addressed by chunk id (inner product on unit vectors).

Besides the vectors, the index keeps the sum of the vectors and the sum of
their outer products, so the mean and spread of any query's similarity over
the whole collection are known exactly in O(dim^2) (used to put dense and
BM25 scores on one scale). Thread-safe: one lock around every FAISS call.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np


class VectorIndex:
    """An exact inner-product FAISS index keyed by int64 chunk ids."""

    def __init__(
        self, dim: int, index: object | None = None, stats: tuple[np.ndarray, np.ndarray] | None = None
    ) -> None:
        import faiss

        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._lock = threading.RLock()
        self._sum = np.zeros(dim, dtype=np.float64)
        self._outer = np.zeros((dim, dim), dtype=np.float64)
        if stats is not None:
            self._sum, self._outer = stats
        elif len(self):
            self._accumulate(self._all_vectors(), +1)

    def __len__(self) -> int:
        return int(self._index.ntotal)  # type: ignore[attr-defined]

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            vecs = np.ascontiguousarray(vectors, dtype=np.float32)
            with self._lock:
                self._index.add_with_ids(vecs, np.asarray(ids, dtype=np.int64))  # type: ignore[attr-defined]
                self._accumulate(vecs, +1)

    def remove(self, ids: np.ndarray) -> None:
        import faiss

        if len(ids):
            with self._lock:
                present = [i for i in np.asarray(ids, dtype=np.int64).tolist() if self._has(i)]
                if not present:
                    return
                self._accumulate(self.vectors(np.asarray(present, dtype=np.int64)), -1)
                sel = faiss.IDSelectorBatch(np.asarray(present, dtype=np.int64))
                self._index.remove_ids(sel)  # type: ignore[attr-defined]

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` ``(chunk_ids, cosine scores)`` for one query vector."""
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        with self._lock:
            k = min(k, len(self))
            if k <= 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            scores, ids = self._index.search(q, k)  # type: ignore[attr-defined]
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors for these ids (rows in the same order)."""
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))  # type: ignore[attr-defined]

    def score_stats(self, query: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of ``query . v`` over every stored vector."""
        with self._lock:
            n = len(self)
            if n == 0:
                return 0.0, 1.0
            q = query.astype(np.float64)
            mean = float(q @ self._sum) / n
            second = float(q @ self._outer @ q) / n
        return mean, max(second - mean * mean, 0.0) ** 0.5

    def save(self, path: Path) -> None:
        import faiss

        with self._lock:
            faiss.write_index(self._index, str(path))
            np.savez(_stats_path(path), sum=self._sum, outer=self._outer, n=np.int64(len(self)))

    @classmethod
    def load(cls, path: Path, dim: int) -> VectorIndex:
        import faiss

        index = faiss.read_index(str(path))
        if index.d != dim:
            raise ValueError(f"vector file {path} has dimension {index.d}, expected {dim}")
        stats = None
        try:
            with np.load(_stats_path(path), allow_pickle=False) as data:
                if int(data["n"]) == index.ntotal and data["outer"].shape == (dim, dim):
                    stats = (data["sum"].copy(), data["outer"].copy())
        except (OSError, KeyError, ValueError):
            stats = None  # recomputed from the vectors
        return cls(dim, index, stats)

    def _has(self, chunk_id: int) -> bool:
        try:
            self._index.reconstruct(chunk_id)  # type: ignore[attr-defined]
        except RuntimeError:
            return False
        return True

    def _all_vectors(self) -> np.ndarray:
        inner = self._index.index  # type: ignore[attr-defined]
        return inner.reconstruct_n(0, inner.ntotal)

    def _accumulate(self, vecs: np.ndarray, sign: int) -> None:
        v = vecs.astype(np.float64)
        self._sum += sign * v.sum(axis=0)
        self._outer += sign * (v.T @ v)


def _stats_path(path: Path) -> Path:
    return path.with_name(path.name + ".stats.npz")
