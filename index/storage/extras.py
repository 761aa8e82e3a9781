"""What the records keep beside an article's row: a PDF's page starts, and the
article's MinHash and syndicated-copy group (:mod:`index.text.syndication`).

Three tables, made on the first write (an index made before them gets them then,
its articles' MinHashes computed once; until then a reader finds no pages and no
groups). They are written in the transaction of :func:`index.storage.records.commit`,
after its deletes and inserts: rows of removed and replaced articles go, new
ones come, and every group that lost or may gain a member is found again, so
a removed representative hands over to the next copy.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Container, Iterable, Sequence
from typing import Any

from index.sources.article import Article
from index.text import syndication

TABLES = """
CREATE TABLE IF NOT EXISTS article_pages (article_id TEXT PRIMARY KEY, starts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS article_copies (article_id TEXT PRIMARY KEY, signature BLOB NOT NULL, grp TEXT);
CREATE INDEX IF NOT EXISTS article_copies_grp ON article_copies(grp);
CREATE TABLE IF NOT EXISTS article_bands (key INTEGER NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS article_bands_key ON article_bands(key);
CREATE INDEX IF NOT EXISTS article_bands_article ON article_bands(article_id);
"""
log = logging.getLogger(__name__)
_META = "a.id, a.title, a.date, a.source, a.url, a.author"
_META_KEYS = ("id", "title", "date", "source", "url", "author")


def has_tables(conn: sqlite3.Connection | sqlite3.Cursor) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='article_copies'").fetchone()
    return row is not None


def write(cur: sqlite3.Cursor, upserts: Sequence[Article], removals: Sequence[str]) -> None:
    """Bring pages, MinHashes and groups in step with a commit (inside its transaction)."""
    changed = list(dict.fromkeys([*removals, *(a.id for a in upserts)]))
    if not has_tables(cur):
        _create(cur, set(changed))
    seeds = _group_members(cur, changed)
    for part in batches(changed):
        for table in ("article_pages", "article_copies", "article_bands"):
            cur.execute(f"DELETE FROM {table} WHERE article_id IN ({marks(part)})", part)
    for art in upserts:
        _put(cur, art.id, art.text)
        if art.pages:
            cur.execute("INSERT INTO article_pages VALUES (?, ?)", (art.id, json.dumps(list(art.pages))))
    regroup(cur, seeds | {a.id for a in upserts})


def _create(cur: sqlite3.Cursor, changing: set[str]) -> None:
    """The tables, with the MinHashes and groups of the articles stored before this change."""
    for statement in TABLES.strip().split(";\n"):
        cur.execute(statement)
    ids = [r[0] for r in cur.execute("SELECT id FROM articles").fetchall() if r[0] not in changing]
    if ids:
        log.warning("finding syndicated copies among the %d articles already stored (once)", len(ids))
    for aid in ids:
        (text,) = cur.execute("SELECT text FROM articles WHERE id=?", (aid,)).fetchone()
        _put(cur, aid, text)
    regroup(cur, set(ids))


def _put(cur: sqlite3.Cursor, article_id: str, text: str) -> None:
    if not syndication.long_enough(text):
        return  # a brief is never grouped
    sig = syndication.signature(text)
    cur.execute("INSERT INTO article_copies VALUES (?, ?, NULL)", (article_id, syndication.to_blob(sig)))
    cur.executemany(
        "INSERT INTO article_bands VALUES (?, ?)", [(k, article_id) for k in syndication.band_keys(sig)]
    )


def regroup(cur: sqlite3.Cursor, seeds: Iterable[str]) -> None:
    """Find again the group of each seed (those still stored): its copies, transitively,
    and its representative, which every member records (None for an article alone)."""
    done: set[str] = set()
    for seed in sorted(seeds):
        if seed in done or _signature(cur, seed) is None:
            continue
        members, todo = {seed}, [seed]
        while todo:
            current = todo.pop()
            for other in _copies_of(cur, current, members):
                members.add(other)
                todo.append(other)
        done |= members
        rep = syndication.representative(_meta(cur, sorted(members))) if len(members) > 1 else None
        part = sorted(members)
        for chunk in batches(part):
            cur.execute(
                f"UPDATE article_copies SET grp=? WHERE article_id IN ({marks(chunk)})", [rep, *chunk]
            )


def _copies_of(cur: sqlite3.Cursor, article_id: str, known: Container[str] = ()) -> list[str]:
    """Stored articles whose text is a copy of this one's (band candidates, then checked),
    leaving out those ``known`` already (in a large group, each member's candidates are
    mostly members found before: checking them again made grouping quadratic)."""
    sig = _signature(cur, article_id)
    rows = cur.execute(
        "SELECT DISTINCT c.article_id, c.signature FROM article_bands b "
        "JOIN article_bands o ON o.key = b.key AND o.article_id <> b.article_id "
        "JOIN article_copies c ON c.article_id = o.article_id WHERE b.article_id = ?",
        (article_id,),
    ).fetchall()
    if sig is None:
        return []
    fresh = [(aid, blob) for aid, blob in rows if aid not in known]
    return [aid for aid, blob in fresh if syndication.is_copy(sig, syndication.from_blob(blob))]


def _signature(cur: sqlite3.Cursor, article_id: str) -> Any:
    row = cur.execute("SELECT signature FROM article_copies WHERE article_id=?", (article_id,)).fetchone()
    return syndication.from_blob(row[0]) if row else None


def _group_members(cur: sqlite3.Cursor, ids: list[str]) -> set[str]:
    """The ids, and every member of their groups."""
    out = set(ids)
    for part in batches(ids):
        rows = cur.execute(
            "SELECT article_id FROM article_copies WHERE grp IN "
            f"(SELECT grp FROM article_copies WHERE grp IS NOT NULL AND article_id IN ({marks(part)}))",
            part,
        )
        out.update(r[0] for r in rows)
    return out


def _meta(conn: sqlite3.Connection | sqlite3.Cursor, ids: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in batches(ids):
        rows = conn.execute(f"SELECT {_META} FROM articles a WHERE a.id IN ({marks(part)})", part)
        out += [dict(zip(_META_KEYS, r, strict=True)) for r in rows]
    return out


# -- reading ------------------------------------------------------------------
def page_starts(conn: sqlite3.Connection, article_id: str) -> tuple[int, ...] | None:
    """A PDF article's page start offsets, or None (not a PDF, or an older index)."""
    if not has_tables(conn):
        return None
    row = conn.execute("SELECT starts FROM article_pages WHERE article_id=?", (article_id,)).fetchone()
    return tuple(int(x) for x in json.loads(row[0])) if row else None


def groups(conn: sqlite3.Connection, ids: Sequence[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """``{representative id: its group's members}`` (the representative first, then by
    date), for every group or for those holding one of ``ids``. A member is
    ``{"article_id", "title", "source", "date", "url"}``."""
    if not has_tables(conn):
        return {}
    if ids is None:
        rows = conn.execute("SELECT article_id, grp FROM article_copies WHERE grp IS NOT NULL").fetchall()
    else:
        rows = []
        for part in batches(list(ids)):
            rows += conn.execute(
                "SELECT article_id, grp FROM article_copies WHERE grp IN (SELECT grp FROM article_copies "
                f"WHERE grp IS NOT NULL AND article_id IN ({marks(part)}))",
                part,
            ).fetchall()
    meta = {m["id"]: m for m in _meta(conn, sorted({r[0] for r in rows}))}
    out: dict[str, list[dict[str, Any]]] = {}
    for aid, grp in rows:
        m = meta.get(aid)
        if m is not None:
            out.setdefault(grp, []).append(
                {
                    "article_id": aid,
                    "title": m["title"],
                    "source": m["source"],
                    "date": m["date"],
                    "url": m["url"],
                }
            )
    for grp, members in out.items():
        members.sort(
            key=lambda m: (m["article_id"] != grp, m["date"] is None, m["date"] or "", m["article_id"])
        )
    return out


def marks(items: Sequence[Any]) -> str:
    """``?,?,?``: one SQL placeholder per item."""
    return ",".join("?" * len(items))


def batches(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    """``items`` in slices of ``size`` (SQLite caps the placeholders of one statement)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
