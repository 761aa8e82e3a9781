"""qa watch: cycles that add, replace and remove; failing sources survived; a
clean stop on SIGTERM and Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest

from eval.loopback import Response
from index.errors import QAError
from index.sources import watch as watching
from index.sources.watch import parse_every, run_cycle, watch
from index.sources.web import Fetcher, FetchSettings
from tests.conftest import ROOT
from tests.webserver import ARTICLES, serving

FAST = FetchSettings(timeout=1.0, delay=0.0)


@pytest.fixture
def web():
    with serving() as server:
        yield server


def write(folder, name, title, body):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def test_parse_every():
    assert parse_every("15m") == 900 and parse_every("30s") == 30 and parse_every("2h") == 7200
    assert parse_every("90") == 90 and parse_every("0.5s") == 0.5
    for bad in ("", "soon", "-1m", "0s"):
        with pytest.raises(ValueError):
            parse_every(bad)


def test_a_cycle_adds_replaces_and_removes_files(tmp_path, make_assistant):
    a = make_assistant(model="hash:64")
    news = tmp_path / "news"
    write(news, "a.txt", "Harbour cranes return", "The harbour crews said the new cranes arrive on Monday.")
    write(news, "b.txt", "Orchard frost warning", "Growers covered the young trees against the frost.")
    first = run_cycle(a.store, a.embedder, [news], 1, Fetcher(FAST))
    assert len(first.report.added) == 2 and "cycle 1: 2 added" in first.line()
    write(news, "a.txt", "Harbour cranes return", "The harbour crews said the new cranes arrive on Tuesday.")
    write(news, "c.txt", "Library opens late", "The library will open until ten on Thursdays.")
    (news / "b.txt").unlink()
    second = run_cycle(a.store, a.embedder, [news], 2, Fetcher(FAST))
    assert "1 added, 1 replaced, 1 removed, 0 unchanged, 0 failed" in second.line()
    assert sorted(x.title for x in a.articles()) == ["Harbour cranes return", "Library opens late"]


def test_failing_sources_are_named_and_the_rest_is_added(tmp_path, web, make_assistant):
    a = make_assistant(model="hash:64")
    news = tmp_path / "news"
    write(news, "a.txt", "Harbour cranes return", "The harbour crews said the new cranes arrive on Monday.")
    run_cycle(a.store, a.embedder, [news], 1, Fetcher(FAST))
    web.routes["/down.rss"] = Response(500, b"down")
    gone = tmp_path / "unmounted"
    sources = [news, gone, web.url("/down.rss"), web.url("/feed.atom")]
    cycle = run_cycle(a.store, a.embedder, sources, 2, Fetcher(FAST))
    assert cycle.error is None and len(cycle.report.added) == len(ARTICLES)
    line = cycle.line()
    assert f"{gone}: no such file or folder" in line and f"{web.url('/down.rss')}: HTTP 500" in line
    assert "\n" not in line
    (news / "a.txt").rename(tmp_path / "a.txt")
    news.rmdir()  # the watched folder itself is gone: nothing of it is removed
    cycle = run_cycle(a.store, a.embedder, [news], 3, Fetcher(FAST))
    assert not cycle.removed and a.counts().articles == len(ARTICLES) + 1


def test_watch_goes_on_after_a_failed_cycle_and_stops_when_told(tmp_path, make_assistant, monkeypatch):
    a = make_assistant(model="hash:64")
    write(tmp_path / "news", "a.txt", "Harbour cranes return", "The harbour crews said the cranes arrive.")
    real, calls = watching.ingest_sources, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise QAError("the index is locked by process 123; wait for it")
        return real(*args, **kwargs)

    monkeypatch.setattr(watching, "ingest_sources", flaky)
    lines, stop = [], threading.Event()

    def say(line):
        lines.append(line)
        if len(lines) == 3:
            stop.set()

    done = watch(a.store, a.embedder, [tmp_path / "news"], every=0.05, say=say, stop=stop)
    assert done == 3
    assert "cycle 1 failed: the index is locked" in lines[0]
    assert (
        "cycle 2: 1 added" in lines[1] and "cycle 3: 0 added, 0 replaced, 0 removed, 1 unchanged" in lines[2]
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_qa_watch_stops_cleanly_on_a_signal(tmp_path, sig):
    write(tmp_path / "news", "a.txt", "Harbour cranes return", "The harbour crews said the cranes arrive.")
    index = tmp_path / "index"
    cmd = [sys.executable, "-m", "ui.cli", "watch", tmp_path / "news", "--every", "1h", "--index", index]
    proc = subprocess.Popen(
        [*map(str, cmd), "--model", "hash:64"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert "cycle 1: 1 added" in first
        time.sleep(0.2)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "watch stopped" in err and "Traceback" not in err
    from qa import Assistant

    with Assistant.open(index) as a:
        assert a.counts().articles == 1
