"""The read side of the Milvus engine (:class:`ReadSide`, one of
:class:`~index.storage.milvus.engine.MilvusStore`'s bases): what a
:class:`~index.storage.milvus.snapshot.MilvusSnapshot` reads at its generation
(BM25 and dense searches, document frequencies, chunk rows through a cache, articles,
syndicated-copy groups, score moments), and the queries both sides use.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from index.errors import IndexCorruptError
from index.sources.article import Article
from index.storage.milvus import client as mc
from index.storage.milvus.rows import (
    article_from,
    copy_groups,
    in_list,
    live_at,
    ordered,
    read_json,
    sentences_of,
)
from index.storage.milvus.snapshot import K1, Moments
from index.storage.records import ChunkRecord

ArticleMetas = tuple[dict[str, list[dict[str, Any]]], dict[str, tuple[int, ...]]]  # copy groups, page starts
CACHE_FIELDS = {
    "record": ["article_id", "start", "end", "text", "title", "date", "source", "url"],
    "vector": ["vector"],
    "sentences": ["sentences"],
}
_CACHED = {"record": 20_000, "vector": 20_000, "sentences": 5_000}  # chunks kept per kind (~30 MB vectors)


class ReadSide:
    """:class:`~index.storage.milvus.engine.MilvusStore`'s reads (its state, the caches
    and ``_clean`` among it, is set in ``MilvusStore.__init__``)."""

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
        # the sentence vectors come along: answering reads them for the same chunks next
        return self._cached("record", ids, g, live, lambda row: ChunkRecord(
            int(row["id"]), row["article_id"], int(row["start"]), int(row["end"]), row["text"],
            row["title"], row["date"] or None, row["source"] or None, row["url"] or None,
        ), also=("sentences", sentences_of))  # fmt: skip

    def sentence_records(
        self, ids: Sequence[int], g: int, live: Container[int] = ()
    ) -> dict[int, bytes | None]:
        return self._cached("sentences", ids, g, live, sentences_of)

    def _cached(
        self,
        kind: str,
        ids: Sequence[int],
        g: int,
        live: Container[int],
        make: Callable[[Any], Any],
        also: tuple[str, Callable[[Any], Any]] | None = None,
    ) -> dict[int, Any]:
        """``{id: make(row)}`` for the chunks of ``ids`` live at ``g``. A chunk id is never
        reused and a stored chunk never changes, so what was read once is kept (a few
        thousand a kind) and served again for ids known to be live at ``g`` (a search at
        ``g`` found them); the rest are read, with ``also``'s kind in the same call (each
        call costs milvus-lite milliseconds), which goes to that kind's cache."""
        cache = self._caches[kind]
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
                fields = ["id", *CACHE_FIELDS[kind], *(CACHE_FIELDS[also[0]] if also else [])]
                rows = self._by_ids(self._chunks, "id", todo, where, fields)
            with self._cache_lock:
                for r in rows:
                    value = out[int(r["id"])] = make(r)
                    cache[int(r["id"])] = value
                    if also:
                        self._caches[also[0]][int(r["id"])] = also[1](r)
                for k in (kind, *([also[0]] if also else [])):
                    while len(self._caches[k]) > _CACHED[k]:
                        self._caches[k].popitem(last=False)
        return out

    def article_at(self, article_id: str, g: int) -> Article | None:
        with self._reading(g) as where:
            rows = self._by_ids(self._articles, "article_id", [article_id], where, ["part", "text", "meta"])
        return article_from(article_id, rows)

    def copy_groups_at(self, g: int, article_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The syndicated-copy groups holding one of ``article_ids`` at ``g``:
        ``{representative: members}``."""
        groups, _ = self.article_metas(g)
        wanted = set(article_ids)
        return {
            rep: members for rep, members in groups.items() if any(m["article_id"] in wanted for m in members)
        }

    def pages_at(self, article_id: str, g: int) -> tuple[int, ...] | None:
        """A PDF article's page starts at ``g`` (None for others), from the metadata read
        once per generation with the copy groups: no call to Milvus per citation."""
        return self.article_metas(g)[1].get(article_id)

    def article_metas(self, g: int) -> ArticleMetas:
        """Every live article's metadata at ``g``, read once: the copy groups
        (``{representative: members}``) and the PDF page starts (``{article id: starts}``);
        one generation kept, the newest asked (one value, so threads never see half of it)."""
        got = self._metas.get(g)
        if got is None:
            metas = {
                r["article_id"]: json.loads(r["meta"])
                for r in self._scan(self._articles, f"part == 0 and {live_at(g)}", ["article_id", "meta"])
            }
            pages = {aid: tuple(m["pages"]) for aid, m in metas.items() if m.get("pages")}
            got = (copy_groups(metas), pages)
            self._metas = {g: got}
        return got

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
