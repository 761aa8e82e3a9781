"""A small web server on 127.0.0.1 for tests and the feed benchmark: HTML
articles, an RSS and an Atom feed, a news sitemap, and whatever else a caller
puts in its routes. It logs every request path, so a test can count fetches.
Nothing here reaches beyond the loopback interface."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

_TOPICS = (
    ("harbour", "dockworkers", "cranes", "cargo", "tides"),
    ("orchard", "growers", "frost", "cider", "pickers"),
    ("library", "archivists", "manuscripts", "readers", "shelves"),
    ("railway", "signallers", "timetables", "sleepers", "freight"),
    ("observatory", "astronomers", "comets", "mirrors", "nights"),
    ("bakery", "millers", "sourdough", "ovens", "flour"),
    ("vineyard", "vintners", "harvest", "cellars", "barrels"),
)
_NAMES = (
    "Ada Brandt", "Tomas Okafor", "Lena Kovac", "Ravi Menon", "Ines Varga", "Greta Hollis", "Omar Haddad"
)  # fmt: skip


@dataclass(frozen=True)
class Response:
    """What a route answers: status, headers, body; ``delay`` seconds before answering."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    length: bool = True  # send Content-Length


Route = Response | Callable[[], Response]
_NO_PROXY = ("no_proxy", "NO_PROXY")


class LoopbackServer:
    """``ThreadingHTTPServer`` on 127.0.0.1, port chosen by the system, in a daemon thread."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[str] = []
        self.agents: list[str] = []  # the User-Agent of each request
        self.times: list[float] = []  # time.perf_counter() at each request
        self.sent: list[tuple[str, float]] = []  # (path, time.perf_counter()) once each answer is sent
        self._log_lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                with server._log_lock:
                    server.log.append(self.path)
                    server.agents.append(self.headers.get("User-Agent", ""))
                    server.times.append(time.perf_counter())
                route = server.routes.get(self.path)
                resp = route() if callable(route) else route
                if resp is None:
                    resp = Response(404, b"<h1>Not found</h1>")
                if resp.delay:
                    time.sleep(resp.delay)
                try:
                    self.send_response(resp.status)
                    if resp.content_type:
                        self.send_header("Content-Type", resp.content_type)
                    if resp.length:
                        self.send_header("Content-Length", str(len(resp.body)))
                    for k, v in resp.headers:
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(resp.body)
                    with server._log_lock:
                        server.sent.append((self.path, time.perf_counter()))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout, size cap): expected

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def requests(self, path: str | None = None) -> int:
        """How many requests were made (for ``path`` only, when given)."""
        with self._log_lock:
            return len(self.log) if path is None else self.log.count(path)

    def __enter__(self) -> LoopbackServer:
        """Serve; meanwhile 127.0.0.1 bypasses any proxy named in the environment (urllib
        reads ``http_proxy``), so no request to this server can leave the machine."""
        self._saved = {k: os.environ.get(k) for k in _NO_PROXY}
        for k in _NO_PROXY:
            os.environ[k] = "127.0.0.1,localhost"
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        for k, v in self._saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def article_text(n: int, words: int = 450) -> tuple[str, list[str]]:
    """A headline and paragraphs for article ``n``: plain, varied, never repeated."""
    place, people, thing, other, time_word = _TOPICS[n % len(_TOPICS)]
    name = _NAMES[(n // len(_TOPICS)) % len(_NAMES)]
    title = f"{place.title()} report {n}: {people} weigh the future of {thing}"
    paras: list[str] = []
    count, i = 0, 0
    while count < words:
        s = (
            f"In week {n * 7 + i} the {people} at the {place} counted {n * 13 + i * 7} {thing} and "
            f"noted how the {other} changed with the {time_word}. "
            f"“We have seen {i + n} seasons like this one, and the {thing} always tell us something new,” "
            f"said {name}, who has worked at the {place} for {n % 30 + i} years. "
            f"Local officials said a decision on the {other} budget of {n * 1000 + i * 37} euros "
            f"would come before the end of the month."
        )
        paras.append(s)
        count += len(s.split())
        i += 1
    return title, paras


def article_html(n: int, base: str, *, words: int = 450, day: int | None = None) -> str:
    """A complete news page (with page furniture) for article ``n``, canonical URL on ``base``."""
    title, paras = article_text(n, words)
    when = _day(n if day is None else day)
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)} | Loopback News</title>"
        f"<link rel='canonical' href='{base}/news/{n}.html'>"
        f"<meta property='og:site_name' content='Loopback News'>"
        f"<meta name='author' content='{escape(_NAMES[n % len(_NAMES)])}'>"
        f"<meta property='article:published_time' content='{when.isoformat()}'>"
        "</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{escape(title)}</h1>{body}</article>"
        "<footer><p>Most popular</p><p>Subscribe</p></footer></body></html>"
    )


def rss(base: str, items: list[int], *, full: bool = False, words: int = 450) -> str:
    """An RSS 2.0 feed of the articles ``items`` (``full``: with content:encoded)."""
    out = []
    for n in items:
        title, paras = article_text(n, words)
        content = ""
        if full:
            html = "".join(f"<p>{escape(p)}</p>" for p in paras)
            content = f"<content:encoded><![CDATA[{html}]]></content:encoded>"
        out.append(
            f"<item><title>{escape(title)}</title><link>{base}/news/{n}.html</link>"
            f"<pubDate>{format_datetime(_day(n))}</pubDate><guid>{base}/news/{n}.html</guid>"
            f"<description>{escape(paras[0][:120])}</description>{content}</item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0' "
        "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel>"
        f"<title>Loopback News</title><link>{base}/</link><description>Test feed</description>"
        + "".join(out)
        + "</channel></rss>"
    )


def atom(base: str, items: list[int]) -> str:
    """An Atom feed of the articles ``items`` (summaries only)."""
    out = []
    for n in items:
        title, paras = article_text(n)
        out.append(
            f"<entry><title>{escape(title)}</title><link rel='alternate' href='{base}/news/{n}.html'/>"
            f"<id>tag:loopback,2025:{n}</id><updated>{_day(n).isoformat()}</updated>"
            f"<summary>{escape(paras[0][:120])}</summary></entry>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Loopback Atom</title><id>tag:loopback,2025:feed</id><updated>{_day(0).isoformat()}</updated>"
        + "".join(out)
        + "</feed>"
    )


def sitemap(base: str, items: list[int]) -> str:
    """A Google News sitemap of the articles ``items``."""
    out = []
    for n in items:
        title, _ = article_text(n)
        out.append(
            f"<url><loc>{base}/news/{n}.html</loc><news:news><news:publication><news:name>Loopback News"
            "</news:name><news:language>en</news:language></news:publication>"
            f"<news:publication_date>{_day(n).isoformat()}</news:publication_date>"
            f"<news:title>{escape(title)}</news:title></news:news></url>"
        )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
        "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>" + "".join(out) + "</urlset>"
    )


def serve_articles(server: LoopbackServer, items: list[int], **kwargs: Any) -> None:
    """Put articles ``items`` at ``/news/N.html``, and the feeds at ``/feed.rss``,
    ``/feed.atom`` and ``/sitemap.xml``; robots.txt allows all but ``/private/``."""
    base = server.base
    for n in items:
        server.routes[f"/news/{n}.html"] = Response(body=article_html(n, base, **kwargs).encode())
    r = server.routes
    r["/feed.rss"] = Response(body=rss(base, items).encode(), content_type="application/rss+xml")
    r["/feed.atom"] = Response(body=atom(base, items).encode(), content_type="application/atom+xml")
    r["/sitemap.xml"] = Response(body=sitemap(base, items).encode(), content_type="application/xml")
    server.routes["/robots.txt"] = Response(
        body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )


def _day(n: int) -> datetime:
    return datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc) + timedelta(days=n % 200, minutes=n)
