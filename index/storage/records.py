"""The SQLite side of an index: schema, connection settings, the stored chunk
types, and the statements that write the records, with the reads they rest on (the
generation, the ``sentences`` column, the settings kept for a lost manifest). Callers
hold the store's lock; ``commit`` is one transaction. Every other read is in
:mod:`index.storage.queries`."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import IndexMismatchError
from index.sources.article import Article
from index.storage import extras
from index.storage.manifest import FORMAT_VERSION, MANIFEST, IndexSettings, write_manifest

log = logging.getLogger(__name__)

_ARTICLE_FIELDS = (
    "id",
    "title",
    "text",
    "date",
    "source",
    "url",
    "author",
    "origin",
    "content_hash",
    "text_hash",
)


@dataclass(frozen=True)
class NewChunk:
    """A chunk ready to store: its span, the text that was embedded, the vector, and
    its sentences' spans and vectors (:class:`index.embed.sentences.SentenceVectors`
    as a blob; None for a chunk stored without them)."""

    start: int
    end: int
    text: str
    indexed: str
    hash: str
    vector: np.ndarray
    sentences: bytes | None = None


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


@dataclass(frozen=True)
class StoredArticle:
    """An article as listed: its metadata and how many chunks it has."""

    id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    origin: str | None
    chunks: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DB = "records.sqlite"

SCHEMA = """
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
    text TEXT NOT NULL, indexed TEXT NOT NULL, hash TEXT NOT NULL, vector BLOB NOT NULL,
    sentences BLOB
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE INDEX IF NOT EXISTS chunks_hash ON chunks(hash);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

BUSY_SECONDS = 30.0  # wait this long for SQLite's own short locks (checkpoints, recovery after a crash)


def connect(path: Path) -> sqlite3.Connection:
    """A connection shared by threads (callers serialize), WAL, fsync on every commit."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=BUSY_SECONDS)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.executescript(SCHEMA)  # on an existing index: no write, and no wait for a writer
    except BaseException:
        conn.close()
        raise
    conn.isolation_level = ""  # back to implicit transactions for `with conn:`
    return conn


def has_sentences(conn: sqlite3.Connection) -> bool:
    """Whether the chunks table has the ``sentences`` column (indexes made before it have not)."""
    return any(row[1] == "sentences" for row in conn.execute("PRAGMA table_info(chunks)"))


def add_sentences_column(conn: sqlite3.Connection) -> None:
    """Give an older index the ``sentences`` column (empty for its chunks); writers only."""
    if not has_sentences(conn):
        with conn:
            conn.execute("ALTER TABLE chunks ADD COLUMN sentences BLOB")


def generation(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
    return int(row[0]) if row else 0


def put_settings(conn: sqlite3.Connection, settings: dict[str, Any]) -> None:
    """Keep the index settings in the records too (a lost manifest is restored from them)."""
    with conn:
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('settings', ?)", (json.dumps(settings),))


def stored_settings(db: Path) -> dict[str, Any] | None:
    """The settings kept in the records, or None (no file, no settings, unreadable)."""
    if not db.is_file():
        return None
    try:
        conn = sqlite3.connect(db, timeout=BUSY_SECONDS)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key='settings'").fetchone()
        finally:
            conn.close()
        data = json.loads(row[0]) if row else None
    except (sqlite3.Error, ValueError):
        return None
    return data if isinstance(data, dict) else None


def restore_manifest(directory: Path, db: Path) -> None:
    """Write a lost ``manifest.json`` again from the settings kept in the records."""
    data = stored_settings(db)
    if data is None:
        return  # read_manifest then says what is wrong
    if data.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{db}: index format version {data.get('format_version')!r}, this program reads version "
            f"{FORMAT_VERSION}; rebuild the index with 'qa ingest'"
        )
    log.warning("%s was missing; restored it from the settings kept in %s", MANIFEST, db)
    write_manifest(directory, IndexSettings.from_dict(data), {})


def record_fetched(conn: sqlite3.Connection, rows: Sequence[tuple[str, str, str]]) -> None:
    """Remember ``(link, stamp, article id)`` of fetched feed entries, in one transaction."""
    with conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS fetched (link TEXT PRIMARY KEY, stamp TEXT NOT NULL, "
            "article_id TEXT NOT NULL)"
        )
        conn.executemany("INSERT OR REPLACE INTO fetched VALUES (?,?,?)", rows)


def commit(
    conn: sqlite3.Connection, upserts: Sequence[tuple[Article, Sequence[NewChunk]]], removals: Sequence[str]
) -> None:
    """Remove and replace articles with their chunks and bump the generation, in one transaction."""
    with conn:
        cur = conn.cursor()
        for aid in list(removals) + [a.id for a, _ in upserts]:
            cur.execute("DELETE FROM chunks WHERE article_id=?", (aid,))
            cur.execute("DELETE FROM articles WHERE id=?", (aid,))
        for art, new in upserts:
            cur.execute(
                "INSERT INTO articles (id, title, text, date, source, url, author, origin,"
                " content_hash, text_hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                tuple(getattr(art, f) for f in _ARTICLE_FIELDS),
            )
            cur.executemany(
                "INSERT INTO chunks (article_id, ord, start, end, text, indexed, hash, vector, sentences)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        art.id,
                        i,
                        ch.start,
                        ch.end,
                        ch.text,
                        ch.indexed,
                        ch.hash,
                        _blob(ch.vector),
                        ch.sentences,
                    )
                    for i, ch in enumerate(new)
                ],
            )
        extras.write(cur, [a for a, _ in upserts], removals)  # PDF pages, syndicated-copy groups
        cur.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(generation(conn) + 1),))


def _blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).reshape(-1).tobytes()
