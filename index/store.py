"""The index directory: SQLite records (the truth) plus FAISS and BM25 built from them.

Layout::

    manifest.json        settings and counts (see index.manifest)
    records.sqlite       articles, chunks and their vectors, one transaction per change
    derived.json         which derived/ folder matches which records generation
    derived-<gen>/       vectors.faiss + bm25/ for that generation

SQLite commits first; the derived files are then written to a new folder and
switched to with one atomic rename of ``derived.json``. If a process dies in
between, the next open sees an old generation and rebuilds FAISS and BM25 from
the records, without re-embedding anything.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.article import Article
from index.errors import IndexCorruptError
from index.files import atomic_write_json
from index.lexical import LexicalIndex
from index.manifest import IndexSettings, read_manifest, write_manifest
from index.vectors import VectorIndex

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, date TEXT, source TEXT,
    url TEXT, author TEXT, origin TEXT, content_hash TEXT NOT NULL, text_hash TEXT NOT NULL,
    added_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS articles_text_hash ON articles(text_hash);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    text TEXT NOT NULL, indexed TEXT NOT NULL, hash TEXT NOT NULL, vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE INDEX IF NOT EXISTS chunks_hash ON chunks(hash);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_CHUNK_COLS = "c.id, c.article_id, c.start, c.end, c.text, a.title, a.date, a.source, a.url"


@dataclass(frozen=True)
class NewChunk:
    """A chunk ready to store: its span, the text that was embedded, and the vector."""

    start: int
    end: int
    text: str
    indexed: str
    hash: str
    vector: np.ndarray


@dataclass(frozen=True)
class ChunkRecord:
    """A stored chunk with the metadata of its article."""

    id: int
    article_id: str
    start: int
    end: int
    text: str
    title: str
    date: str | None
    source: str | None
    url: str | None


class IndexStore:
    """Reads and writes one index directory. Safe to share between threads."""

    def __init__(self, directory: Path, settings: IndexSettings, conn: sqlite3.Connection) -> None:
        self.directory = directory
        self.settings = settings
        self._conn = conn
        self._lock = threading.RLock()
        self.vectors = VectorIndex(settings.dim)
        self.lexical = LexicalIndex.build([], [])
        self._load_derived()

    # -- opening -----------------------------------------------------------
    @staticmethod
    def exists(directory: str | Path) -> bool:
        return (Path(directory) / "manifest.json").is_file()

    @classmethod
    def create(cls, directory: str | Path, settings: IndexSettings) -> IndexStore:
        d = Path(directory)
        if cls.exists(d):
            raise IndexCorruptError(f"{d} already holds an index; open it instead")
        if d.exists() and any(d.iterdir()):
            raise IndexCorruptError(
                f"{d} exists and is not empty, but is not an index; pick an empty or new folder"
            )
        d.mkdir(parents=True, exist_ok=True)
        conn = _connect(d / "records.sqlite")
        write_manifest(d, settings, {"articles": 0, "chunks": 0})
        return cls(d, settings, conn)

    @classmethod
    def open(cls, directory: str | Path) -> IndexStore:
        d = Path(directory)
        settings, _ = read_manifest(d)
        db = d / "records.sqlite"
        if not db.is_file():
            raise IndexCorruptError(f"{db} is missing; rebuild the index with 'qa ingest'")
        try:
            return cls(d, settings, _connect(db))
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(f"{db} is damaged ({exc}); rebuild the index with 'qa ingest'") from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- reading -----------------------------------------------------------
    def generation(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def counts(self) -> dict[str, int]:
        with self._lock:
            a = self._conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            c = self._conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return {"articles": int(a), "chunks": int(c)}

    def article(self, article_id: str) -> Article | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, title, text, date, source, url, author, origin FROM articles WHERE id=?",
                (article_id,),
            ).fetchone()
        return Article(*row) if row else None

    def text_before(self, article_id: str, start: int, chars: int = 600) -> str:
        """Up to ``chars`` characters of the article just before offset ``start``."""
        with self._lock:
            row = self._conn.execute(
                "SELECT substr(text, ?, ?) FROM articles WHERE id=?",
                (max(1, start - chars + 1), min(start, chars), article_id),
            ).fetchone()
        return row[0] if row and row[0] else ""

    def articles(self) -> list[dict[str, Any]]:
        """Every article's metadata and chunk count, newest date first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT a.id, a.title, a.date, a.source, a.url, a.origin, count(c.id) "
                "FROM articles a LEFT JOIN chunks c ON c.article_id = a.id "
                "GROUP BY a.id ORDER BY a.date IS NULL, a.date DESC, a.title"
            ).fetchall()
        keys = ("id", "title", "date", "source", "url", "origin", "chunks")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def hashes(self, article_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """``{id: (content_hash, text_hash)}`` for those ids that are stored."""
        ids = list(article_ids)
        out: dict[str, tuple[str, str]] = {}
        with self._lock:
            for part in _batches(ids):
                q = f"SELECT id, content_hash, text_hash FROM articles WHERE id IN ({_marks(part)})"
                out.update({r[0]: (r[1], r[2]) for r in self._conn.execute(q, part)})
        return out

    def ids_for_text(self, text_hashes: Iterable[str]) -> dict[str, str]:
        """``{text_hash: article id}`` for stored articles with that exact text."""
        hs = list(text_hashes)
        out: dict[str, str] = {}
        with self._lock:
            for part in _batches(hs):
                q = f"SELECT text_hash, id FROM articles WHERE text_hash IN ({_marks(part)})"
                out.update(dict(self._conn.execute(q, part).fetchall()))
        return out

    def stored_vectors(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors already computed for these chunk hashes (so they are not embedded again)."""
        hs = list(set(hashes))
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for part in _batches(hs):
                q = f"SELECT hash, vector FROM chunks WHERE hash IN ({_marks(part)})"
                for h, blob in self._conn.execute(q, part):
                    out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def chunks(self, ids: Sequence[int]) -> dict[int, ChunkRecord]:
        out: dict[int, ChunkRecord] = {}
        with self._lock:
            for part in _batches([int(i) for i in ids]):
                q = (
                    f"SELECT {_CHUNK_COLS} FROM chunks c JOIN articles a ON a.id = c.article_id "
                    f"WHERE c.id IN ({_marks(part)})"
                )
                out.update({r[0]: ChunkRecord(*r) for r in self._conn.execute(q, part)})
        return out

    def dense_search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            return self.vectors.search(query, k)

    def lexical_search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            return self.lexical.search(query, k)

    # -- writing -----------------------------------------------------------
    def apply(
        self,
        upserts: Sequence[tuple[Article, Sequence[NewChunk]]] = (),
        removals: Sequence[str] = (),
    ) -> None:
        """Replace/insert articles with their chunks and delete others, in one transaction."""
        with self._lock:
            gone: list[int] = []
            added: list[tuple[int, np.ndarray]] = []
            try:
                with self._conn:  # one transaction
                    cur = self._conn.cursor()
                    for aid in list(removals) + [a.id for a, _ in upserts]:
                        gone += [
                            r[0] for r in cur.execute("SELECT id FROM chunks WHERE article_id=?", (aid,))
                        ]
                        cur.execute("DELETE FROM chunks WHERE article_id=?", (aid,))
                        cur.execute("DELETE FROM articles WHERE id=?", (aid,))
                    for art, chunks in upserts:
                        cur.execute(
                            "INSERT INTO articles (id, title, text, date, source, url, author, origin,"
                            " content_hash, text_hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                            (
                                art.id,
                                art.title,
                                art.text,
                                art.date,
                                art.source,
                                art.url,
                                art.author,
                                art.origin,
                                art.content_hash,
                                art.text_hash,
                            ),
                        )
                        for i, ch in enumerate(chunks):
                            vec = np.ascontiguousarray(ch.vector, dtype=np.float32)
                            cur.execute(
                                "INSERT INTO chunks (article_id, ord, start, end, text, indexed, hash,"
                                " vector) VALUES (?,?,?,?,?,?,?,?)",
                                (art.id, i, ch.start, ch.end, ch.text, ch.indexed, ch.hash, vec.tobytes()),
                            )
                            added.append((int(cur.lastrowid or 0), vec))
                    gen = self.generation() + 1
                    cur.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(gen),))
            except BaseException:
                self._load_derived()  # memory back in step with what was committed
                raise
            self.vectors.remove(np.asarray(gone, dtype=np.int64))
            if added:
                ids = np.asarray([i for i, _ in added], dtype=np.int64)
                self.vectors.add(ids, np.stack([v for _, v in added]))
            self._rebuild_lexical()
            self._save_derived(gen)
            write_manifest(self.directory, self.settings, self.counts())

    # -- derived files -----------------------------------------------------
    def _load_derived(self) -> None:
        gen = self.generation()
        pointer = self.directory / "derived.json"
        try:
            folder = self.directory / json.loads(pointer.read_text())["folder"]
            if json.loads(pointer.read_text())["generation"] != gen:
                raise ValueError("stale")
            self.vectors = VectorIndex.load(folder / "vectors.faiss", self.settings.dim)
            self.lexical = LexicalIndex.load(folder / "bm25")
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            if gen == 0 and not pointer.exists():
                return
            log.warning("rebuilding vectors and BM25 from records (%s)", exc)
            self._rebuild_all(gen)

    def _rebuild_all(self, gen: int) -> None:
        self.vectors = VectorIndex(self.settings.dim)
        rows = self._conn.execute("SELECT id, vector FROM chunks ORDER BY id").fetchall()
        if rows:
            ids = np.asarray([r[0] for r in rows], dtype=np.int64)
            vecs = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            self.vectors.add(ids, vecs)
        self._rebuild_lexical()
        self._save_derived(gen)

    def _rebuild_lexical(self) -> None:
        rows = self._conn.execute("SELECT id, indexed FROM chunks ORDER BY id").fetchall()
        self.lexical = LexicalIndex.build([r[0] for r in rows], [r[1] for r in rows])

    def _save_derived(self, gen: int) -> None:
        name = f"derived-{gen}"
        folder = self.directory / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        self.vectors.save(folder / "vectors.faiss")
        self.lexical.save(folder / "bm25")
        atomic_write_json(self.directory / "derived.json", {"folder": name, "generation": gen})
        for old in self.directory.glob("derived-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(_SCHEMA)
    conn.isolation_level = ""  # back to implicit transactions for `with conn:`
    return conn


def _marks(items: Sequence[Any]) -> str:
    return ",".join("?" * len(items))


def _batches(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
