"""The Milvus engine (:class:`MilvusStore`): the :class:`~index.storage.snapshot.StorageEngine`
whose articles, chunks, vectors and BM25 all live in Milvus (see :mod:`.client` for
the collections). This module opens and closes an index, hands out snapshots and
answers the listings and ingest's questions about the newest committed state; the
write side (generations, which stand in for transactions, and what is guaranteed)
is :mod:`.writer`, the read side (searches and reads at one generation) :mod:`.reader`.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import IndexCorruptError, IndexMismatchError
from index.sources.article import Article
from index.storage.manifest import FORMAT_VERSION, IndexSettings
from index.storage.milvus import client as mc
from index.storage.milvus.client import LIVE
from index.storage.milvus.reader import CACHE_FIELDS, ArticleMetas, ReadSide
from index.storage.milvus.rows import live_at, read_json
from index.storage.milvus.snapshot import MilvusSnapshot, Moments
from index.storage.milvus.uri import MilvusTarget
from index.storage.milvus.writer import State, WriteSide
from index.storage.records import StoredArticle

log = logging.getLogger(__name__)


class MilvusStore(ReadSide, WriteSide):
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
        self._metas: dict[int, ArticleMetas] = {}  # copy groups and page starts of one generation
        self._df: tuple[int, dict[str, int]] = (-1, {})  # one generation's document frequencies
        # milvus-lite (one process): the generation every stored row is live at, when there is
        # one; requests at it read without the generation filter (which costs milvus-lite
        # ~20 ms a call at 10k chunks). A writer clears it, after unfiltered reads end.
        self._clean: int | None = None
        self._unfiltered = 0
        self._cond = threading.Condition()
        self._caches: dict[str, OrderedDict[int, Any]] = {kind: OrderedDict() for kind in CACHE_FIELDS}
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
                store._put_json("state", State().__dict__)
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
        """What one request reads: the visible generation now (see :mod:`.writer`)."""
        g = self._state().visible
        snap = MilvusSnapshot(self, g, self._moments_at(g))
        self._readers.add(snap)
        return snap

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
        return dict(self.article_metas(g)[0])

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
