"""The loopback web server the web tests use (eval.loopback), with the bad cases
of issue 16 in its routes. A test module makes its fixture from :func:`serving`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from eval.loopback import LoopbackServer, Response, article_html, serve_articles

ARTICLES = list(range(6))
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def bad_routes(server: LoopbackServer) -> None:
    """Redirects (a chain and a loop), errors, a slow page, an oversized page, a
    binary file served as HTML, a page robots.txt disallows, a non-HTML page."""
    base = server.base
    r = server.routes
    r["/hop/1"] = Response(302, headers=(("Location", "/hop/2"),))
    r["/hop/2"] = Response(301, headers=(("Location", f"{base}/hop/3"),))
    r["/hop/3"] = Response(307, headers=(("Location", "/news/1.html"),))
    r["/loop/a"] = Response(302, headers=(("Location", "/loop/b"),))
    r["/loop/b"] = Response(302, headers=(("Location", "/loop/a"),))
    r["/far/0"] = Response(302, headers=(("Location", "/far/1"),))
    for i in range(1, 9):
        r[f"/far/{i}"] = Response(302, headers=(("Location", f"/far/{i + 1}"),))
    r["/broken"] = Response(500, b"<h1>Internal error</h1>")
    r["/slow.html"] = Response(body=article_html(40, base).encode(), delay=3.0)
    big = article_html(41, base, words=20_000).encode()  # about 150 KB: over a 0.1 MB cap
    r["/huge.html"] = Response(body=big)
    r["/huge-unsized.html"] = Response(body=big, length=False)
    r["/image.html"] = Response(body=PNG)
    r["/private/secret.html"] = Response(body=article_html(42, base).encode())
    r["/data.json"] = Response(body=b'{"a": 1}', content_type="application/json")
    r["/empty.html"] = Response(body=b"<html><body><nav>Home</nav></body></html>")


@contextmanager
def serving() -> Iterator[LoopbackServer]:
    """A loopback server with articles 0-5, the feeds, robots.txt and the bad routes."""
    with LoopbackServer() as server:
        serve_articles(server, ARTICLES)
        bad_routes(server)
        yield server
