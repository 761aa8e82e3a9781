"""The Milvus engine (:class:`MilvusStore`): the :class:`~index.storage.snapshot.StorageEngine`
whose articles, chunks, vectors and BM25 all live in Milvus (see :mod:`.client` for
the collections).

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
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import IndexCorruptError, IndexMismatchError, QAError
from index.sources.article import Article
from index.storage.manifest import FORMAT_VERSION, IndexSettings
from index.storage.milvus import client as mc
from index.storage.milvus.client import LIVE, MilvusError
from index.storage.milvus.rows import (
    article_from,
    article_rows,
    copy_groups,
    in_list,
    live_at,
    ordered,
    read_json,
    sentences_of,
)
from index.storage.milvus.snapshot import K1, MilvusSnapshot, Moments
from index.storage.milvus.uri import MilvusTarget
from index.storage.records import ChunkRecord, NewChunk, StoredArticle
from index.text.terms import tokenize

log = logging.getLogger(__name__)

_FIELDS = {
    "record": ["article_id", "start", "end", "text", "title", "date", "source", "url"],
    "vector": ["vector"],
    "sentences": ["sentences"],
}
_CACHED = {"record": 20_000, "vector": 20_000, "sentences": 5_000}  # chunks kept per kind (~30 MB vectors)
_MOMENT_PIECE = 48_000  # base64 characters per meta row


@dataclass(frozen=True)
class _State:
    committed: int = 0
    visible: int = 0
    next_id: int = 1


class MilvusStore:
    """One index in Milvus. Safe to share between threads (writes take one lock)."""

    def __init__(self, directory: Path, target: MilvusTarget, client: Any, settings: IndexSettings) -> None:
        self.directory = Path(directory)
        self.target = target
        self.settings = settings
        self.lock_timeout = 0.0
        self._client = client
        self._closed = False
        self._chunks, self._articles, self._meta, self._terms = mc.names(target.prefix)
        self._lock = threading.RLock()
        self._readers: weakref.WeakSet[MilvusSnapshot] = weakref.WeakSet()
        self._moments: dict[int, Moments] = {}
        self._groups: dict[int, dict[str, list[dict[str, Any]]]] = {}
        self._df: tuple[int, dict[str, int]] = (-1, {})  # one generation's document frequencies
        # milvus-lite (one process): the generation every stored row is live at, when there is
        # one; requests at it read without the generation filter (which costs milvus-lite
        # ~20 ms a call at 10k chunks). A writer clears it, after unfiltered reads end.
        self._clean: int | None = None
        self._unfiltered = 0
        self._cond = threading.Condition()
        self._caches: dict[str, OrderedDict[int, Any]] = {kind: OrderedDict() for kind in _FIELDS}
        self._cache_lock = threading.Lock()

    # -- opening -----------------------------------------------------------
    @staticmethod
    def exists(target: MilvusTarget) -> bool:
        """Whether ``target`` holds an index (a milvus-lite file is never created by asking)."""
        if target.lite and not Path(target.uri).exists():  # milvus-lite keeps a folder of that name
            return False
        client = mc.connect(target)
        meta = mc.names(target.prefix)[2]
        try:
            if not client.has_collection(meta):
                return False
            client.load_collection(meta)
            return read_json(client, meta, "settings") is not None
        finally:
            mc.disconnect(client, target)

    @classmethod
    def open_or_create(
        cls, directory: str | Path, target: MilvusTarget, new_settings: Any = None
    ) -> MilvusStore:
        """The index at ``target``; when there is none, a new one with ``new_settings()``
        (a :class:`QAError` when that is None)."""
        if target.lite:
            Path(target.uri).parent.mkdir(parents=True, exist_ok=True)
        client = mc.connect(target)
        try:
            meta = mc.names(target.prefix)[2]
            data = None
            if client.has_collection(meta):
                client.load_collection(meta)
                data = read_json(client, meta, "settings")
            if data is None:
                if new_settings is None:
                    raise IndexCorruptError(
                        f"no index in the {target.describe()}; build one with 'qa ingest PATH --store ...'"
                    )
                settings = new_settings()
                for name in mc.names(target.prefix):
                    if client.has_collection(name):  # a create that stopped half way
                        client.drop_collection(name)
                mc.create_collections(client, target.prefix, settings.dim)
                store = cls(directory, target, client, settings)
                store._put_json("settings", settings.to_dict())
                store._put_moments(0, Moments.empty(settings.dim))
                store._put_json("state", _State().__dict__)
                store._clean = 0 if target.lite else None
                return store
            if data.get("format_version") != FORMAT_VERSION:
                raise IndexMismatchError(
                    f"the index in the {target.describe()} has format version "
                    f"{data.get('format_version')!r}; "
                    f"this program reads version {FORMAT_VERSION}; rebuild it with 'qa ingest'"
                )
            for name in mc.names(target.prefix):
                client.load_collection(name)
            store = cls(directory, target, client, IndexSettings.from_dict(data))
            if target.lite:
                state = store._state()
                stray = store._count(store._chunks, f"g0 > {state.visible} or g1 < {LIVE}") + store._count(
                    store._articles, f"g0 > {state.visible} or g1 < {LIVE}")  # fmt: skip
                store._clean = state.visible if stray == 0 and state.visible == state.committed else None
            return store
        except BaseException:
            mc.disconnect(client, target)
            raise

    def close(self) -> None:
        """Close the client (a second close does nothing)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                mc.disconnect(self._client, self.target)

    # -- reading: one snapshot per request --------------------------------
    def snapshot(self) -> MilvusSnapshot:
        """What one request reads: the visible generation now (see the module)."""
        g = self._state().visible
        snap = MilvusSnapshot(self, g, self._moments_at(g))
        self._readers.add(snap)
        return snap

    @contextmanager
    def _reading(self, g: int) -> Iterator[str]:
        """The filter that keeps rows live at ``g``: none while every stored row is (see ``_clean``)."""
        with self._cond:
            clean = self._clean == g
            self._unfiltered += clean
        try:
            yield "" if clean else live_at(g)
        finally:
            if clean:
                with self._cond:
                    self._unfiltered -= 1
                    self._cond.notify_all()

    def _dirty(self) -> None:
        """Before a write changes rows: reads filter again, once unfiltered ones in flight end."""
        with self._cond:
            self._clean = None
            while self._unfiltered:
                self._cond.wait()

    def search_bm25(
        self, text: str, limit: int, g: int, ids: Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(chunk ids, BM25 scores)`` best first at generation ``g`` (among ``ids``)."""
        ids_, d = self._search("sparse", text, limit, g, ids, "BM25")
        return ordered(ids_, np.abs(d) / (K1 + 1))  # milvus-lite gives BM25 negated

    def search_dense(
        self, query: np.ndarray, limit: int, g: int, ids: Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        ids_, d = self._search("vector", np.asarray(query, dtype=np.float32).tolist(), limit, g, ids, "IP")
        return ordered(ids_, d)

    def _search(
        self, field: str, data: Any, limit: int, g: int, ids: Sequence[int] | None, metric: str
    ) -> tuple[np.ndarray, np.ndarray]:
        limit = min(int(limit), mc.SEARCH_MAX)
        if limit <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        with self._reading(g) as where:
            filt = " and ".join(f for f in (in_list("id", ids) if ids is not None else "", where) if f)
            hits = self._client.search(
                self._chunks, data=[data], anns_field=field, limit=limit, filter=filt,
                output_fields=["id"], search_params={"metric_type": metric},
            )[0]  # fmt: skip
        return (
            np.asarray([h["id"] for h in hits], dtype=np.int64),
            np.asarray([h["distance"] for h in hits], dtype=np.float64),
        )

    def df_at(self, terms: Sequence[str], g: int) -> dict[str, int]:
        """How many live chunks hold each of ``terms`` (read for generation ``g``: a term
        last changed after it reads its count before that change; exact unless it changed
        twice since ``g``). Kept for the newest generation asked."""
        gen, known = self._df
        if gen != g:
            known = {}
            self._df = (g, known)
        missing = sorted({t for t in terms if t not in known})
        if missing:
            if len(known) > 100_000:
                known.clear()
            rows = self._by_ids(self._terms, "term", missing, "", ["term", "df", "prev", "g"])
            found = {r["term"]: int(r["df"] if int(r["g"]) <= g else r["prev"]) for r in rows}
            known.update({t: found.get(t, 0) for t in missing})
        return {t: known[t] for t in terms}

    def vectors_at(self, ids: Sequence[int], g: int, live: Container[int] = ()) -> dict[int, np.ndarray]:
        """The dense vectors of these chunks (those live at ``g``; ``live``: ids known to be)."""
        return self._cached("vector", ids, g, live, lambda r: np.asarray(r["vector"], dtype=np.float32))

    def chunk_records(self, ids: Sequence[int], g: int, live: Container[int] = ()) -> dict[int, ChunkRecord]:
        return self._cached("record", ids, g, live, lambda row: ChunkRecord(
            int(row["id"]), row["article_id"], int(row["start"]), int(row["end"]), row["text"],
            row["title"], row["date"] or None, row["source"] or None, row["url"] or None,
        ))  # fmt: skip

    def sentence_records(
        self, ids: Sequence[int], g: int, live: Container[int] = ()
    ) -> dict[int, bytes | None]:
        return self._cached("sentences", ids, g, live, sentences_of)

    def _cached(
        self, kind: str, ids: Sequence[int], g: int, live: Container[int], make: Callable[[Any], Any]
    ) -> dict[int, Any]:
        """``{id: make(row)}`` for the chunks of ``ids`` live at ``g``. A chunk id is never
        reused and a stored chunk never changes, so what was read once is kept (a few
        thousand a kind) and served again for ids known to be live at ``g`` (a search at
        ``g`` found them); the rest are read."""
        cache, cap = self._caches[kind], _CACHED[kind]
        out: dict[int, Any] = {}
        todo: list[int] = []
        with self._cache_lock:
            for i in (int(c) for c in ids):
                if i in live and i in cache:
                    out[i] = cache[i]
                    cache.move_to_end(i)
                else:
                    todo.append(i)
        if todo:
            with self._reading(g) as where:
                rows = self._by_ids(self._chunks, "id", todo, where, ["id", *_FIELDS[kind]])
            with self._cache_lock:
                for r in rows:
                    value = out[int(r["id"])] = make(r)
                    cache[int(r["id"])] = value
                while len(cache) > cap:
                    cache.popitem(last=False)
        return out

    def article_at(self, article_id: str, g: int) -> Article | None:
        with self._reading(g) as where:
            rows = self._by_ids(self._articles, "article_id", [article_id], where, ["part", "text", "meta"])
        return article_from(article_id, rows)

    def copy_groups_at(self, g: int, article_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The syndicated-copy groups holding one of ``article_ids`` at ``g``:
        ``{representative: members}``."""
        if g not in self._groups:
            self._groups = {g: self._all_groups(g)}  # one generation kept: the newest asked
        wanted = set(article_ids)
        return {
            rep: members
            for rep, members in self._groups[g].items()
            if any(m["article_id"] in wanted for m in members)
        }

    def _all_groups(self, g: int) -> dict[str, list[dict[str, Any]]]:
        metas = {
            r["article_id"]: json.loads(r["meta"])
            for r in self._scan(self._articles, f"part == 0 and {live_at(g)}", ["article_id", "meta"])
        }
        return copy_groups(metas)

    # -- reading the newest committed state (ingest, listings) ------------
    def counts(self) -> dict[str, int]:
        g = self._state().committed
        return {"articles": self._count(self._articles, f"part == 0 and {live_at(g)}"),
                "chunks": self._moments_at(g).count}  # fmt: skip

    def article(self, article_id: str) -> Article | None:
        return self.article_at(article_id, self._state().committed)

    def copy_groups(self, article_ids: Iterable[str] | None = None) -> dict[str, list[dict[str, Any]]]:
        """Syndicated copies: ``{representative id: members}``, all groups or those of ``article_ids``."""
        g = self._state().committed
        if article_ids is not None:
            return self.copy_groups_at(g, list(article_ids))
        self.copy_groups_at(g, [])
        return dict(self._groups[g])

    def articles(self) -> list[StoredArticle]:
        """Every article's metadata and chunk count, newest date first."""
        g = self._state().committed
        counts: dict[str, int] = {}
        for row in self._scan(self._chunks, live_at(g), ["article_id"]):
            counts[row["article_id"]] = counts.get(row["article_id"], 0) + 1
        out = []
        for row in self._scan(self._articles, f"part == 0 and {live_at(g)}", ["article_id", "meta"]):
            m = json.loads(row["meta"])
            aid = row["article_id"]
            out.append(StoredArticle(aid, m["title"], m["date"], m["source"], m["url"], m["origin"],
                                     counts.get(aid, 0)))  # fmt: skip
        out.sort(key=lambda a: a.title)
        out.sort(key=lambda a: a.date or "", reverse=True)
        out.sort(key=lambda a: a.date is None)
        return out

    def hashes(self, article_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        g = self._state().committed
        rows = self._by_ids(self._articles, "article_id", list(article_ids), f"part == 0 and {live_at(g)}",
                            ["article_id", "meta", "text_hash"])  # fmt: skip
        return {r["article_id"]: (json.loads(r["meta"])["content_hash"], r["text_hash"]) for r in rows}

    def ids_for_text(self, text_hashes: Iterable[str]) -> dict[str, str]:
        g = self._state().committed
        rows = self._by_ids(self._articles, "text_hash", list(text_hashes), f"part == 0 and {live_at(g)}",
                            ["article_id", "text_hash"])  # fmt: skip
        return {r["text_hash"]: r["article_id"] for r in rows}

    def stored_vectors(self, hashes: Iterable[str]) -> dict[str, tuple[np.ndarray, bytes | None]]:
        g = self._state().committed
        out: dict[str, tuple[np.ndarray, bytes | None]] = {}
        fields = ["hash", "vector", "sentences"]
        rows = self._by_ids(self._chunks, "hash", sorted(set(hashes)), live_at(g), fields)
        for r in rows:
            if r["hash"] not in out or out[r["hash"]][1] is None:
                blob = base64.b64decode(r["sentences"]) if r["sentences"] else None
                out[r["hash"]] = (np.asarray(r["vector"], dtype=np.float32), blob)
        return out

    def articles_without_sentences(self, article_ids: Iterable[str]) -> set[str]:
        g = self._state().committed
        rows = self._by_ids(self._chunks, "article_id", list(article_ids),
                            f"has_sentences == false and {live_at(g)}", ["article_id"], batch=50)  # fmt: skip
        return {r["article_id"] for r in rows}

    # -- writing -----------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold this engine's writer lock for the block (reentrant; within this process)."""
        with self._lock:
            yield

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
                state = _State(state.committed, state.committed, state.next_id)
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
                    "sentences": base64.b64encode(ch.sentences).decode("ascii") if ch.sentences else "",
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
        new = _State(g, g if derive else state.visible, next_id)
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

    def _recover(self) -> _State:
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

    def _finish(self, state: _State) -> None:
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
    def _state(self) -> _State:
        data = read_json(self._client, self._meta, "state")
        if data is None:
            raise IndexCorruptError(f"the index in the {self.target.describe()} has lost its state row")
        return _State(**data)

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

    def _moments_at(self, g: int) -> Moments:
        if g not in self._moments:
            head = read_json(self._client, self._meta, f"moments:{g}")
            if head is None:
                raise IndexCorruptError(
                    f"the index in the {self.target.describe()} lacks the score moments of generation {g}"
                )
            keys = [f"moments:{g}:{i}" for i in range(int(head["pieces"]))]
            rows = self._by_ids(self._meta, "key", keys, "", ["key", "value"])
            by_key = {r["key"]: r["value"] for r in rows}
            self._moments[g] = Moments.from_text("".join(by_key[k] for k in keys), self.settings.dim)
        return self._moments[g]

    # -- queries -----------------------------------------------------------
    def _by_ids(
        self, coll: str, field: str, values: list[Any], where: str, fields: list[str], batch: int = mc.BATCH
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        by_key = not where and field in ("id", "key", "term")  # the primary key: a get
        for part in mc.batches(values, batch):
            if by_key:
                out += self._client.get(coll, ids=part, output_fields=fields)
                continue
            filt = in_list(field, part) + (f" and {where}" if where else "")
            out += self._client.query(coll, filter=filt, output_fields=fields)
        return out

    def _scan(self, coll: str, filt: str, fields: list[str]) -> list[dict[str, Any]]:
        """Every row that matches (milvus-lite: one query, which returns them all; it has no
        timestamps for an iterator. A server: an iterator, 1,000 rows a call)."""
        if self.target.lite:
            return list(self._client.query(coll, filter=filt, output_fields=fields))
        it = self._client.query_iterator(coll, batch_size=1000, filter=filt, output_fields=fields)
        out: list[dict[str, Any]] = []
        try:
            while rows := it.next():
                out += rows
        finally:
            it.close()
        return out

    def _count(self, coll: str, filt: str) -> int:
        rows = self._client.query(coll, filter=filt, output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0


