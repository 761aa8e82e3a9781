"""The write side of the Milvus engine (:class:`WriteSide`, one of
:class:`~index.storage.milvus.engine.MilvusStore`'s bases): a change applied as one
generation, the recovery of a write that stopped before its commit point, the purge of
removed rows, and the meta rows it writes (the state, each generation's score moments).

Generations stand in for transactions, which Milvus has not. The meta row ``state``
holds ``committed`` (the last change fully written), ``visible`` (what new snapshots
read) and the next chunk id. A change to generation ``g = committed + 1`` marks the
rows it replaces or removes with ``g1 = g``, inserts the new rows with ``g0 = g``,
writes the dense moments of ``g``, and only then writes ``state`` (the commit point).
A process that dies before that leaves rows no snapshot reads (``g0 > committed``) and
marks that no snapshot honours (``g1 > committed``); the next write deletes and
unmarks them, so an interrupted ingest keeps whole batches and a rerun finishes it.
``apply(derive=False)`` commits without making it visible; :meth:`MilvusStore.derive`
does that (and flushes, which milvus-lite needs for fast searches). Rows removed
at or before the oldest generation a snapshot of this process still reads are
deleted for good at the next change.

What is guaranteed: a snapshot reads one generation, whatever is written after it in
this process or (with a server) in others. milvus-lite lets one process at a time open
its file, so there, readers and the writer share the process (``qa serve`` and an
ingest through its API). With a server, removed rows are purged by the writer, which
does not know other processes' snapshots: a reader elsewhere whose snapshot is older
than the last two changes may find a removed chunk gone (retrieval skips those), and
one writer at a time is up to the deployment (this engine does not lock across
processes).
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.errors import IndexCorruptError, QAError
from index.sources.article import Article
from index.storage.milvus import client as mc
from index.storage.milvus.client import LIVE, MilvusError
from index.storage.milvus.rows import article_rows, in_list, live_at, read_json
from index.storage.milvus.snapshot import Moments
from index.storage.records import NewChunk
from index.text.terms import tokenize

log = logging.getLogger(__name__)

_MOMENT_PIECE = 48_000  # base64 characters per meta row


@dataclass(frozen=True)
class State:
    committed: int = 0
    visible: int = 0
    next_id: int = 1


class WriteSide:
    """:class:`~index.storage.milvus.engine.MilvusStore`'s writes (its state is set in
    ``MilvusStore.__init__``; the reads a write makes are :class:`~.reader.ReadSide`'s)."""

    # -- writing -----------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold this engine's writer lock for the block (reentrant; within this process)."""
        with self._lock:
            yield

    def _dirty(self) -> None:
        """Before a write changes rows: reads filter again, once unfiltered ones in flight end."""
        with self._cond:
            self._clean = None
            while self._unfiltered:
                self._cond.wait()

    def apply(
        self,
        upserts: Sequence[tuple[Article, Sequence[NewChunk]]] = (),
        removals: Sequence[str] = (),
        *,
        derive: bool = True,
    ) -> None:
        """Replace/insert articles with their chunks and delete others as one generation
        (see the module); visible to new snapshots now, or with ``derive=False`` once
        :meth:`derive` runs."""
        for _, chunks in upserts:
            for ch in chunks:
                if np.asarray(ch.vector).size != self.settings.dim:
                    raise ValueError(
                        f"a vector of dimension {np.asarray(ch.vector).size} for an index of dimension "
                        f"{self.settings.dim}"
                    )
        with self.writing():
            try:
                self._commit(upserts, removals, derive)
            except QAError:
                raise
            except Exception as exc:
                if type(exc).__module__.split(".")[0] not in ("pymilvus", "grpc"):
                    raise
                raise MilvusError(
                    f"could not write to the {self.target.describe()} ({' '.join(str(exc).split())[:300]}); "
                    "nothing of this change is visible and the next write clears what it left; "
                    "fix the cause and retry"
                ) from exc

    def derive(self) -> None:
        """Make every committed change visible to new snapshots (and flush it)."""
        with self.writing():
            state = self._state()
            if state.visible != state.committed:
                state = State(state.committed, state.committed, state.next_id)
                self._put_json("state", state.__dict__)
            self._finish(state)

    def _commit(
        self, upserts: Sequence[tuple[Article, Sequence[NewChunk]]], removals: Sequence[str], derive: bool
    ) -> None:
        self._dirty()
        state = self._recover()
        g = state.committed + 1
        changed = list(dict.fromkeys([*removals, *(a.id for a, _ in upserts)]))
        now = live_at(state.committed)
        old = self._by_ids(self._chunks, "article_id", changed, now, ["id", "vector", "terms"], batch=50)
        old_articles = self._by_ids(self._articles, "article_id", changed, now, ["key"])
        self._mark(self._chunks, "id", [int(r["id"]) for r in old], g)
        self._mark(self._articles, "key", [r["key"] for r in old_articles], g)
        next_id = state.next_id
        chunk_rows: list[dict[str, Any]] = []
        new_articles: list[dict[str, Any]] = []
        added: list[np.ndarray] = []
        df: dict[str, int] = {}
        for r in old:
            for t in set(r["terms"].split()):
                df[t] = df.get(t, 0) - 1
        for art, chunks in upserts:
            new_articles += article_rows(art, g)
            for ch in chunks:
                vec = np.ascontiguousarray(ch.vector, dtype=np.float32).reshape(-1)
                added.append(vec)
                terms = tokenize(ch.indexed)
                for t in set(terms):
                    df[t] = df.get(t, 0) + 1
                chunk_rows.append({
                    "id": next_id, "article_id": art.id, "start": int(ch.start), "end": int(ch.end),
                    "text": ch.text, "title": art.title, "date": art.date or "", "source": art.source or "",
                    "url": art.url or "", "hash": ch.hash, "g0": g, "g1": LIVE,
                    "sentences": _sentences_text(ch.sentences),
                    "has_sentences": ch.sentences is not None, "terms": " ".join(terms),
                    "vector": vec.tolist(),
                })  # fmt: skip
                next_id += 1
        for part in mc.batches(chunk_rows, 200):
            self._client.insert(self._chunks, part)
        for part in mc.batches(new_articles, 50):
            self._client.insert(self._articles, part)
        removed = np.asarray([r["vector"] for r in old], dtype=np.float32)
        moments = self._moments_at(state.committed).changed(
            np.asarray(added, dtype=np.float32).reshape(-1, self.settings.dim),
            removed.reshape(-1, self.settings.dim),
        )
        self._put_moments(g, moments)
        self._put_df({t: d for t, d in df.items() if d}, g)
        new = State(g, g if derive else state.visible, next_id)
        self._put_json("state", new.__dict__)  # the commit point
        if derive:
            self._finish(new)

    def _put_df(self, changes: dict[str, int], g: int) -> None:
        """Add ``changes`` to the terms' counts, as of generation ``g`` (see :mod:`.client`)."""
        terms = sorted(changes)
        rows = self._by_ids(self._terms, "term", terms, "", ["term", "df"])
        now = {r["term"]: int(r["df"]) for r in rows}
        new = [{"term": t, "df": now.get(t, 0) + changes[t], "prev": now.get(t, 0), "g": g,
                "dummy": mc.dummy()} for t in terms]  # fmt: skip
        for part in mc.batches(new, 1000):
            self._client.upsert(self._terms, part)

    def _recover(self) -> State:
        """Clear what a write that did not reach its commit point left (see the module)."""
        state = self._state()
        c = state.committed
        for coll in (self._chunks, self._articles):
            self._client.delete(coll, filter=f"g0 > {c}")
        self._mark(self._chunks, "id", [int(r["id"]) for r in self._scan(
            self._chunks, f"g1 > {c} and g1 < {LIVE}", ["id"])], LIVE)  # fmt: skip
        self._mark(self._articles, "key", [r["key"] for r in self._scan(
            self._articles, f"g1 > {c} and g1 < {LIVE}", ["key"])], LIVE)  # fmt: skip
        undo = [{"term": r["term"], "df": int(r["prev"]), "g": c} for r in self._scan(
            self._terms, f"g > {c}", ["term", "prev"])]  # fmt: skip
        for part in mc.batches(undo, 1000):
            self._client.upsert(self._terms, part, partial_update=True)
        return state

    def _finish(self, state: State) -> None:
        """Flush (milvus-lite searches unflushed rows slowly) and delete for good the rows
        that neither the visible generation nor a snapshot of this process reads."""
        oldest = min([state.visible, *(s.generation for s in list(self._readers))])
        for coll in (self._chunks, self._articles):
            self._client.delete(coll, filter=f"g1 <= {oldest}")
        for coll in (self._chunks, self._articles, self._terms):
            self._client.flush(coll)
        keys = [r["key"] for r in self._scan(self._meta, 'key like "moments:%"', ["key"])]
        stale = [k for k in keys if int(k.split(":")[1]) < state.visible]
        if stale:
            self._client.delete(self._meta, filter=in_list("key", stale))
        self._moments = {g: m for g, m in self._moments.items() if g >= oldest}
        if self.target.lite and oldest == state.visible == state.committed:
            self._clean = state.committed  # every row removed before it is gone; none added after

    def _mark(self, coll: str, key: str, values: list[Any], g1: int) -> None:
        for part in mc.batches(values, 200):
            self._client.upsert(coll, [{key: v, "g1": g1} for v in part], partial_update=True)

    # -- meta --------------------------------------------------------------
    def _state(self) -> State:
        data = read_json(self._client, self._meta, "state")
        if data is None:
            raise IndexCorruptError(f"the index in the {self.target.describe()} has lost its state row")
        return State(**data)

    def _put_json(self, key: str, value: Any) -> None:
        self._client.upsert(self._meta, [{"key": key, "value": json.dumps(value), "dummy": mc.dummy()}])

    def _put_moments(self, g: int, moments: Moments) -> None:
        text = moments.to_text()
        pieces = [text[i : i + _MOMENT_PIECE] for i in range(0, len(text), _MOMENT_PIECE)]
        rows = [{"key": f"moments:{g}:{i}", "value": p, "dummy": mc.dummy()} for i, p in enumerate(pieces)]
        for part in mc.batches(rows, 20):
            self._client.upsert(self._meta, part)
        self._put_json(f"moments:{g}", {"pieces": len(pieces)})
        self._moments[g] = moments


def _sentences_text(blob: bytes | None) -> str:
    """A chunk's sentence vectors as Milvus stores them (base64 in a VARCHAR of at most
    :data:`~.client.TEXT_MAX` bytes), or "" for a chunk of so many sentences that they
    do not fit (about 120 at 384 dimensions: a table of contents, a list of dot leaders);
    answering then embeds that chunk's sentences when a question reaches it."""
    if not blob:
        return ""
    text = base64.b64encode(blob).decode("ascii")
    if len(text) > mc.TEXT_MAX:
        log.info("a chunk's %d bytes of sentence vectors exceed Milvus's field; stored without", len(blob))
        return ""
    return text
