"""The command line's web options (``qa ingest --feed``, ``--timeout``, ``--delay``)
and the ``qa watch`` command. Only the command line (:mod:`ui.cli`, :mod:`ui.cliargs`)
imports this."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from index import FetchSettings, is_url

WATCH_EXAMPLES = (
    "examples:\n  qa watch news/ https://example.org/rss.xml --every 15m --index /srv/qa/index\n"
    "  qa watch ~/articles --every 30s --index /tmp/i --delay 2\n"
    "Stops cleanly on Ctrl-C or SIGTERM; see README 'Keeping an index current' for a systemd unit."
)

_DEFAULT = FetchSettings()


def add_fetch_options(p: argparse.ArgumentParser, feed: bool = True) -> None:
    """``--feed`` (when ``feed``), ``--timeout``, ``--delay``, ``--max-mb`` on a subcommand."""
    if feed:
        p.add_argument(
            "--feed",
            action="append",
            default=[],
            metavar="URL",
            help="an RSS or Atom feed or a (news) sitemap: its linked pages are added (repeat for more)",
        )
    p.add_argument(
        "--timeout",
        type=_positive,
        default=_DEFAULT.timeout,
        metavar="S",
        help=f"seconds to wait for each web page (default {_DEFAULT.timeout:g})",
    )
    p.add_argument(
        "--delay",
        type=_non_negative,
        default=_DEFAULT.delay,
        metavar="S",
        help=f"seconds between two requests to the same site (default {_DEFAULT.delay:g}; "
        "a longer Crawl-delay in its robots.txt wins)",
    )
    p.add_argument(
        "--max-mb",
        type=_positive,
        default=_DEFAULT.max_mb,
        metavar="MB",
        help=f"largest web page or feed read (default {_DEFAULT.max_mb:g} MB)",
    )


def fetch_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for :meth:`qa.Assistant.add` from the parsed options."""
    settings = FetchSettings(timeout=args.timeout, delay=args.delay, max_mb=args.max_mb)
    return {"feeds": list(args.feed), "fetch": settings}


def add_watch_options(p: argparse.ArgumentParser) -> None:
    """The arguments of ``qa watch`` (its ``--index`` comes with the subcommand)."""
    p.add_argument(
        "sources",
        nargs="+",
        metavar="FEED_OR_FOLDER",
        help="folders or files to keep in step, and RSS, Atom or sitemap URLs to follow",
    )
    p.add_argument(
        "--every",
        type=_interval,
        default="15m",
        metavar="INTERVAL",
        help="time between the starts of two cycles: 30s, 15m, 2h, 1d (default 15m)",
    )
    p.add_argument("--model", metavar="PATH", help="model for a new index (default: packaged MiniLM)")
    p.add_argument("--cycles", type=int, metavar="N", help="stop after N cycles (default: run until stopped)")
    add_fetch_options(p, feed=False)


def run_watch(args: argparse.Namespace) -> int:
    """``qa watch``: one line per cycle on stdout until Ctrl-C or SIGTERM, then exit 0."""
    import signal

    from qa.assistant import Assistant

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    sources = [s if is_url(s) else str(Path(s).resolve()) for s in args.sources]
    settings = FetchSettings(timeout=args.timeout, delay=args.delay, max_mb=args.max_mb)
    try:
        with Assistant.open(args.index, model=args.model, config=args.config) as assistant:
            print(
                f"qa: watching {len(sources)} source(s) every {args.every[1]} into {args.index}; "
                "stop with Ctrl-C or SIGTERM",
                file=sys.stderr,
                flush=True,
            )
            assistant.watch(
                sources, every=args.every[0], fetch=settings, say=lambda line: print(line, flush=True),
                cycles=args.cycles,
            )  # fmt: skip
    except KeyboardInterrupt:
        print("qa: watch stopped; the index holds every cycle's finished batches", file=sys.stderr)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _interval(text: str) -> tuple[float, str]:
    from index import parse_every

    try:
        return parse_every(text), text
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> float:
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more")
    return value
