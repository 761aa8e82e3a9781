"""Ingest on Ray (index/distributed.py) on a local Ray of 2 CPUs started by this module:
the same index as a plain ingest, a cited answer, nothing embedded again on a rerun, the
one-line error without ray, and ``qa ingest --ray`` starting (and stopping) its own Ray."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qa import Assistant
from tests.conftest import ROOT, run_qa

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray for the tests (2 CPUs, no dashboard, a small object store); its address."""
    if ray.is_initialized():
        ray.shutdown()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=200 * 1024 * 1024,
        logging_level="WARNING",
        runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},
    )
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def feed(folder: Path, articles: list[tuple[str, str, str]], name: str = "feed.jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w") as fh:
        for aid, title, text in articles:
            fh.write(json.dumps({"id": aid, "title": title, "text": text}) + "\n")
    return folder


def sample(n: int, start: int = 0) -> list[tuple[str, str, str]]:
    return [
        (
            f"a{i:04d}",
            f"Report {i} on the harbour",
            " ".join(f"The group met on day {i} and agreed on item k{i}x{j}." for j in range(40)),
        )
        for i in range(start, start + n)
    ]


def chunks(index: Path) -> dict[str, list[tuple[int, int, int, str]]]:
    conn = sqlite3.connect(index / "records.sqlite")
    try:
        out: dict[str, list[tuple[int, int, int, str]]] = {}
        for aid, ord_, a, b, h in conn.execute(
            "SELECT article_id, ord, start, end, hash FROM chunks ORDER BY article_id, ord"
        ):
            out.setdefault(aid, []).append((ord_, a, b, h))
        return out
    finally:
        conn.close()


def ids(entries: tuple[dict[str, str], ...]) -> list[str]:
    return sorted(e["id"] for e in entries)


def test_seed_on_ray_answers_with_a_citation_and_a_rerun_embeds_nothing(ray_cluster, seed_dir, tmp_path):
    with Assistant.open(tmp_path / "index", model="hash:64") as a:
        first = a.add(seed_dir, ray=True)
        assert len(first.added) == 1 and first.chunks_embedded == first.chunks_added > 0
        answer = a.ask("What did Trump say about USMCA?")
        assert not answer.abstained and answer.citations
        assert "USMCA" in answer.answer
        again = a.add(seed_dir, ray=True)
        assert len(again.unchanged) == 1 and again.added == () and again.chunks_embedded == 0
    with Assistant.open(tmp_path / "plain", model="hash:64") as a:
        a.add(seed_dir)
    assert chunks(tmp_path / "index") == chunks(tmp_path / "plain")


def test_the_same_index_and_report_as_a_plain_ingest(ray_cluster, tmp_path):
    """Several files and batches, an article repeated (same id, new text) across files,
    a copy of another article's text and an article without words."""
    arts = sample(230)
    changed = ("a0005", "Report 5, corrected", arts[5][2] + " A correction was added later.")
    copy = ("b0001", "Copy", arts[7][2])
    corpus = feed(tmp_path / "corpus", arts[:120], "one.jsonl")
    feed(corpus, [*arts[120:], changed, copy, ("c0001", "...", "... !!!")], "two.jsonl")
    reports = {}
    for name, ray_arg in (("plain", False), ("ray", True)):
        with Assistant.open(tmp_path / name, model="hash:64") as a:
            reports[name] = a.add(corpus, ray=ray_arg)
    plain, on_ray = reports["plain"], reports["ray"]
    for field in ("added", "replaced", "unchanged", "upgraded", "duplicates"):
        assert ids(getattr(on_ray, field)) == ids(getattr(plain, field)), field
    assert len(on_ray.rejected) == len(plain.rejected) == 1
    assert (on_ray.chunks_added, on_ray.chunks_embedded) == (plain.chunks_added, plain.chunks_embedded)
    assert chunks(tmp_path / "ray") == chunks(tmp_path / "plain")
    found = {}
    for name in ("plain", "ray"):
        with Assistant.open(tmp_path / name) as a:
            assert a.search("item k199x3", k=1, mode="bm25")[0].article_id == "a0199"
            found[name] = [(p.article_id, round(p.score, 5)) for p in a.search("day 199", k=5, mode="dense")]
    assert found["ray"] == found["plain"]  # the same vectors


def test_a_changed_article_embeds_only_its_changed_chunks(ray_cluster, tmp_path):
    arts = sample(3)
    corpus = feed(tmp_path / "corpus", arts)
    with Assistant.open(tmp_path / "index", model="hash:64") as a:
        first = a.add(corpus, ray=True)
        per_article = first.chunks_added // 3
        assert per_article >= 3
        aid, title, text = arts[1]
        feed(corpus, [arts[0], (aid, title, text + " One more sentence at the end."), arts[2]])
        again = a.add(corpus, ray=True)
    assert ids(again.replaced) == [aid] and len(again.unchanged) == 2
    assert 0 < again.chunks_embedded < per_article


def test_qa_ingest_ray_starts_its_own_local_ray(seed_dir, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    proc = subprocess.run(
        [sys.executable, "-m", "ui.cli", "ingest", str(seed_dir), "--index", str(tmp_path / "i"),
         "--model", "hash:64", "--quiet", "--json", "--ray", "--ray-workers", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(json.loads(proc.stdout)["added"]) == 1
    ask = run_qa("ask", "What did Trump say about USMCA?", "--index", tmp_path / "i", "--json")
    assert ask.returncode == 0 and json.loads(ask.stdout)["citations"]


def test_without_ray_the_cli_says_what_to_install_in_one_line(seed_dir, tmp_path):
    code = (
        "import sys; sys.modules['ray'] = None\n"  # as if ray were not installed
        "from ui.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    index = tmp_path / "i"
    proc = subprocess.run(
        [sys.executable, "-c", code, "ingest", str(seed_dir), "--index", str(index), "--ray"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "qa: error: ingest on Ray needs the ray package; install it with: pip install 'article-qa[ray]'"
    ]
    assert not index.exists()


def test_a_path_taken_for_the_address_is_explained(seed_dir, tmp_path):
    proc = run_qa("ingest", "--ray", seed_dir, *seed_dir.iterdir(), "--index", tmp_path / "i")
    assert proc.returncode == 2 and "put --ray after the paths" in proc.stderr


def test_workers_run_the_precision_and_cache_of_the_drivers_config(tmp_path):
    from index.config import Config
    from index.distributed import WorkerModel
    from index.embed import DEFAULT_MODEL_NAME
    from index.embed.precision import Choice
    from index.storage.manifest import IndexSettings

    class Auto:  # what an auto-precision embedder tells: int8 is fastest at passages here
        name = DEFAULT_MODEL_NAME

        def choice(self, workload: str) -> Choice:
            return Choice("int8" if workload == "bulk" else "fp32", "measured")

    default = IndexSettings(DEFAULT_MODEL_NAME, "/elsewhere/model", 384, 256)
    auto = WorkerModel.for_index(default, Auto(), Config(precision="auto", cache_dir=tmp_path))
    assert auto == WorkerModel(None, "int8", tmp_path, 1)  # the packaged model, the bulk choice
    own = IndexSettings("my-model", str(tmp_path / "my-model"), 384, 256)
    chosen = WorkerModel.for_index(own, Auto(), Config(precision="bf16", cache_dir=tmp_path), threads=2)
    assert chosen == WorkerModel(str(tmp_path / "my-model"), "bf16", tmp_path, 2)


def test_no_workers_is_refused_in_plain_words(make_assistant, seed_dir):
    from index.errors import ConfigError

    with pytest.raises(ConfigError, match="at least one"):
        make_assistant(model="hash:64").add(seed_dir, ray=True, workers=0)


def test_pages_and_feeds_are_refused_on_ray_in_plain_words(make_assistant, seed_dir):
    from index.errors import InputError

    a = make_assistant(model="hash:64")
    with pytest.raises(InputError, match="files and folders"):
        a.add([seed_dir, "https://example.org/story.html"], ray=True)
    with pytest.raises(InputError, match="files and folders"):
        a.add(seed_dir, feeds=["https://example.org/rss.xml"], ray=True)
