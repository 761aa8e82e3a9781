"""The suite every storage engine passes (index.storage.snapshot: StorageEngine and Snapshot).

It talks to an engine only through the Protocols, through ``ingest`` and through
``retrieve``, so a second engine (a distributed vector database) is added to ENGINES
and must pass the same. Fast: the hashing embedder, a handful of articles."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index import ingest
from index.embed import load_embedder
from index.storage.manifest import IndexSettings
from index.storage.snapshot import Snapshot, StorageEngine
from index.storage.store import IndexStore
from qa.retrieve import Filters, retrieve
from tests.conftest import ROOT

DIM = 64
ARTICLES = {
    "steel.json": {
        "id": "steel", "title": "Steel tariffs rise", "date": "2025-10-01", "source": "Wire A",
        "text": "Washington raised steel tariffs to 50 percent. Canada objected to the steel levy.",
    },
    "ferry.json": {
        "id": "ferry", "title": "Ferry line opens", "date": "2025-10-05", "source": "Harbour News",
        "text": "A new ferry line opened between the two islands on Monday. Tickets cost ten euros.",
    },
    "robots.json": {
        "id": "robots", "title": "School robots win", "date": "2025-11-02", "source": "Wire A",
        "text": "The robotics team from Lakeside won the regional contest. Judges praised the arm.",
    },
}  # fmt: skip


def _local(directory: Path, create: bool) -> StorageEngine:
    if not create:
        return IndexStore.open(directory)
    settings = IndexSettings(model_name=f"hash:{DIM}", model_path=f"hash:{DIM}", dim=DIM, max_tokens=256)
    return IndexStore.create(directory, settings)


def _milvus_lite(directory: Path, create: bool) -> StorageEngine:
    pytest.importorskip("pymilvus", reason="the Milvus engine needs pip install 'article-qa[milvus]'")
    pytest.importorskip("milvus_lite", reason="milvus-lite needs pip install 'article-qa[milvus]'")
    from index.storage.milvus.engine import MilvusStore
    from index.storage.milvus.uri import parse_store

    settings = IndexSettings(model_name=f"hash:{DIM}", model_path=f"hash:{DIM}", dim=DIM, max_tokens=256)
    target = parse_store("milvus", directory)
    return MilvusStore.open_or_create(directory, target, (lambda: settings) if create else None)


ENGINES: dict[str, Callable[[Path, bool], StorageEngine]] = {"local": _local, "milvus-lite": _milvus_lite}
# Engines whose index one process at a time may open (milvus-lite locks its file): the
# cross-process test cannot run on them; what they guarantee is in their module docstring.
ONE_PROCESS = {"milvus-lite": "milvus-lite lets one process at a time open its file"}


class CountingEmbedder:
    """The hashing embedder, counting the texts it is given."""

    def __init__(self) -> None:
        self.inner = load_embedder(f"hash:{DIM}")
        self.encoded = 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def encode(self, texts, *args, **kwargs):
        self.encoded += len(texts)
        return self.inner.encode(texts, *args, **kwargs)

    def encode_spans(self, texts, *args, **kwargs):
        self.encoded += len(texts)
        return self.inner.encode_spans(texts, *args, **kwargs)


def write(folder: Path, articles: dict[str, dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rec in articles.items():
        (folder / name).write_text(json.dumps(rec), encoding="utf-8")
    return folder


@pytest.fixture(params=sorted(ENGINES))
def engine(request, tmp_path):
    make = ENGINES[request.param]
    request.node.engine_name = request.param
    opened: list[StorageEngine] = []

    def open_engine(create: bool = False) -> StorageEngine:
        e = make(tmp_path / "index", create)
        opened.append(e)
        return e

    yield open_engine
    for e in opened:
        e.close()


@pytest.fixture
def filled(engine, tmp_path):
    store = engine(create=True)
    embedder = CountingEmbedder()
    ingest(store, embedder, [write(tmp_path / "articles", ARTICLES)])
    return store, embedder


def query(snap: Snapshot, text: str, k: int = 3, **filters) -> list[str]:
    qv = load_embedder(f"hash:{DIM}").encode([text])[0]
    return [p.article_id for p in retrieve(snap, text, qv, k, filters=Filters(**filters))]


def test_the_engine_and_its_snapshot_implement_the_protocols(filled):
    store, _ = filled
    snap = store.snapshot()
    assert isinstance(store, StorageEngine) and isinstance(snap, Snapshot)
    assert len(snap) == store.counts()["chunks"] == 3 and store.counts()["articles"] == 3


def test_chunks_slice_their_article_and_text_before_is_the_text_before(filled):
    store, _ = filled
    snap = store.snapshot()
    ids, _ = snap.dense(np.ones(DIM, dtype=np.float32) / DIM**0.5).top(10)
    records = snap.chunks(ids.tolist())
    assert sorted(records) == sorted(ids.tolist())
    for rec in records.values():
        art = snap.article(rec.article_id)
        assert art is not None and art.text[rec.start : rec.end] == rec.text
        assert snap.text_before(rec.article_id, rec.end, 20) == art.text[max(0, rec.end - 20) : rec.end]


def test_bm25_and_dense_scores_agree_with_their_top_lists_and_moments(filled):
    store, _ = filled
    snap = store.snapshot()
    all_ids, _ = snap.dense(np.ones(DIM, dtype=np.float32)).top(100)
    all_ids = sorted(all_ids.tolist())
    bm25 = snap.bm25("steel tariffs")
    assert bm25 is not None and snap.bm25("the of and") is None  # stop words only: no BM25 query
    ids, scores = bm25.top(10)
    assert ids.tolist()[0] == next(c for c, r in snap.chunks(all_ids).items() if r.article_id == "steel")
    assert np.allclose(bm25.of(ids.tolist()), scores)
    every = bm25.of(all_ids)
    assert (every >= 0).all() and int((every > 0).sum()) == len(ids)
    mean, std = bm25.moments()
    assert mean == pytest.approx(every.mean(), abs=1e-6) and std == pytest.approx(every.std(), abs=1e-6)
    assert snap.df("steel") == 1 and snap.df("unseen") == 0 and snap.idf("unseen") > snap.idf("steel") > 0
    assert snap.dfs(["steel", "unseen", "steel"]) == {"steel": 1, "unseen": 0}
    qv = load_embedder(f"hash:{DIM}").encode(["ferry islands"])[0]
    dense = snap.dense(qv)
    exact = dense.of(all_ids)
    top_ids, top_scores = dense.top(3)
    assert np.allclose(dense.of(top_ids.tolist()), top_scores, atol=1e-5)
    assert np.allclose(top_scores, np.sort(exact)[::-1][:3], atol=1e-5)
    mean, std = dense.moments()
    assert mean == pytest.approx(exact.mean(), abs=1e-5) and std == pytest.approx(exact.std(), abs=1e-5)


def test_unchanged_articles_are_not_embedded_again_and_a_changed_one_replaces_the_old(filled, tmp_path):
    store, embedder = filled
    before = embedder.encoded
    report = ingest(store, embedder, [tmp_path / "articles"])
    assert embedder.encoded == before and len(report.unchanged) == 3
    changed = dict(ARTICLES["ferry.json"], text=ARTICLES["ferry.json"]["text"] + " Bikes ride free.")
    write(tmp_path / "articles", {"ferry.json": changed})
    report = ingest(store, embedder, [tmp_path / "articles"])
    assert [r["id"] for r in report.replaced] == ["ferry"] and embedder.encoded == before + 1
    snap = store.snapshot()
    ids = snap.dense(np.ones(DIM, dtype=np.float32)).top(10)[0].tolist()
    texts = [r.text for r in snap.chunks(ids).values()]
    assert any("Bikes ride free" in t for t in texts) and len(snap) == 3


def test_a_removed_article_leaves_new_snapshots_and_an_older_snapshot_stays_as_it_was(filled):
    store, _ = filled
    old = store.snapshot()
    assert "ferry" in query(old, "ferry islands")
    store.apply(removals=["ferry"])
    new = store.snapshot()
    assert "ferry" not in query(new, "ferry islands") and len(new) == 2 and new.generation > old.generation
    assert len(old) == 3 and old.bm25("ferry islands") is not None  # the old read is unchanged
    assert store.article("ferry") is None and [a.id for a in store.articles()] == ["robots", "steel"]


def test_filters_by_date_range_and_source(filled):
    store, _ = filled
    snap = store.snapshot()
    assert set(query(snap, "contest tariffs ferry", since="2025-10-02")) == {"ferry", "robots"}
    assert set(query(snap, "contest tariffs ferry", until="2025-10-31", source="wire a")) == {"steel"}
    assert query(snap, "contest tariffs ferry", since="2026-01-01") == []


WRITER = """
import sys
from index import ingest
from index.embed import load_embedder
from index.storage.store import IndexStore
store = IndexStore.open(sys.argv[1])
ingest(store, load_embedder("hash:64"), [sys.argv[2]])
store.close()
"""


def test_a_snapshot_is_consistent_while_another_process_writes_and_a_new_one_sees_it(
    request, filled, tmp_path
):
    if request.node.engine_name in ONE_PROCESS:
        pytest.skip(ONE_PROCESS[request.node.engine_name])
    store, _ = filled
    snap = store.snapshot()
    bridge = {"id": "bridge", "title": "Bridge reopens", "text": "The old bridge reopened after repairs."}
    more = write(tmp_path / "more", {"bridge.json": bridge})
    args = [sys.executable, "-c", WRITER, str(tmp_path / "index"), str(more)]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(snap) == 3 and "bridge" not in query(snap, "bridge repairs")
    assert query(store.snapshot(), "bridge repairs", k=1) == ["bridge"]


def test_a_snapshot_is_consistent_while_its_own_process_writes_and_a_new_one_sees_it(filled, tmp_path):
    store, embedder = filled
    snap = store.snapshot()
    bridge = {"id": "bridge", "title": "Bridge reopens", "text": "The old bridge reopened after repairs."}
    ingest(store, embedder, [write(tmp_path / "more", {"bridge.json": bridge})])
    assert len(snap) == 3 and "bridge" not in query(snap, "bridge repairs")
    assert query(store.snapshot(), "bridge repairs", k=1) == ["bridge"]


def test_reopening_after_a_restart_answers_the_same(engine, filled):
    store, _ = filled
    want = query(store.snapshot(), "steel tariffs Canada")
    store.close()
    again = engine()
    assert query(again.snapshot(), "steel tariffs Canada") == want and again.counts()["articles"] == 3


def test_page_starts_of_a_pdf_article_and_none_for_others_at_each_generation(filled):
    """Citations give a PDF's page: its page starts come back from a snapshot, None for
    an article without pages, and a replaced article's new pages in a snapshot taken after
    the change."""
    from dataclasses import replace

    store, _ = filled
    snap = store.snapshot()
    steel = snap.article("steel")
    assert steel is not None and snap.page_starts("steel") is None and snap.page_starts("nowhere") is None
    ids, _ = snap.dense(np.ones(DIM, dtype=np.float32) / DIM**0.5).top(10)
    chunks = [c for c in snap.chunks(ids.tolist()).values() if c.article_id == "steel"]
    vectors = [np.ones(DIM, dtype=np.float32) / DIM**0.5 for _ in chunks]
    from index.storage.records import NewChunk

    paged = replace(steel, pages=(0, 47))
    store.apply([(paged, [NewChunk(c.start, c.end, c.text, c.text, f"h{c.id}", v)
                          for c, v in zip(chunks, vectors, strict=True)])])  # fmt: skip
    assert store.snapshot().page_starts("steel") == (0, 47)
    assert store.snapshot().page_starts("ferry") is None
