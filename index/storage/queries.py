"""Every read of the SQLite records: what the store reads under its lock (articles,
chunks, hashes, fetched links, stored vectors; the generation with all chunks, what
changed since a view, or the counts, each in one transaction), and read-only access
for tools that read a whole index (benchmarks, exports). The schema, the connection,
the stored types and the writes are in :mod:`index.storage.records`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from index.sources.article import Article
from index.storage import extras
from index.storage.extras import batches, marks
from index.storage.records import DB, ChunkRecord, NewChunk, StoredArticle, generation, has_sentences

_CHUNK_COLS = "c.id, c.article_id, c.start, c.end, c.text, a.title, a.date, a.source, a.url"


class AllChunks(NamedTuple):
    """Every stored chunk's id, vector blob and indexed text at one generation."""

    generation: int
    ids: list[int]
    blobs: list[bytes]
    texts: list[str]
    articles: int


class Delta(NamedTuple):
    """What changed since a view: every live chunk id, and the chunks added after it."""

    generation: int
    live: list[int]
    ids: list[int]
    blobs: list[bytes]
    texts: list[str]
    articles: int


class State(NamedTuple):
    generation: int
    articles: int
    chunks: int


def all_chunks(conn: sqlite3.Connection) -> AllChunks:
    """Every chunk (id, vector blob, indexed text) and the article count, read in
    one transaction so that they belong together."""
    conn.execute("BEGIN")
    try:
        gen = generation(conn)
        rows = conn.execute("SELECT id, vector, indexed FROM chunks ORDER BY id").fetchall()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.execute("COMMIT")
    return AllChunks(gen, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], int(articles))


def delta(conn: sqlite3.Connection, after: int) -> Delta:
    """In one transaction: what changed since a view whose highest chunk id was
    ``after`` (ids are never reused: AUTOINCREMENT)."""
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
    return Delta(gen, live, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], int(articles))


def state(conn: sqlite3.Connection) -> State:
    """Generation and counts, read in one transaction."""
    conn.execute("BEGIN")
    try:
        gen = generation(conn)
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        chunks = conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
    finally:
        conn.execute("COMMIT")
    return State(gen, int(articles), int(chunks))


def article(conn: sqlite3.Connection, article_id: str) -> Article | None:
    row = conn.execute(
        "SELECT id, title, text, date, source, url, author, origin FROM articles WHERE id=?", (article_id,)
    ).fetchone()
    return replace(Article(*row), pages=extras.page_starts(conn, article_id)) if row else None


def text_before(conn: sqlite3.Connection, article_id: str, start: int, chars: int) -> str:
    row = conn.execute(
        "SELECT substr(text, ?, ?) FROM articles WHERE id=?",
        (max(1, start - chars + 1), min(start, chars), article_id),
    ).fetchone()
    return row[0] if row and row[0] else ""


def articles(conn: sqlite3.Connection) -> list[StoredArticle]:
    rows = conn.execute(
        "SELECT a.id, a.title, a.date, a.source, a.url, a.origin, count(c.id) "
        "FROM articles a LEFT JOIN chunks c ON c.article_id = a.id "
        "GROUP BY a.id ORDER BY a.date IS NULL, a.date DESC, a.title"
    ).fetchall()
    return [StoredArticle(*r) for r in rows]


def hashes(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for part in batches(ids):
        q = f"SELECT id, content_hash, text_hash FROM articles WHERE id IN ({marks(part)})"
        out.update({r[0]: (r[1], r[2]) for r in conn.execute(q, part)})
    return out


def ids_for_text(conn: sqlite3.Connection, text_hashes: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in batches(text_hashes):
        q = f"SELECT text_hash, id FROM articles WHERE text_hash IN ({marks(part)})"
        out.update(dict(conn.execute(q, part).fetchall()))
    return out


def fetched(conn: sqlite3.Connection, links: list[str]) -> dict[str, tuple[str, str]]:
    """``{link: (stamp, article id)}`` for links fetched before whose article is still stored
    (the table is made by the first :func:`record_fetched`; an older index has none)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name='fetched'").fetchone():
        return {}
    out: dict[str, tuple[str, str]] = {}
    for part in batches(links):
        q = (
            "SELECT f.link, f.stamp, f.article_id FROM fetched f JOIN articles a ON a.id = f.article_id "
            f"WHERE f.link IN ({marks(part)})"
        )
        out.update({r[0]: (r[1], r[2]) for r in conn.execute(q, part)})
    return out


def stored_vectors(
    conn: sqlite3.Connection, chunk_hashes: list[str]
) -> dict[str, tuple[np.ndarray, bytes | None]]:
    """``{hash: (vector, sentence vectors blob or None)}`` of stored chunks with those hashes;
    a chunk with its sentence vectors is preferred to one without."""
    out: dict[str, tuple[np.ndarray, bytes | None]] = {}
    column = "sentences" if has_sentences(conn) else "NULL"
    for part in batches(chunk_hashes):
        q = f"SELECT hash, vector, {column} FROM chunks WHERE hash IN ({marks(part)})"
        for h, blob, sentences in conn.execute(q, part):
            if h not in out or out[h][1] is None:
                out[h] = (np.frombuffer(blob, dtype=np.float32), sentences)
    return out


def sentence_blobs(conn: sqlite3.Connection, ids: list[int]) -> dict[int, bytes | None]:
    """``{chunk id: its sentence vectors blob, or None}`` for the chunks that exist."""
    out: dict[int, bytes | None] = {}
    if not has_sentences(conn):
        return out | {i: None for i in chunks(conn, ids)}
    for part in batches(ids):
        q = f"SELECT id, sentences FROM chunks WHERE id IN ({marks(part)})"
        out.update({r[0]: r[1] for r in conn.execute(q, part)})
    return out


def articles_without_sentences(conn: sqlite3.Connection, ids: list[str]) -> set[str]:
    """Those of ``ids`` that have a chunk stored without sentence vectors."""
    if not has_sentences(conn):
        return set(ids)
    out: set[str] = set()
    for part in batches(ids):
        q = (
            "SELECT DISTINCT article_id FROM chunks "
            f"WHERE sentences IS NULL AND article_id IN ({marks(part)})"
        )
        out.update(r[0] for r in conn.execute(q, part))
    return out


def chunks(conn: sqlite3.Connection, ids: list[int]) -> dict[int, ChunkRecord]:
    out: dict[int, ChunkRecord] = {}
    for part in batches(ids):
        q = (
            f"SELECT {_CHUNK_COLS} FROM chunks c JOIN articles a ON a.id = c.article_id "
            f"WHERE c.id IN ({marks(part)})"
        )
        out.update({r[0]: ChunkRecord(*r) for r in conn.execute(q, part)})
    return out


# -- read-only access for tools (benchmarks, exports): no SQL outside records and queries --


@contextmanager
def reading(index_dir: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to an index's records (for tools that read a whole index)."""
    conn = sqlite3.connect(f"{(Path(index_dir) / DB).resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def chunk_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM chunks").fetchone()[0])


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """``{"articles": N, "chunks": M}``."""
    a = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    return {"articles": int(a), "chunks": chunk_count(conn)}


def article_texts(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """``(id, title, text)`` of every article, by id."""
    return conn.execute("SELECT id, title, text FROM articles ORDER BY id").fetchall()


def chunk_positions(conn: sqlite3.Connection) -> list[tuple[str, int, bytes]]:
    """``(article id, start offset, vector blob)`` of every chunk, by chunk id."""
    return conn.execute("SELECT article_id, start, vector FROM chunks ORDER BY id").fetchall()


def indexed_texts(conn: sqlite3.Connection) -> list[str]:
    """The indexed text (title line + chunk) of every chunk, by chunk id: what the model was given."""
    return [r[0] for r in conn.execute("SELECT indexed FROM chunks ORDER BY id")]


def chunk_text_bytes(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(sum(length(text)), 0) FROM chunks").fetchone()[0])


def stored_articles(
    conn: sqlite3.Connection, batch_chunks: int = 2000
) -> Iterator[list[tuple[Article, list[NewChunk]]]]:
    """Every stored article with its chunks (vectors and sentence vectors included), as
    lists of about ``batch_chunks`` chunks, by article id: what another engine needs to
    hold the same index (``qa bench --store`` copies an index with it)."""
    column = "sentences" if has_sentences(conn) else "NULL"
    batch: list[tuple[Article, list[NewChunk]]] = []
    pending = 0
    ids = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY id")]
    for article_id in ids:
        art = article(conn, article_id)
        if art is None:  # removed since the ids were read
            continue
        rows = conn.execute(
            f"SELECT start, end, text, indexed, hash, vector, {column} FROM chunks WHERE article_id=? "
            "ORDER BY ord",
            (article_id,),
        ).fetchall()
        batch.append((art, [NewChunk(s, e, t, i, h, np.frombuffer(v, dtype=np.float32), b)
                            for s, e, t, i, h, v, b in rows]))  # fmt: skip
        pending += len(rows)
        if pending >= batch_chunks:
            yield batch
            batch, pending = [], 0
    if batch:
        yield batch


def vector_batches(conn: sqlite3.Connection, dim: int, batch: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(chunk ids, vectors)`` of every chunk, ``batch`` at a time, by chunk id."""
    cur = conn.execute("SELECT id, vector FROM chunks ORDER BY id")
    while rows := cur.fetchmany(batch):
        ids = np.asarray([r[0] for r in rows], dtype=np.int64)
        yield ids, np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
