"""Fetching web pages politely: one :class:`Fetcher` per run.

What it does for every request, in order:

* only ``http`` and ``https`` URLs;
* robots.txt: fetched once per host (``scheme://host/robots.txt``) and kept for a day
  (a failure for ten minutes; with ``robots_file``, a file beside the index, the rules
  last across processes too, so a rerun of the same feed asks for the feed alone),
  read with :mod:`urllib.robotparser` for our User-Agent token
  (``article-qa``). A missing robots.txt (404 and other 4xx) allows everything;
  401/403 disallow the whole host (as :mod:`urllib.robotparser` does); a robots.txt
  that cannot be fetched (5xx, timeout, no such host) disallows the host for this
  run, the conservative reading of RFC 9309. Its ``Crawl-delay`` raises the
  delay for that host;
* a delay between two requests to the same host (``FetchSettings.delay``), kept
  across threads, so a pool of fetchers never hammers one site;
* redirects followed by hand, up to ``max_redirects``, each hop checked against
  robots.txt; a redirect back to a URL already visited is reported as a loop;
* a timeout per request for connecting and for each read, and the same figure as
  a limit on the whole transfer (a page that trickles bytes is cut off);
* a size cap (``max_mb``): by ``Content-Length`` before reading, else while reading;
* the content type checked against what the caller expects (HTML for pages,
  XML for feeds and sitemaps).

Every failure is a :class:`FetchError` whose message is one plain line.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urljoin, urlsplit

log = logging.getLogger(__name__)

AGENT_TOKEN = "article-qa"
USER_AGENT = f"{AGENT_TOKEN}/0.1 (offline article question answering; reads pages once, obeys robots.txt)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("xml", "rss", "atom", "text/plain")  # substrings: application/rss+xml, text/xml, ...
_CHUNK = 64 * 1024
ROBOTS_TTL = 24 * 3600.0  # seconds a host's robots.txt is kept (RFC 9309 allows a day)
ROBOTS_RETRY = 600.0  # seconds before a robots.txt that failed is asked for again
Robots = urllib.robotparser.RobotFileParser | str  # a host's rules, or why it is skipped


@dataclass(frozen=True)
class FetchSettings:
    """How pages are fetched. ``delay`` is the pause between two requests to one host."""

    timeout: float = 15.0
    max_mb: float = 10.0
    max_redirects: int = 5
    delay: float = 1.0
    workers: int = 4
    user_agent: str = USER_AGENT

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)


@dataclass(frozen=True)
class Page:
    """A fetched response: the URL asked for, the one that answered, and the body."""

    url: str
    final_url: str
    content_type: str
    charset: str | None
    body: bytes


class FetchError(Exception):
    """Why one URL could not be fetched, in one plain line."""


class Fetcher:
    """Fetches URLs under one :class:`FetchSettings`; safe to share between threads."""

    def __init__(self, settings: FetchSettings | None = None, robots_file: Path | None = None) -> None:
        self.settings = settings or FetchSettings()
        self.robots_file = robots_file
        self._kept = _read_kept(robots_file)  # host -> (kind, robots.txt text or why refused, until)
        self._opener = urllib.request.build_opener(_NoRedirect())
        self._robots: dict[str, tuple[urllib.robotparser.RobotFileParser | str, float]] = {}
        self._robots_lock = threading.Lock()
        self._robots_locks: dict[str, threading.Lock] = {}
        self._host_locks: dict[str, threading.Lock] = {}
        self._next_time: dict[str, float] = {}
        self._hosts_lock = threading.Lock()
        self.requests = 0  # how many requests were sent (robots.txt included)

    def fetch(self, url: str, accept: tuple[str, ...] = HTML_TYPES) -> Page:
        """The page at ``url`` after redirects, or :class:`FetchError` saying why not."""
        seen = [url]
        current = url
        for _ in range(self.settings.max_redirects + 1):
            _check_scheme(current)
            self._check_robots(current)
            location, page = self._get(current, accept)
            if page is not None:
                return Page(url, page.final_url, page.content_type, page.charset, page.body)
            nxt = urljoin(current, location)
            if nxt in seen:
                raise FetchError(f"redirect loop ({current} sends back to {nxt})")
            seen.append(nxt)
            current = nxt
        raise FetchError(f"more than {self.settings.max_redirects} redirects (last to {current})")

    # -- one request --------------------------------------------------------
    def _get(self, url: str, accept: tuple[str, ...]) -> tuple[str, Page | None]:
        """``(redirect location, None)`` or ``("", page)``."""
        s = self.settings
        request = urllib.request.Request(url, headers={"User-Agent": s.user_agent, "Accept": _accept(accept)})
        self._wait_turn(url)
        deadline = time.monotonic() + s.timeout
        try:
            with self._opener.open(request, timeout=s.timeout) as resp:
                return "", self._read(url, resp, accept, deadline)
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302, 303, 307, 308):
                location = exc.headers.get("Location")
                exc.close()
                if not location:
                    raise FetchError(f"HTTP {exc.code} redirect without a Location") from None
                return location, None
            exc.close()
            raise FetchError(f"HTTP {exc.code} {exc.reason}".strip()) from None
        except urllib.error.URLError as exc:
            raise FetchError(_network_reason(exc.reason, s.timeout)) from None
        except TimeoutError:
            raise FetchError(f"no answer within {s.timeout:g} s (timeout)") from None
        except (OSError, ValueError) as exc:  # a connection reset mid-read, a malformed URL
            raise FetchError(_network_reason(exc, s.timeout)) from None

    def _read(self, url: str, resp: object, accept: tuple[str, ...], deadline: float) -> Page:
        s = self.settings
        headers: Message = resp.headers  # type: ignore[attr-defined]
        ctype = headers.get_content_type() if headers.get("Content-Type") else ""
        if accept and not any(a in ctype for a in accept):
            wanted = "HTML" if accept == HTML_TYPES else "a feed or sitemap (XML)"
            raise FetchError(f"not {wanted}: content type is {ctype or 'missing'}")
        length = headers.get("Content-Length")
        if length and length.isdigit() and int(length) > s.max_bytes:
            raise FetchError(f"too big: {int(length) / 1024 / 1024:.1f} MB, over the {s.max_mb:g} MB limit")
        parts: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise FetchError(f"no complete answer within {s.timeout:g} s (timeout)")
            part = resp.read(_CHUNK)  # type: ignore[attr-defined]
            if not part:
                break
            size += len(part)
            if size > s.max_bytes:
                raise FetchError(f"too big: over the {s.max_mb:g} MB limit")
            parts.append(part)
        final = resp.geturl()  # type: ignore[attr-defined]
        return Page(url, final, ctype, headers.get_content_charset(), b"".join(parts))

    # -- politeness ----------------------------------------------------------
    def _wait_turn(self, url: str) -> None:
        """Sleep until this host may be asked again; requests to one host go one at a time."""
        host = _host(url)
        with self._hosts_lock:
            lock = self._host_locks.setdefault(host, threading.Lock())
        with lock:
            pause = self._next_time.get(host, 0.0) - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self._next_time[host] = time.monotonic() + self._delay(host)
        with self._hosts_lock:
            self.requests += 1

    def _delay(self, host: str) -> float:
        robots = self._robots.get(host, ("", 0.0))[0]
        crawl = robots.crawl_delay(AGENT_TOKEN) if not isinstance(robots, str) else None
        return max(self.settings.delay, float(crawl or 0))

    def _check_robots(self, url: str) -> None:
        host = _host(url)
        with self._robots_lock:
            lock = self._robots_locks.setdefault(host, threading.Lock())
        with lock:  # one robots.txt request per host; other hosts go on meanwhile
            robots, until = self._robots.get(host, ("", 0.0))
            if time.monotonic() >= until:
                robots, ttl = self._kept_robots(url, host) or self._fresh_robots(url, host)
                self._robots[host] = (robots, time.monotonic() + ttl)
        if isinstance(robots, str):
            raise FetchError(robots)
        if not robots.can_fetch(AGENT_TOKEN, url):
            raise FetchError(f"robots.txt of {host} disallows this page for {AGENT_TOKEN}")

    def _kept_robots(self, url: str, host: str) -> tuple[Robots, float] | None:
        """The rules kept in ``robots_file`` for ``host`` while they are fresh."""
        kept = self._kept.get(host)
        left = (kept[2] - time.time()) if kept else 0.0
        if kept is None or left <= 0:
            return None
        kind, text = kept[0], kept[1]
        if kind == "refused":
            return text, left
        parts = urlsplit(url)
        parser = urllib.robotparser.RobotFileParser(f"{parts.scheme}://{parts.netloc}/robots.txt")
        parser.parse(text.splitlines())
        return parser, left

    def _fresh_robots(self, url: str, host: str) -> tuple[Robots, float]:
        """The host's rules fetched now (kept in ``robots_file`` unless the fetch failed)."""
        robots, text = self._load_robots(url)
        if isinstance(robots, str) and text is None:
            return robots, ROBOTS_RETRY  # could not be read: asked again in ten minutes, never kept
        until = time.time() + ROBOTS_TTL
        refused = isinstance(robots, str)
        self._kept[host] = ("refused", robots, until) if refused else ("rules", text or "", until)
        _write_kept(self.robots_file, self._kept)
        return robots, ROBOTS_TTL

    def _load_robots(self, url: str) -> tuple[urllib.robotparser.RobotFileParser | str, str | None]:
        """The host's rules and the robots.txt text they came from; or (a string) why the
        host is skipped, with text "" when that is the host's answer (401/403) and None
        when the file could not be read at all."""
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        text = ""
        try:
            _, page = self._get(robots_url, ())
            text = (page.body if page else b"").decode("utf-8", errors="replace")
            parser.parse(text.splitlines())
        except FetchError as exc:
            reason = str(exc)
            if reason.startswith(("HTTP 401", "HTTP 403")):
                return f"robots.txt of {parts.netloc} is refused ({reason}), which disallows the site", ""
            if not reason.startswith("HTTP 4"):
                why = f"robots.txt of {parts.netloc} could not be read ({reason}); site skipped this run"
                return why, None
            parser.parse([])  # no robots.txt: everything allowed
            text = ""
        return parser, text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as HTTPError so that :class:`Fetcher` follows them itself."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FetchError("not a web address; give an http:// or https:// URL")


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _accept(accept: tuple[str, ...]) -> str:
    if accept == HTML_TYPES:
        return "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
    if accept:
        return "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1"
    return "*/*"


def _network_reason(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s (timeout)"
    if isinstance(reason, socket.gaierror):
        return "host not found (DNS lookup failed)"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error: {reason.reason or reason}"
    text = " ".join(str(getattr(reason, "strerror", None) or reason).split())
    return f"network error: {text}"[:300]


def _read_kept(path: Path | None) -> dict[str, tuple[str, str, float]]:
    """The robots.txt rules kept in ``path`` (a damaged or missing file keeps none)."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(h): (str(v[0]), str(v[1]), float(v[2])) for h, v in data.items()}
    except (OSError, ValueError, TypeError, IndexError, AttributeError):
        return {}


def _write_kept(path: Path | None, kept: dict[str, tuple[str, str, float]]) -> None:
    """Save the rules that are still fresh (written atomically; a failure only logs)."""
    if path is None:
        return
    from index.storage.files import atomic_write_json

    now = time.time()
    try:
        atomic_write_json(path, {h: list(v) for h, v in kept.items() if v[2] > now})
    except OSError as exc:
        log.warning("could not keep robots.txt rules in %s (%s); asked for again next run", path, exc)


def is_url(text: str) -> bool:
    """Whether ``text`` is an http(s) address rather than a file path."""
    return str(text).lower().startswith(("http://", "https://"))
