"""Files, URLs and feeds into one ingest: pages are fetched and extracted by a
thread pool while the ingest embeds what has already arrived.

A feed entry whose link and date (its *stamp*) match what was stored the last
time is not fetched: its stored article is handed to the ingest again, which
reports it unchanged and embeds nothing. Every URL, feed or entry that fails
becomes one :class:`~index.sources.readers.Problem` naming it; the rest is added.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from index.embed import Embedder
from index.ingest import IngestReport, ingest
from index.sources.article import Article
from index.sources.feeds import Entry, FeedError, parse
from index.sources.pages import Hint, PageError, fragment_article, page_article
from index.sources.readers import Problem
from index.sources.web import FEED_TYPES, Fetcher, FetchError, is_url
from index.storage.store import IndexStore

log = logging.getLogger(__name__)

MAX_SITEMAPS = 50  # sitemaps read from one sitemap index
IDLE_WAIT = 0.05  # seconds without a new page before the ingest embeds what it has


def ingest_sources(
    store: IndexStore,
    embedder: Embedder,
    sources: Iterable[str | Path],
    feeds: Iterable[str] = (),
    *,
    fetcher: Fetcher | None = None,
    progress: bool = False,
) -> IngestReport:
    """Add files, folders and page URLs (``sources``) and the entries of ``feeds``
    (RSS, Atom or sitemap URLs) in one ingest. Reuse one ``fetcher`` across calls to
    keep its robots.txt rules and its pauses per host."""
    sources = list(sources)
    urls = [str(s) for s in sources if isinstance(s, str) and is_url(s)]
    paths = [s for s in sources if not (isinstance(s, str) and is_url(s))]
    feeds = list(feeds)
    if not urls and not feeds:
        return ingest(store, embedder, paths, progress=progress)
    run = WebRun(store, fetcher or Fetcher(), progress)
    report = ingest(store, embedder, paths, progress=progress, stream=run.articles(urls, feeds))
    run.remember(report)
    return report


class WebRun:
    """One ingest's fetching: feeds read first, then pages in a pool of threads."""

    def __init__(self, store: IndexStore, fetcher: Fetcher, progress: bool = False) -> None:
        self.store = store
        self.fetcher = fetcher
        self.progress = progress
        self.fetched: dict[str, tuple[str, str]] = {}  # feed entry link -> (stamp, article id)

    def articles(self, urls: Iterable[str], feeds: Iterable[str]) -> Iterator[Article | Problem | None]:
        """Articles as their pages arrive (in no fixed order), a problem per failure, and
        None whenever nothing has arrived yet (a cue to embed what came so far)."""
        entries: dict[str, Entry] = {}
        for feed in feeds:
            found, problems = self.read_feed(feed)
            yield from problems
            for entry in found:
                entries.setdefault(entry.link, entry)
        known = self.store.fetched(entries)
        jobs: list[tuple[str, Hint | None, Entry | None]] = []
        for link, entry in entries.items():
            stamp, article_id = known.get(link, ("", ""))
            stored = self.store.article(article_id) if entry.stamp and stamp == entry.stamp else None
            if stored is not None:
                self.fetched[link] = (entry.stamp, stored.id)
                yield stored  # unchanged: no fetch, reported unchanged, nothing embedded
            elif entry.content is not None:
                yield self._remembered(entry, _fragment(entry))
            else:
                jobs.append((link, entry.hint, entry))
        jobs += [(url, None, None) for url in dict.fromkeys(urls)]
        yield from self._fetch_all(jobs)

    def read_feed(self, url: str) -> tuple[list[Entry], list[Problem]]:
        """The entries of one feed or sitemap (a sitemap index: of the sitemaps it names)."""
        todo, entries, problems, seen = [url], [], [], set()
        while todo and len(seen) <= MAX_SITEMAPS:
            current = todo.pop(0)
            seen.add(current)
            try:
                parsed = parse(self.fetcher.fetch(current, FEED_TYPES))
            except (FetchError, FeedError) as exc:
                problems.append(Problem(current, str(exc)))
                continue
            entries += parsed.entries
            todo += [s for s in parsed.sitemaps if s not in seen and s not in todo]
        return entries, problems

    def remember(self, report: IngestReport) -> None:
        """Keep the stamp of each feed entry whose article is now stored."""
        stored = {e["id"] for e in (*report.added, *report.replaced, *report.unchanged, *report.upgraded)}
        rows = [(link, stamp, aid) for link, (stamp, aid) in self.fetched.items() if stamp and aid in stored]
        if rows:
            self.store.record_fetched(rows)

    def _fetch_all(
        self, jobs: list[tuple[str, Hint | None, Entry | None]]
    ) -> Iterator[Article | Problem | None]:
        if not jobs:
            return
        bar = _bar(len(jobs), self.progress)
        workers = max(1, self.fetcher.settings.workers)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
        try:
            pending: dict[Future[Article | Problem], Entry | None] = {
                pool.submit(self._page, url, hint): entry for url, hint, entry in jobs
            }
            while pending:
                done, _ = wait(pending, timeout=IDLE_WAIT, return_when=FIRST_COMPLETED)
                if not done:
                    yield None  # the network is slow: the ingest embeds what it has meanwhile
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    entry = pending.pop(future)
                    if bar is not None:
                        bar.update(1)
                    item = future.result()
                    yield self._remembered(entry, item) if entry is not None else item
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            if bar is not None:
                bar.close()

    def _page(self, url: str, hint: Hint | None) -> Article | Problem:
        """Fetch and extract one page (in a worker thread)."""
        try:
            return page_article(self.fetcher.fetch(url), hint)
        except (FetchError, PageError) as exc:
            return Problem(url, str(exc))
        except Exception as exc:  # an extractor's own bug must not end the other pages' ingest
            log.warning("unexpected error reading %s", url, exc_info=True)
            return Problem(url, f"could not read the page ({type(exc).__name__}: {exc})"[:300])

    def _remembered(self, entry: Entry, item: Article | Problem) -> Article | Problem:
        if isinstance(item, Article):
            self.fetched[entry.link] = (entry.stamp, item.id)
        return item


def _fragment(entry: Entry) -> Article | Problem:
    try:
        return fragment_article(entry.link, entry.content or "", entry.hint)
    except PageError as exc:
        return Problem(entry.link, str(exc))


def _bar(total: int, enabled: bool) -> Any:
    if not enabled or total < 2:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="fetching", unit="page")
