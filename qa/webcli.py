"""The command line's web options (``qa ingest --feed``, ``--timeout``, ``--delay``)
and the ``qa watch`` command. Only :mod:`qa.cli` imports this."""

from __future__ import annotations

import argparse
from typing import Any

from index.sources.web import FetchSettings

_DEFAULT = FetchSettings()


def add_fetch_options(p: argparse.ArgumentParser) -> None:
    """``--feed``, ``--timeout``, ``--delay``, ``--max-mb`` on a subcommand."""
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
