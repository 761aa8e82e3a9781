"""Web pages: fetching (redirects, timeouts, size cap, content type, robots.txt,
politeness) and ingesting URLs, against a real server on 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from eval.loopback import Response, article_html
from index.sources.pages import canonical_url, url_slug
from index.sources.web import FEED_TYPES, USER_AGENT, Fetcher, FetchError, FetchSettings, is_url
from tests.webserver import ARTICLES, serving

FAST = FetchSettings(timeout=1.0, delay=0.0, max_mb=0.1)


@pytest.fixture
def web():
    with serving() as server:
        yield server


def fetch(web, path, settings=FAST, accept=None):
    fetcher = Fetcher(settings)
    return fetcher.fetch(web.url(path), accept) if accept else fetcher.fetch(web.url(path))


def test_redirect_chain_is_followed_to_the_page(web):
    page = fetch(web, "/hop/1")
    assert page.final_url == web.url("/news/1.html")
    assert page.url == web.url("/hop/1")
    assert b"Orchard report 1" in page.body


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/loop/a", "redirect loop"),
        ("/far/0", "more than 5 redirects"),
        ("/missing", "HTTP 404 Not Found"),
        ("/broken", "HTTP 500"),
        ("/slow.html", "timeout"),
        ("/huge.html", "too big"),
        ("/huge-unsized.html", "too big"),
        ("/data.json", "not HTML: content type is application/json"),
        ("/private/secret.html", "robots.txt of"),
    ],
)
def test_each_failure_says_why_in_one_line(web, path, reason):
    started = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(web, path)
    assert reason in str(err.value)
    assert "\n" not in str(err.value)
    assert time.monotonic() - started < 2.5  # the slow page is cut off at the timeout


def test_robots_txt_is_read_once_and_the_disallowed_page_never_requested(web):
    fetcher = Fetcher(FAST)
    with pytest.raises(FetchError):
        fetcher.fetch(web.url("/private/secret.html"))
    fetcher.fetch(web.url("/news/2.html"))
    assert web.requests("/private/secret.html") == 0
    assert web.requests("/robots.txt") == 1


def test_robots_txt_that_fails_skips_the_site_and_403_disallows_it(web):
    web.routes["/robots.txt"] = Response(500, b"oops")
    with pytest.raises(FetchError, match="could not be read"):
        fetch(web, "/news/1.html")
    web.routes["/robots.txt"] = Response(403, b"no")
    with pytest.raises(FetchError, match="disallows the site"):
        fetch(web, "/news/1.html")
    del web.routes["/robots.txt"]  # 404: everything allowed
    assert fetch(web, "/news/1.html").body


def test_crawl_delay_and_user_agent(web):
    robots = b"User-agent: article-qa\nCrawl-delay: 1\n"
    web.routes["/robots.txt"] = Response(body=robots, content_type="text/plain")
    fetcher = Fetcher(FetchSettings(delay=0.0))
    started = time.monotonic()
    for _ in range(2):
        fetcher.fetch(web.url("/news/3.html"))
    assert time.monotonic() - started >= 1.0  # robots.txt's Crawl-delay between the two
    assert set(web.agents) == {USER_AGENT} and USER_AGENT.startswith("article-qa/")


def test_politeness_delay_spaces_requests_to_one_host_across_threads(web):
    from concurrent.futures import ThreadPoolExecutor

    fetcher = Fetcher(FetchSettings(delay=0.2, timeout=2))
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(fetcher.fetch, [web.url(f"/news/{n}.html") for n in range(4)]))
    assert time.monotonic() - started >= 0.2 * 4  # robots.txt, then four pages, one at a time


def test_only_http_urls():
    with pytest.raises(FetchError, match="not a web address"):
        Fetcher(FAST).fetch("file:///etc/passwd")
    assert is_url("https://example.org/a") and not is_url("news/a.html")


def test_feed_content_types_are_accepted_for_feeds_only(web):
    assert fetch(web, "/feed.rss", accept=FEED_TYPES).content_type == "application/rss+xml"
    with pytest.raises(FetchError, match="not HTML"):
        fetch(web, "/feed.rss")


def test_canonical_url_and_slug():
    assert canonical_url("https://Ex.org/a.html#top", "https://ex.org/x?id=1") == "https://ex.org/a.html"
    assert canonical_url("https://other.org/a.html", "https://ex.org/b.html") == "https://ex.org/b.html"
    assert url_slug("https://ex.org/2025/03/steel-tariffs-rise.html") == "steel-tariffs-rise"
    assert url_slug("https://ex.org/") == "ex.org"


# -- ingesting URLs -----------------------------------------------------------------


def test_urls_are_ingested_with_metadata_and_failures_named(web, make_assistant):
    a = make_assistant(model="hash:64")
    bad = [
        "/missing",
        "/broken",
        "/slow.html",
        "/huge.html",
        "/image.html",
        "/private/secret.html",
        "/empty.html",
    ]
    urls = [web.url("/news/0.html"), web.url("/hop/1"), *map(web.url, bad)]
    report = a.add(urls, fetch=FAST)
    assert len(report.added) == 2
    assert sorted(p.path for p in report.rejected) == sorted(map(web.url, bad))
    reasons = {p.path.rsplit("/", 1)[-1]: p.reason for p in report.rejected}
    assert "binary content" in reasons["image.html"]
    assert "no title" in reasons["empty.html"] or "no article text" in reasons["empty.html"]
    (art,) = [x for x in a.articles() if x.url == web.url("/news/1.html")]
    assert art.origin == web.url("/hop/1")
    stored = a.article(art.id)
    assert stored.title.startswith("Orchard report 1")
    assert stored.date == "2025-03-02" and stored.author and stored.source == "Loopback News"
    assert "Most popular" not in stored.text and "Home" not in stored.text.split("\n")[0]


def test_refetching_an_unchanged_page_embeds_nothing_and_a_changed_one_replaces_it(web, make_assistant):
    a = make_assistant(model="hash:64")
    url = web.url("/news/2.html")
    first = a.add([url], fetch=FAST)
    assert len(first.added) == 1
    again = a.add([url], fetch=FAST)
    assert len(again.unchanged) == 1 and again.chunks_embedded == 0
    page = article_html(2, web.base).replace("Library report 2", "Library report 2 (updated)")
    page = page.replace("<p>In week 14", "<p>A correction was added on Tuesday.</p><p>In week 14")
    web.routes["/news/2.html"] = Response(body=page.encode())
    changed = a.add([url], fetch=FAST)
    assert len(changed.replaced) == 1 and changed.replaced[0]["id"] == first.added[0]["id"]
    assert a.counts().articles == 1
    assert "(updated)" in a.article(first.added[0]["id"]).title


def test_cli_ingest_url_prints_one_line_per_bad_url(web, tmp_path):
    from tests.conftest import run_qa

    index = tmp_path / "i"
    proc = run_qa(
        "ingest", web.url("/news/3.html"), web.url("/missing"), web.url("/loop/a"),
        "--index", index, "--model", "hash:64", "--delay", "0", "--timeout", "2", timeout=120,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("qa: rejected")]
    assert len(lines) == 2
    assert any(web.url("/missing") in ln and "HTTP 404" in ln for ln in lines)
    assert any(web.url("/loop/a") in ln and "redirect loop" in ln for ln in lines)
    assert "1 added" in proc.stdout


def test_library_tab_adds_pages_and_feeds_by_url_and_never_reads_a_path(web, make_assistant, tmp_path):
    from ui import library as lib

    a = make_assistant(model="hash:64")
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret notes\n\nNothing here should be read.\n")
    text = f"{web.url('/news/4.html')}\n{web.url('/missing')}\n{secret}"
    rows, summary = lib.add_urls(a, text)
    assert summary == "1 added, 2 rejected"
    assert any(r[:2] == [web.url("/news/4.html"), "added"] for r in rows)
    assert [str(secret), "rejected", "", "not a web address; give an http:// or https:// URL"] in rows
    assert any(r[0] == web.url("/missing") and r[3] == "HTTP 404 Not Found" for r in rows)
    rows, summary = lib.add_urls(a, web.url("/feed.rss"), feeds=True)
    assert summary == f"{len(ARTICLES) - 1} added, 1 unchanged"
    assert lib.add_urls(a, "  ")[1].startswith("Type one or more web addresses")


def test_connection_refused_and_dns_failure_are_named(monkeypatch):
    import socket

    monkeypatch.setenv("no_proxy", "127.0.0.1")  # never through a proxy: nothing leaves the machine
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    from index.sources.web import _network_reason

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the fetch: nothing listens there
    with pytest.raises(FetchError, match="connection refused"):
        Fetcher(FAST).fetch(f"http://127.0.0.1:{port}/a.html")
    # No test resolves a name (that would leave 127.0.0.1): the resolver's error is mapped as such.
    assert _network_reason(socket.gaierror(-2, "Name or service not known"), 1) == (
        "host not found (DNS lookup failed)"
    )


def test_library_tab_fetch_button_fills_each_of_its_outputs(web, make_assistant):
    from ui.app import build_app

    a = make_assistant(model="hash:64")
    app = build_app(a)
    (fn,) = [f for f in app.fns.values() if getattr(f.fn, "__name__", "") == "add_web"]
    out = fn.fn(web.url("/news/5.html"), False, 5, progress=lambda *args, **kwargs: None)
    assert len(out) == len(fn.outputs)
    assert "1 added" in out[0] and web.url("/news/5.html") in out[1] and out[2] == ""
