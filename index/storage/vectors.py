"""Dense vectors in FAISS, addressed by chunk id (inner product on unit vectors).

The index type follows the size (the index's saved ``vector_index`` setting overrides:
``flat`` or ``ivf``): exact search (``IndexFlatIP``) below :data:`IVF_FROM` vectors, above
it an inverted file (``IndexIVFFlat``, ``2 * sqrt(n)`` lists, :func:`probe_lists`
of them searched; recall@10 against exact search is measured by ``qa bench``).
A view is immutable: :meth:`VectorIndex.updated` returns a changed copy.

Besides the vectors, the index keeps the sum of the vectors and the sum of
their outer products, so the mean and spread of any query's similarity over
the whole collection are known exactly in O(dim^2) (used to put dense and
BM25 scores on one scale). Thread-safe: one lock around every FAISS call.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np

IVF_FROM = 100_000  # vectors; below this, search is exact


def kind_for(n: int, wanted: str = "auto") -> str:
    """The index type for ``n`` vectors: ``wanted`` (the index's saved setting), by size if ``auto``."""
    if wanted != "auto":
        return wanted
    return "ivf" if n >= IVF_FROM else "flat"


def nlist_for(n: int) -> int:
    """Inverted lists for an IVF index of ``n`` vectors (about 2 sqrt(n))."""
    return max(1, min(int(2 * math.sqrt(max(n, 1))), max(1, n // 39)))


def probe_lists(nlist: int, wanted: int | None = None) -> int:
    """Lists searched per query (``wanted`` overrides): a 1/16 of them, at least 32.
    (On the real SciFact vectors in 226 lists, recall@10 against exact search is 0.913 at 16
    lists, 0.962 at 32, 0.980 at 48; synthetic 100k: 0.968 at 39 of 632; 1M: 0.9995 at 125.)"""
    if wanted is not None:
        return max(1, min(int(wanted), nlist))
    return min(nlist, max(32, nlist // 16))


def _new_index(dim: int, kind: str, train: np.ndarray | None) -> object:
    import faiss

    if kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    n = 0 if train is None else len(train)
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist_for(n), faiss.METRIC_INNER_PRODUCT)
    if n:
        # k-means on at most 64 points per list, 10 rounds: ~25 s for 1M vectors on 2 cores
        rng = np.random.default_rng(0)
        cap = 64 * index.nlist
        sample = train if n <= cap else train[np.sort(rng.choice(n, cap, replace=False))]
        index.cp.niter = 10
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
    index.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct and remove by id
    return index


class VectorIndex:
    """An inner-product FAISS index keyed by int64 chunk ids (exact or IVF)."""

    def __init__(
        self, dim: int, index: object | None = None, stats: tuple[np.ndarray, np.ndarray] | None = None
    ) -> None:
        self.dim = dim
        self._index = index if index is not None else _new_index(dim, "flat", None)
        self._lock = threading.RLock()
        self._sum = np.zeros(dim, dtype=np.float64)
        self._outer = np.zeros((dim, dim), dtype=np.float64)
        if stats is not None:
            self._sum, self._outer = stats
        elif len(self):
            self._accumulate(self._all_vectors(), +1)

    @classmethod
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray, wanted: str = "auto") -> VectorIndex:
        """An index of the type :func:`kind_for` picks for this many vectors (IVF is trained on them)."""
        vecs = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dim)
        kind = kind_for(len(vecs), wanted) if len(vecs) else "flat"
        out = cls(dim, _new_index(dim, kind, vecs if kind == "ivf" else None))
        out.add(ids, vecs)
        return out

    def __len__(self) -> int:
        return int(self._index.ntotal)  # type: ignore[attr-defined]

    @property
    def kind(self) -> str:
        """``flat`` (exact) or ``ivf``."""
        return "ivf" if hasattr(self._index, "nlist") else "flat"

    @property
    def nlist(self) -> int | None:
        """For IVF, its number of inverted lists (None for flat)."""
        return int(self._index.nlist) if self.kind == "ivf" else None  # type: ignore[attr-defined]

    @property
    def trained_for(self) -> int:
        """For IVF, the collection size its lists were made for (0 for flat)."""
        return 0 if self.nlist is None else self.nlist**2 // 4

    def suits(self, n: int, wanted: str = "auto") -> bool:
        """Whether this index's type still fits a collection of ``n`` vectors (and the
        ``wanted`` kind); when not, the caller rebuilds (flat <-> IVF, or IVF lists made
        for a far smaller size)."""
        kind = kind_for(n, wanted) if n else "flat"
        if kind != self.kind:
            return False
        return kind == "flat" or n <= 4 * max(self.trained_for, IVF_FROM)

    def updated(self, add_ids: np.ndarray, vectors: np.ndarray, remove_ids: np.ndarray) -> VectorIndex:
        """A copy with ``remove_ids`` removed and ``add_ids`` added; this one is unchanged."""
        import faiss

        with self._lock:
            out = VectorIndex(
                self.dim, faiss.clone_index(self._index), (self._sum.copy(), self._outer.copy())
            )
        out.remove(np.asarray(remove_ids, dtype=np.int64))
        out.add(np.asarray(add_ids, dtype=np.int64), vectors)
        return out

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
                gone = np.asarray(present, dtype=np.int64)
                self._accumulate(self.vectors(gone), -1)
                batch = faiss.IDSelectorBatch if self.kind == "flat" else faiss.IDSelectorArray
                self._index.remove_ids(batch(gone))  # type: ignore[attr-defined]

    def search(self, query: np.ndarray, k: int, nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` ``(chunk_ids, cosine scores)`` for one query vector (``nprobe``: IVF lists
        searched, by default :func:`probe_lists` of them)."""
        import faiss

        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        with self._lock:
            k = min(k, len(self))
            if k <= 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            params = None
            if self.kind == "ivf":
                params = faiss.SearchParametersIVF(nprobe=probe_lists(self._index.nlist, nprobe))  # type: ignore[attr-defined]
            # One query: OpenMP's thread start-up costs more than it saves (ms against us).
            threads = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)
            try:
                scores, ids = self._index.search(q, k, params=params)  # type: ignore[attr-defined]
            finally:
                faiss.omp_set_num_threads(threads)
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
        if self.kind != "flat":
            raise ValueError("the moments of an IVF index cannot be recomputed from it; rebuild")
        inner = self._index.index  # type: ignore[attr-defined]
        return inner.reconstruct_n(0, inner.ntotal)

    def _accumulate(self, vecs: np.ndarray, sign: int) -> None:
        v = vecs.astype(np.float64)
        self._sum += sign * v.sum(axis=0)
        self._outer += sign * (v.T @ v)


def _stats_path(path: Path) -> Path:
    return path.with_name(path.name + ".stats.npz")
