"""Keep an index current: every so often, add what is new in some folders and
feeds, replace what changed, and remove articles whose files were deleted.

Each cycle is one ingest (files, then feed entries, see
:func:`index.sources.collect.ingest_sources`) followed by one removal
transaction, and ends in one log line. A source that fails (a folder that is
gone, a feed that answers 500) is reported in that line and tried again next
cycle; an error of the whole cycle (the index locked by another writer, a full
disk) is logged and the loop goes on. Articles are removed only for files
missing from a watched folder that itself still exists, so an unmounted drive
never empties the index. Feed entries that drop out of a feed are kept.
Stop it with :class:`threading.Event` ``stop`` (or KeyboardInterrupt, which
the command line raises on SIGTERM too): a cycle cut short keeps whole articles
only, since each batch is one SQLite transaction.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from index.embed import Embedder
from index.errors import QAError
from index.ingest import IngestReport
from index.sources.collect import ingest_sources
from index.sources.readers import printable
from index.sources.web import Fetcher, is_url
from index.storage.store import IndexStore

log = logging.getLogger(__name__)

_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)?\s*$", re.IGNORECASE)
_UNIT = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}


def parse_every(text: str) -> float:
    """Seconds from ``"90"``, ``"30s"``, ``"15m"``, ``"2h"`` or ``"1d"``; ValueError otherwise."""
    m = _EVERY.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not an interval; write e.g. 30s, 15m, 2h or 1d")
    seconds = float(m.group(1)) * _UNIT[(m.group(2) or "s").lower()]
    if seconds <= 0:
        raise ValueError(f"{text!r} is not an interval; it must be more than 0")
    return seconds


@dataclass(frozen=True)
class Cycle:
    """What one cycle did."""

    number: int
    started: datetime
    report: IngestReport | None = None
    removed: tuple[str, ...] = ()
    error: str | None = None
    problems: tuple[str, ...] = field(default=())

    def line(self) -> str:
        """One line for the log."""
        when = self.started.strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.error is not None:
            return f"{when} cycle {self.number} failed: {self.error}; trying again next cycle"
        r = self.report or IngestReport()
        text = (
            f"{when} cycle {self.number}: {len(r.added)} added, {len(r.replaced)} replaced, "
            f"{len(self.removed)} removed, {len(r.unchanged)} unchanged, {len(r.rejected)} failed; "
            f"{r.chunks_embedded} chunks embedded in {r.seconds:.1f} s"
        )
        if self.problems:
            text += " | " + " | ".join(self.problems)
        return text


def run_cycle(
    store: IndexStore, embedder: Embedder, sources: Iterable[str | Path], number: int, fetcher: Fetcher
) -> Cycle:
    """One cycle over ``sources`` (folders, files, and feed URLs)."""
    started = datetime.now(timezone.utc)
    sources = [str(s) for s in sources]
    feeds = [s for s in sources if is_url(s)]
    paths = [s for s in sources if not is_url(s)]
    try:
        report = ingest_sources(store, embedder, paths, feeds, fetcher=fetcher)
        gone = deleted_files(store, paths)
        if gone:
            store.apply(removals=gone)
    except QAError as exc:
        return Cycle(number, started, error=" ".join(str(exc).split()))
    except OSError as exc:
        return Cycle(number, started, error=printable(f"{exc.strerror or exc} ({exc.filename or ''})"))
    problems = tuple(str(p) for p in report.rejected)
    return Cycle(number, started, report, tuple(gone), problems=problems)


def deleted_files(store: IndexStore, paths: Iterable[str | Path]) -> list[str]:
    """Ids of stored articles read from a file inside a watched folder (or a watched
    file) that no longer exists, when that folder itself still exists."""
    roots = [Path(p).resolve() for p in paths]
    roots = [r for r in roots if r.is_dir() or r.parent.is_dir()]
    gone = []
    for art in store.articles():
        origin = art.origin
        if not origin or is_url(origin):
            continue
        path = Path(origin).resolve()
        inside = any(path == r or (r.is_dir() and path.is_relative_to(r)) for r in roots)
        if inside and not path.exists():
            gone.append(art.id)
    return gone


def watch(
    store: IndexStore,
    embedder: Embedder,
    sources: Iterable[str | Path],
    *,
    every: float,
    fetcher: Fetcher | None = None,
    say: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    cycles: int | None = None,
) -> int:
    """Run cycles every ``every`` seconds (counted from each cycle's start) until
    ``stop`` is set or ``cycles`` have run; ``say`` gets each cycle's line (default:
    the log). Returns the number of cycles run."""
    sources = list(sources)
    fetcher = fetcher or Fetcher()
    stop = stop or threading.Event()
    say = say or log.info
    done = 0
    while not stop.is_set():
        t0 = time.monotonic()
        done += 1
        say(run_cycle(store, embedder, sources, done, fetcher).line())
        if cycles is not None and done >= cycles:
            break
        stop.wait(max(0.0, every - (time.monotonic() - t0)))
    return done
