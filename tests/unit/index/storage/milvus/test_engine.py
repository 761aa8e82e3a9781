"""The Milvus engine on milvus-lite beyond the shared suite (test_engine_suite.py runs
that on it too): ingest -> ask -> a cited answer on the seed article, the answer JSON
of the same shape as the local engine's, an unreachable server and a missing extra
in one line, the commit point of a write, BM25 read below its first top list, and the
store strings."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from index.config import Config
from index.errors import ConfigError, QAError
from index.storage.milvus.uri import parse_store
from tests.conftest import ROOT, SEED, run_qa, shared

pytest.importorskip("pymilvus", reason="the Milvus engine needs pip install 'article-qa[milvus]'")
pytest.importorskip("milvus_lite", reason="milvus-lite needs pip install 'article-qa[milvus]'")

QUESTION = "What did Trump say about USMCA?"


def _shape(value):
    """The keys of a JSON value, recursively (lists by their first item)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__ if value is not None else None


def test_ingest_ask_cites_the_seed_article_exactly_and_the_json_has_the_local_shape(make_assistant, seed_dir):
    milvus = make_assistant("m", config=Config(store="milvus"))
    local = make_assistant("l")
    for a in (milvus, local):
        report = a.add([seed_dir])
        assert len(report.added) == 1 and not report.rejected
    assert (milvus.directory / "milvus.db").exists()
    answer = milvus.ask(QUESTION)
    assert not answer.abstained and "USMCA" in answer.answer and answer.citations
    snap = milvus.snapshot()
    for c in answer.citations:
        text = snap.article(c.article_id).text
        assert text[c.start : c.end] == c.sentence and text[c.passage_start : c.passage_end] == c.passage
    mine, theirs = answer.to_dict(), local.ask(QUESTION).to_dict()
    for d in (mine, theirs):
        for part in ("timings_ms",):
            d.pop(part)
    assert _shape(mine) == _shape(theirs)
    assert [c["sentence"] for c in mine["citations"]] == [c["sentence"] for c in theirs["citations"]]
    assert milvus.counts() == local.counts() and [a.id for a in milvus.articles()] == [
        a.id for a in local.articles()
    ]


def test_the_cli_builds_and_answers_from_milvus_lite_across_processes(tmp_path):
    index = tmp_path / "index"
    done = run_qa("ingest", shared(SEED), "--index", index, "--store", "milvus", "--model", "hash:128")
    assert done.returncode == 0, done.stderr
    out = run_qa("ask", QUESTION, "--index", index, "--json", env={"QA_STORE": "milvus"})
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert "USMCA" in d["answer"] and d["citations"][0]["start"] < d["citations"][0]["end"]
    local = run_qa("ask", QUESTION, "--index", index)  # the local engine has no index there
    assert local.returncode == 1 and "no index at" in local.stderr


def test_an_unreachable_server_is_one_line_in_bounded_time(tmp_path):
    started = time.monotonic()
    proc = run_qa("ask", "anything?", "--index", tmp_path, "--store", "milvus+http://127.0.0.1:1", timeout=60)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith("qa: error: could not open the Milvus server http://127.0.0.1:1")
    assert time.monotonic() - started < 45


def test_without_the_extra_the_error_says_what_to_install(tmp_path):
    code = (
        "import sys; sys.modules['pymilvus'] = None\n"
        "from index.config import Config\nfrom index.storage import open_engine\n"
        f"open_engine({str(tmp_path)!r}, Config(store='milvus'))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].endswith(
        "the Milvus store needs pymilvus, which is not installed; run pip install 'article-qa[milvus]'"
    )


def test_a_write_that_stops_before_its_commit_point_is_invisible_and_cleared_by_the_next(
    make_assistant, seed_dir, tmp_path, monkeypatch
):
    from index.storage.milvus.engine import MilvusStore

    a = make_assistant("m", config=Config(store="milvus"))
    a.add([seed_dir])
    store = a.store
    before = store.counts()
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "bridge.json").write_text(json.dumps({"id": "bridge", "title": "Bridge reopens",
                                                   "text": "The old bridge reopened after repairs."}))
    put = MilvusStore._put_json

    def dies_at_the_commit_point(self, key, value):
        if key == "state":
            raise RuntimeError("the process died here")
        return put(self, key, value)

    monkeypatch.setattr(MilvusStore, "_put_json", dies_at_the_commit_point)
    with pytest.raises(RuntimeError):
        a.add([extra])
    assert store.counts() == before and store.article("bridge") is None
    assert len(store.snapshot()) == before["chunks"]
    monkeypatch.setattr(MilvusStore, "_put_json", put)
    report = a.add([extra])
    assert [r["id"] for r in report.added] == ["bridge"]
    assert store.counts() == {"articles": before["articles"] + 1, "chunks": before["chunks"] + 1}
    snap = store.snapshot()
    rows = store._client.query(store._chunks, filter="id >= 0", output_fields=["count(*)"])
    assert rows[0]["count(*)"] == len(snap)  # the rows the dead write left are gone


def test_bm25_below_the_first_top_list_is_read_when_asked(make_assistant, seed_dir, monkeypatch):
    from index.storage.milvus import snapshot as msnap

    a = make_assistant("m", config=Config(store="milvus"))
    a.add([seed_dir])
    full = a.snapshot().bm25("Trump Carney trade")
    ids, scores = full.top(100)
    assert len(ids) >= 3
    monkeypatch.setattr(msnap, "MOMENT_DEPTH", 1)
    part = a.snapshot().bm25("Trump Carney trade")
    got_ids, got = part.top(len(ids))
    assert got_ids.tolist() == ids.tolist() and np.allclose(got, scores)
    assert np.allclose(part.of(ids.tolist()[::-1]), scores[::-1])
    mean, std = part.moments()  # an estimate below the top one; the exact mean is
    assert mean > 0 and std > 0 and full.moments()[0] == pytest.approx(scores.sum() / len(a.snapshot()))


def test_store_strings():
    assert parse_store("milvus", "/x/idx").uri == "/x/idx/milvus.db"
    assert parse_store("milvus:/tmp/a.db", "/x/idx").lite
    server = parse_store("milvus+http://db.example:19530", "/x/my-index")
    assert (server.uri, server.lite, server.prefix) == ("http://db.example:19530", False, "qa_my_index")
    assert parse_store("milvus+https://h:443/news", "/x").prefix == "qa_news"
    for bad in ("milvus:", "milvus:/tmp/a", "mongo", "milvus+http://h", "milvus://h:1"):
        with pytest.raises(ConfigError):
            Config(store=bad)
    assert issubclass(ConfigError, QAError)


def test_syndicated_copies_are_grouped_as_the_local_engine_groups_them(make_assistant, tmp_path):
    words = " ".join(f"word{i} harbour council vote" for i in range(120))
    folder = tmp_path / "copies"
    folder.mkdir()
    for n, (source, text) in enumerate(
        [("Wire A", words), ("Paper B", words + " Updated."), ("Paper C", "A different story. " * 40)]
    ):
        rec = {"id": f"a{n}", "title": "Harbour council votes", "source": source, "date": f"2025-10-0{n + 1}",
               "text": text}
        (folder / f"a{n}.json").write_text(json.dumps(rec))
    milvus = make_assistant("m", config=Config(store="milvus"))
    local = make_assistant("l")
    for a in (milvus, local):
        a.add([folder])
    assert milvus.copy_groups() == local.copy_groups() and len(local.copy_groups()) == 1
    snap, other = milvus.snapshot(), local.snapshot()
    assert snap.copy_groups(["a1"]) == other.copy_groups(["a1"]) and snap.copy_groups(["a2"]) == {}


def test_a_closed_index_frees_its_milvus_lite_file_for_another_process(make_assistant, tmp_path):
    """milvus-lite locks its file for the process that opened it; closing the last
    client in this process must free it (``qa bench --store milvus`` copies an index
    here, then serves it in a fresh process)."""
    a = make_assistant("freed", config=Config(store="milvus"))
    a.add([shared(SEED)])
    again = make_assistant("freed", config=Config(store="milvus"))  # two clients, one file
    a.close()
    assert again.counts().articles == 1  # the other client in this process still reads
    again.close()
    code = (
        "from qa import Assistant; from index.config import Config; "
        f"a = Assistant.open({str(a.directory)!r}, config=Config(store='milvus')); "
        "print(a.counts().articles)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-800:]
    assert done.stdout.strip().splitlines()[-1] == "1"


def test_a_chunk_of_very_many_sentences_is_stored_without_its_sentence_vectors(tmp_path):
    """Milvus keeps sentence vectors in a VARCHAR of at most 65,535 bytes: a chunk of dot
    leaders (a table of contents) has more sentences than fit. It is stored, answerable
    (sentences embedded at question time), and the rest of its batch with it."""
    from index.embed.sentences import SentenceVectors
    from index.sources.article import Article
    from index.storage.manifest import IndexSettings
    from index.storage.milvus.engine import MilvusStore
    from index.storage.records import NewChunk

    settings = IndexSettings(model_name="hash:384", model_path="hash:384", dim=384, max_tokens=256)
    store = MilvusStore.open_or_create(tmp_path, parse_store("milvus", tmp_path), lambda: settings)
    try:
        text = " ".join(["Contents ."] * 200)
        spans = np.asarray([(i * 11, i * 11 + 10) for i in range(200)], dtype=np.int64)
        unit = np.full((200, 384), 1 / 384**0.5, dtype=np.float32)
        big = SentenceVectors(spans, unit).to_blob()
        small = SentenceVectors(spans[:2], unit[:2]).to_blob()
        vec = np.full(384, 1 / 384**0.5, dtype=np.float32)
        toc = Article(id="toc", title="Report", text=text)
        other = Article(id="other", title="Other", text="Short text. Two sentences.")
        store.apply([(toc, [NewChunk(0, len(text), text, text, "h1", vec, big)]),
                     (other, [NewChunk(0, 26, other.text, other.text, "h2", vec, small)])])  # fmt: skip
        snap = store.snapshot()
        blobs = snap.sentence_blobs([1, 2])
        assert blobs[1] is None and blobs[2] == small
        assert store.counts()["chunks"] == 2
    finally:
        store.close()
