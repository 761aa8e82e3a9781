"""An ingest on Ray loses nothing when killed: the driver (``qa ingest --ray=ADDRESS``)
killed with SIGKILL mid-ingest leaves whole articles only, and a rerun completes to
exactly the clean result; an embedding worker killed mid-ingest is restarted and the
job finishes (or stops with a one-line error), no article lost or duplicated.

The corpus, the clean reference and the checks are those of ``test_crash.py``; the Ray
is local (2 CPUs), started and stopped by this module."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from qa import Assistant
from tests.conftest import ROOT
from tests.promises import test_crash as crash
from tests.promises.test_crash import check, chunks_by_article, ingest_cmd, stored_articles

ray = pytest.importorskip("ray")
from tests.unit.index import test_distributed  # noqa: E402 - only with ray

corpus, reference = crash.corpus, crash.reference  # the fixtures, shared
ray_cluster = test_distributed.ray_cluster


def ray_ingest(corpus: Path, index: Path, address: str) -> list[str]:
    return [sys.executable, "-m", "ui.cli", *ingest_cmd(corpus, index), f"--ray={address}"]


def test_driver_killed_mid_ingest_keeps_whole_articles_and_a_rerun_completes(
    ray_cluster, corpus, reference, tmp_path
):
    index = tmp_path / "index"
    total = len(reference)
    kills = 0
    for fraction in (0.1, 0.5):
        proc = subprocess.Popen(
            ray_ingest(corpus, index, ray_cluster), cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 240
        while proc.poll() is None and stored_articles(index) < fraction * total:
            assert time.monotonic() < deadline, "the ingest on Ray made no progress"
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        stored = check(index, reference)
        assert 0 < stored < total or proc.returncode == 0
    assert kills >= 1
    final = subprocess.run(
        [*ray_ingest(corpus, index, ray_cluster), "--json"], cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert final.returncode == 0, final.stderr[-2000:]
    report = json.loads(final.stdout)
    assert len(report["added"]) + len(report["unchanged"]) == total and report["duplicates"] == []
    assert len(report["unchanged"]) > 0  # what the killed drivers committed was not done again
    assert check(index, reference) == total
    assert chunks_by_article(index) == reference


def embed_workers() -> list[int]:
    """Process ids of the embedding workers of this process's Ray (its descendants only)."""
    parent: dict[int, int] = {}
    title: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            title[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        parent[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])

    def mine(pid: int) -> bool:
        while pid > 1:
            pid = parent.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return [pid for pid, cmd in title.items() if cmd.startswith("ray::EmbedWorker") and mine(pid)]


def test_a_worker_killed_mid_ingest_loses_and_duplicates_nothing(ray_cluster, corpus, reference, tmp_path):
    from index.distributed import WorkerError

    index = tmp_path / "index"
    total = len(reference)
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            with Assistant.open(index, model="hash:64") as a:
                outcome["report"] = a.add(corpus, ray=True)
        except WorkerError as exc:  # allowed: a clean stop, committed batches kept
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 240
    while not (stored_articles(index) >= 0.2 * total and embed_workers()):
        assert thread.is_alive() and time.monotonic() < deadline, "the ingest on Ray made no progress"
        time.sleep(0.01)
    victim = embed_workers()[0]
    os.kill(victim, signal.SIGKILL)
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert victim not in embed_workers()
    stored = check(index, reference)
    print(f"worker {victim} killed; the ingest {'finished' if 'report' in outcome else outcome['error']}")
    if "report" in outcome:
        report = outcome["report"]
        assert len(report.added) == total and report.duplicates == () and stored == total
    else:
        assert "a Ray worker" in str(outcome["error"]) or "on Ray stopped" in str(outcome["error"])
    with Assistant.open(index) as a:
        again = a.add(corpus, ray=True)
    assert len(again.added) + len(again.unchanged) == total and again.duplicates == ()
    assert chunks_by_article(index) == reference
