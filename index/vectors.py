"""Dense vectors in FAISS, addressed by chunk id (inner product on unit vectors)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class VectorIndex:
    """An exact inner-product FAISS index keyed by int64 chunk ids."""

    def __init__(self, dim: int, index: object | None = None) -> None:
        import faiss

        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def __len__(self) -> int:
        return int(self._index.ntotal)  # type: ignore[attr-defined]

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(  # type: ignore[attr-defined]
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids: np.ndarray) -> None:
        import faiss

        if len(ids):
            sel = faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64))
            self._index.remove_ids(sel)  # type: ignore[attr-defined]

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` ``(chunk_ids, cosine scores)`` for one query vector."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, ids = self._index.search(q, k)  # type: ignore[attr-defined]
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, dim: int) -> VectorIndex:
        import faiss

        index = faiss.read_index(str(path))
        if index.d != dim:
            raise ValueError(f"vector file {path} has dimension {index.d}, expected {dim}")
        return cls(dim, index)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors for these ids (rows in the same order)."""
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._index.reconstruct_batch(np.asarray(ids, dtype=np.int64))  # type: ignore[attr-defined]
