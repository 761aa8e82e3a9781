"""The index directory: SQLite records (the truth) plus FAISS and BM25 built from them.

Layout::

    manifest.json        settings and counts (see index.storage.manifest)
    records.sqlite       articles, chunks and their vectors, one transaction per change
    derived.json         which derived-<gen>-<token>/ folder matches which records generation
    derived-<gen>-<t>/   vectors.faiss + bm25/ for that generation (see index.storage.views)
    write.lock           held by the one process that is writing (see index.storage.lock)

Writers hold ``write.lock``; a second writer is told which PID to wait for.
SQLite commits first (WAL, synchronous=FULL); FAISS and BM25 are then written to
a new folder and switched to with one atomic rename of ``derived.json``. If a
process dies in between, whoever opens the index next finds an older generation
and rebuilds FAISS and BM25 from the records, without re-embedding anything.

Readers never block a writer and never see half of a change: each request takes
a :meth:`IndexStore.snapshot` (one immutable :class:`~index.storage.views.View`,
FAISS + BM25 of one generation, with the records read by id), and taking it picks
up a newer generation that another process has saved. The settings are kept in the records too, so a lost
``manifest.json`` is restored from them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from index.config import Config
from index.errors import IndexCorruptError, QAError
from index.sources.article import Article
from index.storage import extras, queries, records, views
from index.storage.lock import LOCK_FILE, WriterLock
from index.storage.manifest import MANIFEST, IndexSettings, read_manifest, write_manifest
from index.storage.records import DB, ChunkRecord, NewChunk, StoredArticle
from index.storage.snapshot import LocalSnapshot
from index.storage.views import View

log = logging.getLogger(__name__)

# What an interrupted ``create`` can leave behind; such a folder may still be used for a new index.
_CREATE_LEFTOVERS = frozenset({DB, f"{DB}-wal", f"{DB}-shm", f"{DB}-journal", LOCK_FILE})


class IndexStore:
    """Reads and writes one index directory. Safe to share between threads.

    ``lock_timeout`` is how long a write waits for another writer (process or
    thread) before it fails with :class:`~index.errors.IndexLockedError`.
    """

    def __init__(
        self,
        directory: Path,
        settings: IndexSettings,
        conn: sqlite3.Connection,
        writer: WriterLock | None = None,
        nprobe: int | None = None,
    ) -> None:
        self.directory = directory
        self.nprobe = nprobe
        self.settings = settings
        self.lock_timeout = 0.0
        self.writer = writer or WriterLock(directory)
        self._conn = conn
        self._lock = threading.RLock()  # the SQLite connection
        self._refreshing = threading.Lock()
        self._view = View.empty(settings.dim)
        self._view = self._load_view() or self._rebuild()

    # -- opening -----------------------------------------------------------
    @staticmethod
    def exists(directory: str | Path) -> bool:
        """Whether ``directory`` holds an index (its manifest, or records that name their settings)."""
        d = Path(directory)
        return (d / MANIFEST).is_file() or records.stored_settings(d / DB) is not None

    @classmethod
    def create(
        cls, directory: str | Path, settings: IndexSettings, config: Config | None = None
    ) -> IndexStore:
        """A new, empty index in ``directory`` (``config.vector_index`` is saved in its settings)."""
        config = config or Config()
        if config.vector_index is not None:
            settings = replace(settings, vector_index=config.vector_index)
        d = Path(directory)
        if cls.exists(d):
            raise IndexCorruptError(f"{d} already holds an index; open it instead")
        if d.exists() and not d.is_dir():
            raise IndexCorruptError(f"{d} is a file, not a folder; give a folder for the index")
        if d.exists() and any(p.name not in _CREATE_LEFTOVERS for p in d.iterdir()):
            if (d / DB).exists():
                raise IndexCorruptError(
                    f"{d} holds an index whose {MANIFEST} is missing and whose {DB} is damaged or "
                    "from elsewhere; restore them from a backup, or pick an empty or new folder"
                )
            raise IndexCorruptError(
                f"{d} exists and is not empty, but is not an index; pick an empty or new folder"
            )
        d.mkdir(parents=True, exist_ok=True)
        writer = WriterLock(d)
        with writer.hold():  # two processes creating one index: the second is told who is at it
            if cls.exists(d):  # created by another process in the meantime
                store = cls.open(d, writer=writer, config=config)
                store.settings.check_model(settings.model_name, settings.dim)
                return store
            try:
                conn = records.connect(d / DB)
                records.put_settings(conn, settings.to_dict())
            except sqlite3.DatabaseError as exc:
                raise IndexCorruptError(
                    f"{d / DB} is damaged ({exc}) and {d / MANIFEST} is missing; restore them from a "
                    "backup, or pick an empty or new folder"
                ) from exc
            write_manifest(d, settings, {"articles": 0, "chunks": 0})
            return cls(d, settings, conn, writer, config.nprobe)

    @classmethod
    def open(
        cls, directory: str | Path, writer: WriterLock | None = None, config: Config | None = None
    ) -> IndexStore:
        """The index in ``directory`` (``config.nprobe`` applies to its searches; the vector
        index kind is the index's own, see :meth:`switch_vector_index`)."""
        config = config or Config()
        d = Path(directory)
        db = d / DB
        if not (d / MANIFEST).is_file() and db.is_file():
            records.restore_manifest(d, db)
        try:
            settings, _ = read_manifest(d)
        except IndexCorruptError as exc:
            if not (d / MANIFEST).is_file() or records.stored_settings(db) is None:
                raise
            raise IndexCorruptError(
                f"{d / MANIFEST} is damaged; the articles are safe in {DB}: delete {MANIFEST} "
                "and it is restored from them"
            ) from exc
        if not db.is_file():
            raise IndexCorruptError(
                f"{db} is missing, so this index has no articles; restore the file from a backup, "
                f"or delete {d} and build it again with 'qa ingest'"
            )
        conn = None
        try:
            conn = records.connect(db)
            store = cls(d, settings, conn, writer, config.nprobe)
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise IndexCorruptError(
                f"{db} is damaged ({exc}); restore it from a backup, or build the index again "
                "in a new folder with 'qa ingest'"
            ) from exc
        if records.stored_settings(db) is None and store.writer.try_acquire():
            try:  # an index made before settings were kept in the records
                with store._lock:
                    records.put_settings(store._conn, settings.to_dict())
            finally:
                store.writer.release()
        return store

    def switch_vector_index(self, kind: str) -> None:
        """Save ``kind`` (auto, flat, ivf) as this index's vector index kind and rebuild FAISS
        (a write: readers never change an index's kind)."""
        if kind == self.settings.vector_index:
            return
        with self.writing():
            self.settings = replace(self.settings, vector_index=kind)
            with self._lock:
                records.put_settings(self._conn, self.settings.to_dict())
            self._derive_locked()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- reading: one snapshot per request --------------------------------
    def snapshot(self) -> LocalSnapshot:
        """What one request reads, all at one records generation (newer records that
        another process committed are picked up first). Pass it down; it never changes."""
        self.refresh()
        return LocalSnapshot(self._view, self, self.nprobe)

    @property
    def view(self) -> View:
        """The newest view this store has (FAISS + BM25 of one generation)."""
        return self._view

    def refresh(self) -> bool:
        """Load what was committed since the current view was built: a view another
        process saved, or (when no writer is at work, so the last one died before
        saving it) one rebuilt from the records. True when the view changed."""
        before = self._view.generation
        if self.generation() == before:
            return False
        if not self._refreshing.acquire(blocking=False):
            return False  # another thread is loading it; keep answering from the current view
        try:
            view = self._load_view()
            if view is None and self.writer.try_acquire():
                try:
                    view = self._derive_locked()
                finally:
                    self.writer.release()
            if view is not None and view.generation > self._view.generation:
                self._view = view
        finally:
            self._refreshing.release()
        return self._view.generation != before

    def _load_view(self) -> View | None:
        gen, _, chunks = self._state()
        return views.load(self.directory, gen, chunks, self.settings.dim)

    def _rebuild(self) -> View:
        """FAISS + BM25 from the records; saved too unless another process is writing."""
        if self.writer.try_acquire():
            try:
                return self._derive_locked()
            finally:
                self.writer.release()
        gen, ids, blobs, texts, _ = self._all_chunks()
        log.info("another process is writing %s; built its search files in memory only", self.directory)
        return views.build(gen, self.settings.dim, ids, blobs, texts, self.settings.vector_index)

    # -- reading -----------------------------------------------------------
    def generation(self) -> int:
        with self._lock:
            return records.generation(self._conn)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return queries.counts(self._conn)

    def article(self, article_id: str) -> Article | None:
        with self._lock:
            return queries.article(self._conn, article_id)

    def text_before(self, article_id: str, start: int, chars: int = 600) -> str:
        """Up to ``chars`` characters of the article just before offset ``start``."""
        with self._lock:
            return queries.text_before(self._conn, article_id, start, chars)

    def page_starts(self, article_id: str) -> tuple[int, ...] | None:
        """A PDF article's page start offsets (None for other articles)."""
        with self._lock:
            return extras.page_starts(self._conn, article_id)

    def copy_groups(self, article_ids: Iterable[str] | None = None) -> dict[str, list[dict[str, Any]]]:
        """Syndicated copies: ``{representative id: members}``, all groups or those of ``article_ids``."""
        with self._lock:
            return extras.groups(self._conn, None if article_ids is None else list(article_ids))

    def articles(self) -> list[StoredArticle]:
        """Every article's metadata and chunk count, newest date first."""
        with self._lock:
            return queries.articles(self._conn)

    def hashes(self, article_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """``{id: (content_hash, text_hash)}`` for those ids that are stored."""
        with self._lock:
            return queries.hashes(self._conn, list(article_ids))

    def ids_for_text(self, text_hashes: Iterable[str]) -> dict[str, str]:
        """``{text_hash: article id}`` for stored articles with that exact text."""
        with self._lock:
            return queries.ids_for_text(self._conn, list(text_hashes))

    def fetched(self, links: Iterable[str]) -> dict[str, tuple[str, str]]:
        """``{link: (stamp, article id)}`` of feed entries fetched before whose article is still stored."""
        with self._lock:
            return queries.fetched(self._conn, list(links))

    def record_fetched(self, rows: Sequence[tuple[str, str, str]]) -> None:
        """Remember ``(link, stamp, article id)`` of fetched feed entries (writers only)."""
        with self.writing(), self._lock:
            records.record_fetched(self._conn, rows)

    def stored_vectors(self, hashes: Iterable[str]) -> dict[str, tuple[np.ndarray, bytes | None]]:
        """Vectors (and sentence vectors) already computed for these chunk hashes, so
        that they are not embedded again."""
        with self._lock:
            return queries.stored_vectors(self._conn, list(set(hashes)))

    def sentence_blobs(self, ids: Sequence[int]) -> dict[int, bytes | None]:
        """The stored sentence vectors of these chunks (None for a chunk stored without them)."""
        with self._lock:
            return queries.sentence_blobs(self._conn, [int(i) for i in ids])

    def articles_without_sentences(self, article_ids: Iterable[str]) -> set[str]:
        """Those articles that have a chunk stored before sentence vectors were kept."""
        with self._lock:
            return queries.articles_without_sentences(self._conn, list(article_ids))

    def chunks(self, ids: Sequence[int]) -> dict[int, ChunkRecord]:
        with self._lock:
            return queries.chunks(self._conn, [int(i) for i in ids])

    # -- writing -----------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock for the block (reentrant; waits ``lock_timeout`` seconds)."""
        with self.writer.hold(self.lock_timeout):
            yield

    def apply(
        self,
        upserts: Sequence[tuple[Article, Sequence[NewChunk]]] = (),
        removals: Sequence[str] = (),
        *,
        derive: bool = True,
    ) -> None:
        """Replace/insert articles with their chunks and delete others, in one
        transaction; then (``derive=True``) bring FAISS and BM25 in step."""
        with self.writing():
            try:
                self._commit(upserts, removals)
            except sqlite3.Error as exc:
                raise QAError(
                    f"could not write to {self.directory / DB} ({exc}); nothing of this change was "
                    "stored and the index is as it was; fix the cause (disk space, permissions) and retry"
                ) from exc
            if derive:
                self._derive_locked()

    def derive(self) -> None:
        """Rebuild FAISS and BM25 from the records and save them as the current generation."""
        with self.writing():
            self._derive_locked()

    def _commit(self, upserts: Sequence[tuple[Article, Sequence[NewChunk]]], removals: Sequence[str]) -> None:
        for _, chunks in upserts:
            for ch in chunks:
                _check_dim(ch, self.settings.dim)
        with self._lock:
            records.add_sentences_column(self._conn)  # an index made before sentence vectors were kept
            records.commit(self._conn, upserts, removals)

    def _derive_locked(self) -> View:
        """Build the view of the records as they are now, make it current and save
        it (a failed save is logged: the records are safe, the next open rebuilds)."""
        view, articles, chunks = self._derive_view()
        if view.generation >= self._view.generation:
            self._view = view
        try:
            views.save(self.directory, view)
            write_manifest(self.directory, self.settings, {"articles": articles, "chunks": chunks})
        except OSError as exc:
            log.warning("could not save the search files of %s (%s); they are rebuilt on next open",
                        self.directory, exc)  # fmt: skip
        return view

    def _derive_view(self) -> tuple[View, int, int]:
        """The view of the records now: the current view plus what changed since
        (only new chunks are read and indexed), or, when that cannot be done (no
        usable view, a vector index type change), built from all the records."""
        base = self._view
        kind = self.settings.vector_index
        if len(base.vectors) == len(base.lexical) and base.vectors.suits(self._state().chunks, kind):
            seen = int(base.lexical.ids[-1]) if len(base.lexical.ids) else 0
            with self._lock:
                gen, live, ids, blobs, texts, articles = queries.delta(self._conn, seen)
            known = base.lexical.live_ids()
            removed = np.setdiff1d(known, np.asarray(live, dtype=np.int64), assume_unique=True)
            if len(known) - len(removed) + len(ids) == len(live):
                view = views.update(base, gen, ids, blobs, texts, removed.tolist(), kind)
                if view is not None:
                    return view, articles, len(live)
        gen, ids, blobs, texts, articles = self._all_chunks()
        return views.build(gen, self.settings.dim, ids, blobs, texts, kind), articles, len(ids)

    def _all_chunks(self) -> queries.AllChunks:
        with self._lock:
            return queries.all_chunks(self._conn)

    def _state(self) -> queries.State:
        with self._lock:
            return queries.state(self._conn)


def _check_dim(chunk: NewChunk, dim: int) -> None:
    size = np.asarray(chunk.vector).size
    if size != dim:
        raise ValueError(f"a vector of dimension {size} for an index of dimension {dim}")
