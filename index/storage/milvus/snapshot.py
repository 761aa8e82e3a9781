"""A read of a Milvus index at one generation (:class:`MilvusSnapshot`), and the
dense score moments kept for each generation (:class:`Moments`).

A snapshot at generation ``g`` reads only rows with ``g0 <= g < g1``; rows removed
after it was taken are kept in Milvus while it lives (the engine purges only what
no snapshot of its process can read), so it answers as it did when taken.

Scores. Dense: Milvus's exact (FLAT) inner product; its mean and spread over the
live chunks come from the sum and outer-product sum of their vectors, kept per
generation (exact, as the local engine's). BM25: Milvus's BM25 over our stemmed
terms, divided by ``k1 + 1`` to be on the local engine's scale. Milvus does not give
a query's BM25 moments over the whole collection, so they come from its top
:data:`MOMENT_DEPTH`: exact when no more chunks match than that; otherwise the number
of chunks below the top is estimated from the terms' document frequencies, and their
scores are taken as spread evenly between 0 and the lowest score kept (see
:meth:`_Bm25Scores.moments`). Only the ratio of the two spreads changes a hybrid
ranking; ``python -m eval`` with ``--store`` measures what this costs.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from index.sources.article import Article
from index.storage.records import ChunkRecord
from index.text.terms import tokenize

if TYPE_CHECKING:
    from index.storage.milvus.engine import MilvusStore

MOMENT_DEPTH = 200  # BM25 hits read per query for its moments (and its candidates); milvus-lite
# takes ~8x longer for 1,000 than for 100 (it builds each hit in Python)
K1 = 1.2  # Milvus's BM25 default, as ours; its scores carry a factor k1 + 1 that ours do not


@dataclass(frozen=True)
class Moments:
    """How many live chunks, and the float64 sum and outer-product sum of their vectors."""

    count: int
    total: np.ndarray
    outer: np.ndarray

    @classmethod
    def empty(cls, dim: int) -> Moments:
        return cls(0, np.zeros(dim), np.zeros((dim, dim)))

    def changed(self, added: np.ndarray, removed: np.ndarray) -> Moments:
        a = np.asarray(added, dtype=np.float64).reshape(-1, len(self.total))
        r = np.asarray(removed, dtype=np.float64).reshape(-1, len(self.total))
        return Moments(
            self.count + len(a) - len(r),
            self.total + a.sum(axis=0) - r.sum(axis=0),
            self.outer + a.T @ a - r.T @ r,
        )

    def of(self, query: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of ``query . v`` over the live vectors."""
        if self.count == 0:
            return 0.0, 0.0
        q = np.asarray(query, dtype=np.float64)
        mean = float(q @ self.total) / self.count
        var = float(q @ self.outer @ q) / self.count - mean * mean
        return mean, math.sqrt(max(var, 0.0))

    def to_text(self) -> str:
        values = np.concatenate([[float(self.count)], self.total, self.outer.ravel()]).astype("<f8")
        return base64.b64encode(values.tobytes()).decode("ascii")

    @classmethod
    def from_text(cls, text: str, dim: int) -> Moments:
        values = np.frombuffer(base64.b64decode(text), dtype="<f8")
        if len(values) != 1 + dim + dim * dim:
            raise ValueError(f"{len(values)} values for dimension {dim}")
        total, outer = values[1 : 1 + dim].copy(), values[1 + dim :].reshape(dim, dim).copy()
        return cls(round(float(values[0])), total, outer)


class _Bm25Scores:
    """One query's BM25 over a snapshot, read from Milvus once (the top
    :data:`MOMENT_DEPTH`), more only for a deeper top or a chunk below it."""

    def __init__(self, snap: MilvusSnapshot, terms: list[str]) -> None:
        self.snap = snap
        self.terms = terms
        self.text = " ".join(terms)
        first = min(MOMENT_DEPTH, len(snap))
        self._ids, self._scores = snap.found(snap.store.search_bm25(self.text, first, snap.generation))
        self._complete = len(self._ids) < first or len(self._ids) >= len(snap)
        self._score_of = dict(zip(self._ids.tolist(), self._scores.tolist(), strict=True))

    def top(self, depth: int) -> tuple[np.ndarray, np.ndarray]:
        if depth > len(self._ids) and not self._complete:
            return self.snap.found(self.snap.store.search_bm25(self.text, depth, self.snap.generation))
        return self._ids[:depth], self._scores[:depth]

    def of(self, chunk_ids: Sequence[int]) -> np.ndarray:
        ids = [int(c) for c in chunk_ids]
        missing = [c for c in ids if c not in self._score_of]
        found: dict[int, float] = {}
        if missing and not self._complete:
            got, scores = self.snap.found(
                self.snap.store.search_bm25(self.text, len(missing), self.snap.generation, missing)
            )
            found = dict(zip(got.tolist(), scores.tolist(), strict=True))
        return np.asarray([self._score_of.get(c, found.get(c, 0.0)) for c in ids], dtype=np.float64)

    def moments(self) -> tuple[float, float]:
        n = len(self.snap)
        if n == 0:
            return 0.0, 0.0
        s = self._scores.astype(np.float64)
        total, squares = float(s.sum()), float((s * s).sum())
        if not self._complete and len(s):
            # chunks with a query term below the top: how many, from the terms' counts (as if
            # they occurred independently); their scores taken as spread evenly over (0, lowest kept]
            dfs = self.snap.store.df_at(self.terms, self.snap.generation)
            none = float(np.prod([1.0 - min(d, n) / n for d in dfs.values()]))
            below = max(0, round(n * (1.0 - none)) - len(s))
            low = float(s[-1])
            total += below * low / 2
            squares += below * low * low / 3
        mean = total / n
        return mean, math.sqrt(max(squares / n - mean * mean, 0.0))


@dataclass(frozen=True)
class _DenseScores:
    snap: MilvusSnapshot
    query: np.ndarray

    def top(self, depth: int) -> tuple[np.ndarray, np.ndarray]:
        return self.snap.found(self.snap.store.search_dense(self.query, depth, self.snap.generation))

    def of(self, chunk_ids: Sequence[int]) -> np.ndarray:
        ids = [int(c) for c in chunk_ids]
        if not ids:
            return np.zeros(0, dtype=np.float64)
        vectors = self.snap.store.vectors_at(ids, self.snap.generation, self.snap.live)
        return np.asarray(
            [float(vectors[c] @ self.query) if c in vectors else 0.0 for c in ids], dtype=np.float64
        )

    def moments(self) -> tuple[float, float]:
        return self.snap.moments.of(self.query)


class MilvusSnapshot:
    """What one request reads from a Milvus index, all at one generation (see the module)."""

    def __init__(self, store: MilvusStore, generation: int, moments: Moments) -> None:
        self.store = store
        self._generation = generation
        self.moments = moments
        self.live: set[int] = set()  # chunk ids its searches found (live at its generation)
        self._articles: dict[str, Article | None] = {}

    @property
    def generation(self) -> int:
        return self._generation

    def found(self, hits: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """``hits`` of a search at this generation, their ids noted as live."""
        self.live.update(hits[0].tolist())
        return hits

    def __len__(self) -> int:
        return self.moments.count

    def bm25(self, query: str) -> _Bm25Scores | None:
        terms = tokenize(query)
        if not terms or not len(self):
            return None
        self.store.df_at(terms, self._generation)  # one read for the term weights that follow
        return _Bm25Scores(self, terms)

    def dense(self, query_vector: np.ndarray) -> _DenseScores:
        return _DenseScores(self, np.asarray(query_vector, dtype=np.float32))

    def df(self, term: str) -> int:
        return self.store.df_at([term], self._generation)[term] if len(self) else 0

    def dfs(self, terms: Sequence[str]) -> dict[str, int]:
        return self.store.df_at(terms, self._generation) if len(self) else dict.fromkeys(terms, 0)

    def idf(self, term: str) -> float:
        n, df = len(self), self.df(term)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def chunks(self, chunk_ids: Sequence[int]) -> dict[int, ChunkRecord]:
        return self.store.chunk_records(chunk_ids, self._generation, self.live) if len(chunk_ids) else {}

    def sentence_blobs(self, chunk_ids: Sequence[int]) -> dict[int, bytes | None]:
        return self.store.sentence_records(chunk_ids, self._generation, self.live) if len(chunk_ids) else {}

    def article(self, article_id: str) -> Article | None:
        if article_id not in self._articles:
            self._articles[article_id] = self.store.article_at(article_id, self._generation)
        return self._articles[article_id]

    def text_before(self, article_id: str, start: int, chars: int = 600) -> str:
        art = self.article(article_id)
        return art.text[max(0, start - chars) : max(0, start)] if art else ""

    def page_starts(self, article_id: str) -> tuple[int, ...] | None:
        return self.store.pages_at(article_id, self._generation)

    def copy_groups(self, article_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        return self.store.copy_groups_at(self._generation, list(article_ids))
