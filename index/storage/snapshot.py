"""The storage seam: a read snapshot (:class:`Snapshot`) and the engine behind it (:class:`StorageEngine`).

``IndexStore.snapshot()`` returns a frozen :class:`Snapshot`: everything one request
reads (BM25 scores, dense search, their score moments, term statistics, chunk texts)
at one records generation. Retrieval and answering take it as an argument, so a
request never mixes two generations however many threads it crosses, and nothing
is pinned to a thread.

:class:`Snapshot` is a Protocol: a second storage engine (a distributed vector
database) implements it, and ``tests/unit/index/storage/test_snapshot_suite.py`` is
the suite every implementation must pass. :class:`LocalSnapshot` is the local
engine's: a :class:`~index.storage.views.View` (FAISS + BM25 of one generation) plus
the records, read by chunk id. Chunk ids are never reused and a stored chunk never
changes (a changed article gets new ids), so reading records by id after the view
was taken returns exactly what the view indexed, or nothing for a chunk removed
since; callers skip those.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from index.sources.article import Article
from index.storage.manifest import IndexSettings
from index.storage.records import ChunkRecord, NewChunk, StoredArticle
from index.storage.views import View

_NO_IDS = np.zeros(0, dtype=np.int64)
_NO_SCORES = np.zeros(0, dtype=np.float32)


class Scores(Protocol):
    """One query's scores over one snapshot, from one retriever (BM25 or dense)."""

    def top(self, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The best ``depth`` ``(chunk ids, scores)``, best first (BM25: only chunks with a query term)."""
        ...

    def of(self, chunk_ids: Sequence[int]) -> np.ndarray:
        """The scores of these chunks, in their order (0 for BM25 where no query term occurs)."""
        ...

    def moments(self) -> tuple[float, float]:
        """Mean and standard deviation of the score over every live chunk (for z-score fusion)."""
        ...


@runtime_checkable
class Snapshot(Protocol):
    """What one request reads from an index, all of it at one records generation."""

    @property
    def generation(self) -> int: ...

    def __len__(self) -> int:
        """Live chunks."""
        ...

    def bm25(self, query: str) -> Scores | None:
        """BM25 scores of ``query`` (None when it has no term the tokenizer keeps)."""
        ...

    def dense(self, query_vector: np.ndarray) -> Scores:
        """Inner products of ``query_vector`` with the chunk vectors (cosines: unit vectors)."""
        ...

    def df(self, term: str) -> int:
        """How many live chunks contain ``term`` (a token of :func:`index.text.terms.tokenize`)."""
        ...

    def dfs(self, terms: Sequence[str]) -> dict[str, int]:
        """:meth:`df` of each of ``terms`` at once (one read where the engine is remote)."""
        ...

    def idf(self, term: str) -> float:
        """BM25's idf of ``term`` over the live chunks."""
        ...

    def chunks(self, chunk_ids: Sequence[int]) -> dict[int, ChunkRecord]:
        """The stored chunks of these ids (ids removed since are left out)."""
        ...

    def sentence_blobs(self, chunk_ids: Sequence[int]) -> dict[int, bytes | None]:
        """The stored sentence vectors of these chunks (None for one stored without them)."""
        ...

    def article(self, article_id: str) -> Article | None: ...

    def text_before(self, article_id: str, start: int, chars: int = 600) -> str:
        """Up to ``chars`` characters of the article just before offset ``start``."""
        ...

    def page_starts(self, article_id: str) -> tuple[int, ...] | None:
        """A PDF article's page start offsets (None for other articles)."""
        ...

    def copy_groups(self, article_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """The syndicated-copy groups of these articles: ``{representative id: members}``."""
        ...


@dataclass(frozen=True)
class _Bm25Scores:
    """BM25 of one query over a view: every row scored once, exactly."""

    view: View
    all_rows: np.ndarray

    def top(self, depth: int) -> tuple[np.ndarray, np.ndarray]:
        return self.view.lexical.top(self.all_rows, depth)

    def of(self, chunk_ids: Sequence[int]) -> np.ndarray:
        rows = self.view.lexical.rows(np.asarray(chunk_ids, dtype=np.int64))
        return np.where(rows >= 0, self.all_rows[np.maximum(rows, 0)], 0.0).astype(np.float64)

    def moments(self) -> tuple[float, float]:
        return self.view.lexical.score_stats(self.all_rows)


@dataclass(frozen=True)
class _DenseScores:
    """Dense scores of one query vector over a view (FAISS; exact moments kept by the view)."""

    view: View
    query: np.ndarray
    nprobe: int | None

    def top(self, depth: int) -> tuple[np.ndarray, np.ndarray]:
        return self.view.vectors.search(self.query, depth, nprobe=self.nprobe)

    def of(self, chunk_ids: Sequence[int]) -> np.ndarray:
        if not len(chunk_ids):
            return _NO_SCORES.astype(np.float64)
        vecs = self.view.vectors.vectors(np.asarray(chunk_ids, dtype=np.int64))
        return (vecs @ self.query).astype(np.float64)

    def moments(self) -> tuple[float, float]:
        return self.view.vectors.score_stats(self.query)


class RecordReader(Protocol):
    """The records side the local snapshot reads by id (the store implements it)."""

    def chunks(self, ids: Sequence[int]) -> dict[int, ChunkRecord]: ...
    def sentence_blobs(self, ids: Sequence[int]) -> dict[int, bytes | None]: ...
    def article(self, article_id: str) -> Article | None: ...
    def text_before(self, article_id: str, start: int, chars: int = 600) -> str: ...
    def page_starts(self, article_id: str) -> tuple[int, ...] | None: ...
    def copy_groups(self, article_ids: Iterable[str] | None = None) -> dict[str, list[dict[str, Any]]]: ...


@dataclass(frozen=True)
class LocalSnapshot:
    """The local engine's snapshot: one immutable view and the records read by id."""

    view: View
    records: RecordReader
    nprobe: int | None = None

    @property
    def generation(self) -> int:
        return self.view.generation

    def __len__(self) -> int:
        return len(self.view.lexical)

    def bm25(self, query: str) -> Scores | None:
        scores = self.view.lexical.score_all(query)
        return None if scores is None else _Bm25Scores(self.view, scores)

    def dense(self, query_vector: np.ndarray) -> Scores:
        return _DenseScores(self.view, np.asarray(query_vector, dtype=np.float32), self.nprobe)

    def df(self, term: str) -> int:
        return self.view.lexical.df(term)

    def dfs(self, terms: Sequence[str]) -> dict[str, int]:
        return {t: self.view.lexical.df(t) for t in terms}

    def idf(self, term: str) -> float:
        return self.view.lexical.idf(term)

    def chunks(self, chunk_ids: Sequence[int]) -> dict[int, ChunkRecord]:
        return self.records.chunks(chunk_ids) if len(chunk_ids) else {}

    def sentence_blobs(self, chunk_ids: Sequence[int]) -> dict[int, bytes | None]:
        return self.records.sentence_blobs(chunk_ids) if len(chunk_ids) else {}

    def article(self, article_id: str) -> Article | None:
        return self.records.article(article_id)

    def text_before(self, article_id: str, start: int, chars: int = 600) -> str:
        return self.records.text_before(article_id, start, chars)

    def page_starts(self, article_id: str) -> tuple[int, ...] | None:
        return self.records.page_starts(article_id)

    def copy_groups(self, article_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        return self.records.copy_groups(list(article_ids))


def fill_missing(scores: dict[int, float], source: Scores, chunk_ids: Sequence[int]) -> None:
    """Add to ``scores`` the score of each of ``chunk_ids`` it lacks (one lookup for all)."""
    missing = [c for c in chunk_ids if c not in scores]
    if missing:
        scores.update(zip(missing, source.of(missing).tolist(), strict=True))



@runtime_checkable
class StorageEngine(Protocol):
    """What ingest and the assistant need from where an index is kept. The local engine
    is :class:`~index.storage.store.IndexStore` (SQLite + FAISS + our BM25); a second
    engine implements the same, and passes ``tests/unit/index/storage/test_engine_suite.py``."""

    settings: IndexSettings

    def snapshot(self) -> Snapshot:
        """A consistent read of the index now (see :class:`Snapshot`)."""
        ...

    def writing(self) -> AbstractContextManager[None]:
        """Hold the engine's one-writer lock for the block (reentrant)."""
        ...

    def apply(
        self,
        upserts: Sequence[tuple[Article, Sequence[NewChunk]]] = (),
        removals: Sequence[str] = (),
        *,
        derive: bool = True,
    ) -> None:
        """Replace/insert articles with their chunks and delete others, all or nothing;
        readers see the change in their next snapshot (``derive=False``: once
        :meth:`derive` runs)."""
        ...

    def derive(self) -> None:
        """Make what was applied visible to new snapshots."""
        ...

    def hashes(self, article_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """``{id: (content_hash, text_hash)}`` of the stored ones among ``article_ids``."""
        ...

    def ids_for_text(self, text_hashes: Iterable[str]) -> dict[str, str]:
        """``{text_hash: article id}`` of stored articles with exactly that text."""
        ...

    def stored_vectors(self, hashes: Iterable[str]) -> dict[str, tuple[np.ndarray, bytes | None]]:
        """Vectors (and sentence vectors) already stored for these chunk hashes (not embedded again)."""
        ...

    def articles_without_sentences(self, article_ids: Iterable[str]) -> set[str]: ...

    def article(self, article_id: str) -> Article | None: ...

    def articles(self) -> list[StoredArticle]: ...

    def counts(self) -> dict[str, int]: ...

    def close(self) -> None: ...
