"""The SQLite side of an index: schema, connection settings, and the few
statements that must read a consistent snapshot or survive a lost manifest."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from index.errors import IndexMismatchError
from index.manifest import FORMAT_VERSION, MANIFEST, IndexSettings, write_manifest

log = logging.getLogger(__name__)

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
    text TEXT NOT NULL, indexed TEXT NOT NULL, hash TEXT NOT NULL, vector BLOB NOT NULL
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


def generation(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
    return int(row[0]) if row else 0


def snapshot(conn: sqlite3.Connection) -> tuple[int, list[int], list[bytes], list[str], int]:
    """``(generation, chunk ids, vector blobs, indexed texts, article count)``, read in
    one transaction so that they belong together."""
    conn.execute("BEGIN")
    try:
        gen = generation(conn)
        rows = conn.execute("SELECT id, vector, indexed FROM chunks ORDER BY id").fetchall()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.execute("COMMIT")
    return gen, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], int(articles)


def delta(
    conn: sqlite3.Connection, after: int
) -> tuple[int, list[int], list[int], list[bytes], list[str], int]:
    """``(generation, every chunk id, ids above after, their vector blobs, their
    indexed texts, article count)`` in one transaction: what changed since a view
    whose highest chunk id was ``after`` (ids are never reused: AUTOINCREMENT)."""
    conn.execute("BEGIN")
    try:
        gen = generation(conn)
        live = [r[0] for r in conn.execute("SELECT id FROM chunks ORDER BY id")]
        rows = conn.execute(
            "SELECT id, vector, indexed FROM chunks WHERE id > ? ORDER BY id", (after,)
        ).fetchall()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.execute("COMMIT")
    return gen, live, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], int(articles)


def state(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """``(generation, articles, chunks)``, read in one transaction."""
    conn.execute("BEGIN")
    try:
        gen = generation(conn)
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
    finally:
        conn.execute("COMMIT")
    return gen, int(articles), int(chunks)


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
