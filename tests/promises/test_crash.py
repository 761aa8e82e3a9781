"""``qa ingest`` killed with SIGKILL during a large ingest loses nothing.

Two kinds of kill: at exact points inside the write path (a wrapper makes the
process SIGKILL itself there: mid-transaction, right after a commit, with the
FAISS/BM25 folder half written, before and during the switch of
``derived.json``, before the manifest), and from outside at moments picked by
watching the records grow. After every kill the index is opened afresh and
checked: it answers; every stored article has exactly the chunks a clean run
gives it (whole articles, never a mix); FAISS, BM25 and the records agree. A
final rerun completes the job, without duplicates, to exactly the clean result.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from qa import Assistant
from tests.conftest import ROOT

N_FILES, PER_FILE = 12, 400  # 4,800 articles
WORDS = "council budget ferry harbour steel tariff robot library marathon orchard volcano festival".split()

KILLER = """
import os, signal, sys
import index.storage.views as derived
import index.storage.records as records
import index.storage.store as store

point, nth = sys.argv[1], int(sys.argv[2])
calls = [0]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def trap(owner, name, before=True, when=lambda *a, **k: True):
    real = getattr(owner, name)
    def wrapper(*args, **kwargs):
        if when(*args, **kwargs):
            calls[0] += 1
            if before and calls[0] >= nth:
                die()
        out = real(*args, **kwargs)
        if not before and calls[0] >= nth:
            die()
        return out
    setattr(owner, name, wrapper)

if point == "mid-transaction":  # some chunk rows of a batch inserted, not committed
    trap(records, "_blob")
elif point == "after-commit":  # a batch committed, FAISS/BM25 not rebuilt
    trap(store.IndexStore, "_commit", before=False)
elif point == "derived-half-written":  # the new folder written, not fsynced or switched to
    trap(derived, "_fsync_tree")
elif point == "before-switch":  # the new folder complete, derived.json still names the old one
    trap(derived, "atomic_write_json")
elif point == "mid-switch":  # the new derived.json written and fsynced under a temporary name
    trap(os, "replace", when=lambda src, dst: str(dst).endswith("derived.json"))
elif point == "before-manifest":
    trap(store, "write_manifest")
from ui.cli import main
sys.exit(main(sys.argv[3:]))
"""
# (where, at its nth passage, files given): each run is given more files than the last, so
# that it has work left to die in.
POINTS = [
    ("mid-transaction", 350, 3),
    ("after-commit", 8, 5),
    ("derived-half-written", 1, 6),
    ("mid-switch", 1, 7),
    ("before-switch", 1, 8),
    ("mid-transaction", 150, 10),
    ("before-manifest", 1, 11),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    rng = random.Random(7)
    folder = tmp_path_factory.mktemp("crash") / "corpus"
    folder.mkdir()
    for f in range(N_FILES):
        with open(folder / f"feed{f:02d}.jsonl", "w") as fh:
            for i in range(PER_FILE):
                n = f * PER_FILE + i
                body = " ".join(
                    f"The {rng.choice(WORDS)} group met on day {n} and agreed on item k{n}x{j}."
                    for j in range(6)
                )
                fh.write(
                    json.dumps(
                        {"id": f"a{n:05d}", "title": f"Report {n} on {rng.choice(WORDS)}", "text": body}
                    )
                )
                fh.write("\n")
    return folder


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> dict[str, list[tuple[int, int, int, str]]]:
    """Each article's chunks (ord, start, end, hash) after one clean, uninterrupted run."""
    index = tmp_path_factory.mktemp("reference") / "index"
    with Assistant.open(index, model="hash:64") as a:
        a.add(corpus)
    return chunks_by_article(index)


def chunks_by_article(index: Path) -> dict[str, list[tuple[int, int, int, str]]]:
    conn = sqlite3.connect(index / "records.sqlite")
    try:
        out: dict[str, list[tuple[int, int, int, str]]] = {}
        for aid, ord_, start, end, h in conn.execute(
            "SELECT article_id, ord, start, end, hash FROM chunks ORDER BY article_id, ord"
        ):
            out.setdefault(aid, []).append((ord_, start, end, h))
        return out
    finally:
        conn.close()


def ingest_cmd(corpus: Path, index: Path, files: int = N_FILES) -> list[str]:
    paths = [str(p) for p in sorted(corpus.glob("*.jsonl"))[:files]]
    return ["ingest", *paths, "--index", str(index), "--model", "hash:64", "--quiet"]


def check(index: Path, reference: dict[str, list[tuple[int, int, int, str]]]) -> int:
    """Open afresh and check everything; returns how many articles are stored."""
    if not (index / "manifest.json").exists():  # killed before it made the index: nothing to check
        return 0
    with Assistant.open(index) as a:
        stored = chunks_by_article(index)
        articles = a.articles()
        assert len(articles) == len({x.id for x in articles})  # no duplicates
        assert {x.id for x in articles} == set(stored)  # every article has its chunks
        for aid, chunks in stored.items():
            assert chunks == reference[aid], f"{aid} is a mix of two states"
        with a.store._lock:
            conn = a.store._conn
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            ids = np.asarray(
                [r[0] for r in conn.execute("SELECT id FROM chunks ORDER BY id")], dtype=np.int64
            )
        assert np.array_equal(a.store.view.lexical.live_ids(), ids)
        assert len(a.store.view.vectors) == len(ids) and len(a.store.view.vectors.vectors(ids)) == len(ids)
        if stored:
            aid = sorted(stored)[len(stored) // 2]
            n = int(aid[1:])
            hit = a.search(f"item k{n}x3", k=1, mode="bm25")[0]
            assert hit.article_id == aid
            a.ask(f"What did the group agree on day {n}?")  # answers (or abstains), never fails
        return len(articles)


def test_sigkill_at_every_point_of_the_write_path_then_a_rerun_completes(corpus, reference, tmp_path):
    index = tmp_path / "index"
    seen = []
    for point, nth, files in POINTS:
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                textwrap.dedent(KILLER),
                point,
                str(nth),
                *ingest_cmd(corpus, index, files),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == -signal.SIGKILL, f"{point}: {proc.returncode} {proc.stderr[-2000:]}"
        seen.append(check(index, reference))
    assert seen[0] == 300 and seen[1] == 1100  # killed mid-ingest: whole batches before the kill, no more
    final = run_ingest(corpus, index)
    report = json.loads(final.stdout)
    assert len(report["added"]) + len(report["unchanged"]) == len(reference)
    assert report["duplicates"] == [] and report["rejected"] == []
    assert check(index, reference) == len(reference)
    assert chunks_by_article(index) == reference


def test_sigkill_from_outside_at_moments_picked_while_it_runs(corpus, reference, tmp_path):
    index = tmp_path / "index"
    total = len(reference)
    kills = 0
    for fraction in (0.0, 0.15, 0.45, 0.8, 1.0):  # 0: before the first commit; 1.0: in the final rebuild
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", *ingest_cmd(corpus, index)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        if fraction == 0.0:  # the index exists, no batch is committed yet
            while proc.poll() is None and not (index / "records.sqlite").exists():
                assert time.monotonic() < deadline
                time.sleep(0.01)
        else:
            while proc.poll() is None and stored_articles(index) < fraction * total:
                assert time.monotonic() < deadline
                time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        check(index, reference)
    assert kills >= 3
    final = run_ingest(corpus, index)
    report = json.loads(final.stdout)
    assert len(report["added"]) + len(report["unchanged"]) == total and report["duplicates"] == []
    assert chunks_by_article(index) == reference


def run_ingest(corpus: Path, index: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "ui.cli", *ingest_cmd(corpus, index), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def stored_articles(index: Path) -> int:
    if not (index / "records.sqlite").exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{index / 'records.sqlite'}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
