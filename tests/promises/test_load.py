"""A bounded load test of ``qa serve`` through its HTTP APIs (loopback only).

``QA_LOAD_CLIENTS`` clients (default 20), each with its own connection, ask
varied questions (with and without follow-up history) for ``QA_LOAD_SECONDS``
(default 15 in CI; docs/RELIABILITY.md quotes 60 s runs), once through Gradio's
API (gradio_client: queue join, then an event stream) and once through the plain
JSON API (one ``POST /api/ask`` per answer), on an index of the demo articles
built with ``QA_LOAD_MODEL`` (default the hashing embedder; ``default`` for the
packaged MiniLM). A third of the way in, ``qa ingest`` adds an article to the
same index from another process: it must get the writer lock at once (the
server only reads), and the server must keep answering and start citing the new
article without a restart. Zero errors are allowed; the server's memory must
level off; p50/p95 are printed (and written to ``$QA_LOAD_REPORT`` with the
path in the name, as JSON, when set). Everything stops by itself: the clients
at the deadline, the server in a ``finally``."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from qa import Assistant
from tests.conftest import ROOT

SECONDS = float(os.environ.get("QA_LOAD_SECONDS", "15"))
CLIENTS = int(os.environ.get("QA_LOAD_CLIENTS", "20"))
MODEL = os.environ.get("QA_LOAD_MODEL", "hash:64")  # "default": the packaged MiniLM
USER, PASSWORD = "newsroom", "load-test-secret"
NEW_TITLE = "Quarry Lake lantern festival draws record crowd"
NEW_ARTICLE = f"""---
title: {NEW_TITLE}
date: 2026-05-02
source: Lakeside Courier
---

The Quarry Lake lantern festival drew a record crowd of 12,400 visitors on Saturday, organisers said.
Volunteers launched 3,000 paper lanterns from the north shore after sunset.
"""
NEW_QUESTION = "How many visitors did the Quarry Lake lantern festival draw?"


def cites_new(answer: dict) -> bool:
    """The answer cites the article added during the run, by the sentence that answers."""
    return any(c["title"] == NEW_TITLE and "12,400" in c["sentence"] for c in answer["citations"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def questions() -> list[tuple[str, list[str]]]:
    """The demo question set: (question, history) pairs, follow-ups included."""
    rows = [
        json.loads(ln) for ln in (ROOT / "eval/demo/questions.jsonl").read_text().splitlines() if ln.strip()
    ]
    return [(r["question"], list(r.get("history") or [])) for r in rows]


@pytest.fixture
def server(tmp_path):
    index = tmp_path / "index"
    with Assistant.open(index, model=None if MODEL == "default" else MODEL) as a:
        a.add(ROOT / "eval/demo/articles")
    port = free_port()
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "serve", "--index", str(index), "--port", str(port)],
        cwd=ROOT,
        env=dict(os.environ, QA_AUTH=f"{USER}:{PASSWORD}"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, f"qa serve exited: {(tmp_path / 'serve.log').read_text()[-3000:]}"
            assert time.monotonic() < deadline, "qa serve did not start in 90 s"
            try:
                if http_status(url) == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield url, proc, index, tmp_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait(timeout=20)
        log.close()


class JsonClient:
    """One client of the plain JSON API: ``POST /api/ask`` with HTTP Basic credentials."""

    def __init__(self, url: str) -> None:
        import base64

        self.url = url + "api/ask"
        self.auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def predict(self, question: str, history: list[str], api_name: str = "/ask") -> dict:
        body = json.dumps({"question": question, "history": history}).encode()
        headers = {"content-type": "application/json", "authorization": self.auth}
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())


@pytest.mark.parametrize("path", ["gradio", "json"])
def test_serve_answers_20_clients_through_an_ingest_with_no_errors(server, path):
    from gradio_client import Client

    url, proc, index, tmp = server
    assert http_status(url + "config") == 401  # the API is behind the login
    assert http_status(url + "api/health") == 401
    with socket.socket() as s:  # bound to loopback only: not reachable on other addresses
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert s.connect_ex((_outward_address(), port)) != 0 or _outward_address() == "127.0.0.1"

    clients: list[Client | JsonClient] = []
    lock = threading.Lock()

    def connect() -> None:
        c = Client(url, auth=(USER, PASSWORD), verbose=False) if path == "gradio" else JsonClient(url)
        with lock:
            clients.append(c)

    starters = [threading.Thread(target=connect) for _ in range(CLIENTS)]
    for t in starters:
        t.start()
    for t in starters:
        t.join(timeout=120)
    assert len(clients) == CLIENTS
    qs = questions()
    for q, h in qs[:3]:  # warm up
        clients[0].predict(q, history=h, api_name="/ask")

    latencies: list[float] = []
    errors: list[str] = []
    seen_new = threading.Event()
    started = time.monotonic()
    stop_at = started + SECONDS

    def work(i: int) -> None:
        client, n = clients[i], i
        while time.monotonic() < stop_at:
            q, h = qs[n % len(qs)]
            if ingested.is_set() and n % 5 == 0:
                q, h = NEW_QUESTION, []
            n += 7
            t0 = time.monotonic()
            try:
                d = client.predict(q, history=h, api_name="/ask")
            except Exception as exc:
                with lock:
                    errors.append(f"{q!r}: {type(exc).__name__}: {exc}"[:300])
                continue
            elapsed = time.monotonic() - t0
            with lock:
                latencies.append(elapsed)
            if not {"answer", "citations", "passages"} <= d.keys():
                with lock:
                    errors.append(f"{q!r}: not the answer JSON: {str(d)[:200]}")
            if q == NEW_QUESTION and cites_new(d):
                seen_new.set()

    ingested = threading.Event()
    ingest_result: dict[str, object] = {}

    def ingest() -> None:  # another process adds an article while the clients ask
        (tmp / "new").mkdir()
        (tmp / "new" / "lanterns.md").write_text(NEW_ARTICLE)
        t0 = time.monotonic()
        cmd = [sys.executable, "-m", "ui.cli", "ingest", str(tmp / "new"), "--index", str(index), "--quiet"]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
        ingest_result.update(rc=done.returncode, stderr=done.stderr, seconds=time.monotonic() - t0)
        ingested.set()

    memory: list[tuple[float, float]] = []
    workers = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    workers.append(threading.Timer(SECONDS / 3, ingest))
    for t in workers:
        t.start()
    while time.monotonic() < stop_at:
        memory.append((time.monotonic() - started, rss_mb(proc.pid)))
        time.sleep(0.5)
    for t in workers:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in workers)
    memory.append((time.monotonic() - started, rss_mb(proc.pid)))
    for _ in range(20):  # a slow ingest (a real model loading on a busy machine) may end after the clients
        if seen_new.is_set() or not ingested.is_set():
            break
        d = clients[0].predict(NEW_QUESTION, api_name="/ask")
        if cites_new(d):
            seen_new.set()
        time.sleep(0.5)

    latencies.sort()
    report = {
        "path": path,
        "model": MODEL,
        "clients": CLIENTS,
        "seconds": SECONDS,
        "requests": len(latencies),
        "errors": len(errors),
        "per_second": round(len(latencies) / SECONDS, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
        "max_ms": round(1000 * latencies[-1], 1),
        "rss_mb_start": round(memory[0][1], 1),
        "rss_mb_quarter": round(_rss_at(memory, SECONDS / 4), 1),
        "rss_mb_half": round(_rss_at(memory, SECONDS / 2), 1),
        "rss_mb_end": round(memory[-1][1], 1),
        "ingest_seconds": round(float(ingest_result.get("seconds", 0.0)), 2),  # type: ignore[arg-type]
        "new_article_cited": seen_new.is_set(),
    }
    print("\nload:", json.dumps(report))
    if os.environ.get("QA_LOAD_REPORT"):  # one file per path: report.json -> report-gradio.json, ...
        out = Path(os.environ["QA_LOAD_REPORT"])
        out.with_name(f"{out.stem}-{path}{out.suffix}").write_text(json.dumps(report, indent=2) + "\n")

    assert errors == [], errors[:5]
    assert ingest_result.get("rc") == 0, ingest_result.get("stderr")  # the server never holds the writer lock
    assert seen_new.is_set(), "no answer cited the article added by another process"
    assert len(latencies) >= CLIENTS * 3
    # Memory levels off: after the first quarter it may grow only a little, whatever the duration.
    assert report["rss_mb_end"] - report["rss_mb_quarter"] < 120, memory
    assert proc.poll() is None  # and the server is still up


def _rss_at(memory: list[tuple[float, float]], t: float) -> float:
    return next((mb for at, mb in memory if at >= t), memory[-1][1])


def _outward_address() -> str:
    """This machine's address on its default route (no packet is sent); 127.0.0.1 without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: connect() on UDP only picks a route
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.1"
