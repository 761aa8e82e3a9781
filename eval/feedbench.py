"""Feed ingest against local files: the same pages, two ways.

Serves N articles and an RSS feed of them on 127.0.0.1 (eval.loopback), writes
the same pages as .html files, and times, each into a new index with one model
loaded once: ``Assistant.add([folder])`` and ``Assistant.add([], feeds=[rss])``
(fetch, extract, chunk, embed, store). Also says whether fetching overlapped
embedding: when the first batch was stored and when the last page arrived.
The politeness delay is 0 here (one host would otherwise take N x delay); the
figure measures the pipeline, not the pause a real site is given.

    python -m eval.feedbench                 # 50 pages, the packaged model, median of 3
    python -m eval.feedbench --model hash:256 --pages 200
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from eval.loopback import LoopbackServer, article_html, serve_articles
from eval.machine import cpu_name
from index import FetchSettings, load_embedder
from qa import Assistant


def run(
    pages: int = 50, model: str | None = None, repeat: int = 3, workers: int = 4, latency: float = 0.0
) -> dict[str, Any]:
    """Seconds for the local-files ingest and the feed ingest (median of ``repeat``);
    ``latency``: seconds the server waits before answering each page (a slower network)."""
    embedder = load_embedder(model)
    embedder.encode(["warm up the model before timing"])
    items = list(range(pages))
    local, feed, overlap = [], [], []
    with LoopbackServer() as server, tempfile.TemporaryDirectory() as tmp:
        serve_articles(server, items)
        for n in items:
            server.routes[f"/news/{n}.html"] = replace(server.routes[f"/news/{n}.html"], delay=latency)
        folder = Path(tmp) / "pages"
        folder.mkdir()
        for n in items:
            (folder / f"{n}.html").write_text(article_html(n, server.base), encoding="utf-8")
        settings = FetchSettings(delay=0.0, timeout=10.0, workers=workers)
        for r in range(repeat):
            with Assistant.open(Path(tmp) / f"local-{r}", embedder=embedder) as a:
                t0 = time.perf_counter()
                _check(a.add([folder]), pages)
                local.append(time.perf_counter() - t0)
            with Assistant.open(Path(tmp) / f"feed-{r}", embedder=embedder) as a:
                seconds, first_stored, last_asked = _time_feed(a, server, settings, pages)
                feed.append(seconds)
                overlap.append((first_stored, last_asked))
    return {
        "cpu": cpu_name(),
        "model": embedder.name,
        "pages": pages,
        "local_s": statistics.median(local),
        "feed_s": statistics.median(feed),
        "ratio": statistics.median(feed) / statistics.median(local),
        "first_batch_stored_s": statistics.median(s for s, _ in overlap),
        "last_page_sent_s": statistics.median(t for _, t in overlap),
        "runs": repeat,
    }


def _time_feed(
    a: Assistant, server: LoopbackServer, settings: FetchSettings, pages: int
) -> tuple[float, ...]:
    """Seconds for the feed ingest, when its first batch was stored (the first article
    counted, polled every 10 ms), and when the server sent its last page."""
    first: list[float] = []
    done = threading.Event()

    def watch_counts() -> None:
        while not done.wait(0.01):
            if a.counts().articles:
                first.append(time.perf_counter())
                return

    start = len(server.sent)
    poller = threading.Thread(target=watch_counts, daemon=True)
    t0 = time.perf_counter()
    poller.start()
    try:
        _check(a.add([], feeds=[server.url("/feed.rss")], fetch=settings), pages)
        seconds = time.perf_counter() - t0
    finally:
        done.set()
        poller.join()
    pages_sent = [t for path, t in server.sent[start:] if path.startswith("/news/")]
    return seconds, (first[0] if first else t0 + seconds) - t0, max(pages_sent) - t0


def _check(report: Any, pages: int) -> None:
    if len(report.added) != pages:
        raise RuntimeError(f"expected {pages} articles added, got: {report.summary()}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.feedbench", description=__doc__.split("\n")[0])
    p.add_argument("--pages", type=int, default=50, metavar="N", help="articles in the feed (default 50)")
    p.add_argument("--model", metavar="PATH", help="model folder or hash:DIM (default: packaged MiniLM)")
    p.add_argument("--repeat", type=int, default=3, metavar="N", help="runs of each; medians (default 3)")
    p.add_argument("--workers", type=int, default=4, metavar="N", help="fetching threads (default 4)")
    p.add_argument(
        "--latency", type=float, default=0.0, metavar="S", help="server wait before each page (default 0)"
    )
    args = p.parse_args(argv)
    r = run(args.pages, args.model, args.repeat, args.workers, args.latency)
    print(
        f"CPU: {r['cpu']}; model {r['model']}; {r['pages']} pages, {args.latency:g} s server latency each; "
        f"median of {r['runs']} runs"
    )
    print(f"local files : {r['local_s']:.2f} s")
    print(f"RSS feed    : {r['feed_s']:.2f} s  ({r['ratio']:.2f}x the local files)")
    print(
        f"overlap     : first batch embedded and stored at {r['first_batch_stored_s']:.2f} s, "
        f"last page sent by the server at {r['last_page_sent_s']:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
