"""Feeds and sitemaps: RSS 2.0, Atom and news sitemaps on a loopback server are
read, their linked pages ingested, and entries already stored skipped unfetched."""

from __future__ import annotations

import pytest

from eval.loopback import Response, article_html, rss, sitemap
from index.sources.feeds import FeedError, parse
from index.sources.web import Page
from tests.webserver import ARTICLES, serving


@pytest.fixture
def web():
    with serving() as server:
        yield server


@pytest.fixture
def fast():
    from index.sources.web import FetchSettings

    return FetchSettings(timeout=1.0, delay=0.0)


def pages_fetched(web):
    return [p for p in web.log if p.startswith("/news/")]


@pytest.mark.parametrize("feed", ["/feed.rss", "/feed.atom", "/sitemap.xml"])
def test_each_kind_of_feed_is_ingested_end_to_end(web, make_assistant, fast, feed):
    a = make_assistant(model="hash:64")
    report = a.add([], feeds=[web.url(feed)], fetch=fast)
    assert len(report.added) == len(ARTICLES) and not report.rejected
    assert sorted(pages_fetched(web)) == sorted(f"/news/{n}.html" for n in ARTICLES)
    titles = {x.title for x in a.articles()}
    assert "Harbour report 0: dockworkers weigh the future of cranes" in titles
    assert all(x.date and x.source == "Loopback News" for x in a.articles())


def test_rerunning_a_feed_fetches_only_the_feed_when_nothing_changed(web, make_assistant, fast):
    a = make_assistant(model="hash:64")
    a.add([], feeds=[web.url("/feed.rss")], fetch=fast)
    before = len(web.log)
    again = a.add([], feeds=[web.url("/feed.rss")], fetch=fast)
    assert web.log[before:] == ["/feed.rss"]  # robots.txt is kept for the day; no page is asked for
    assert len(again.unchanged) == len(ARTICLES) and again.chunks_embedded == 0


def test_a_changed_entry_is_fetched_again_and_replaces_its_article(web, make_assistant, fast):
    a = make_assistant(model="hash:64")
    a.add([], feeds=[web.url("/feed.rss")], fetch=fast)
    feed = rss(web.base, ARTICLES).replace(
        "Sat, 01 Mar 2025 09:30:00 +0000", "Sat, 01 Mar 2025 18:00:00 +0000"
    )
    web.routes["/feed.rss"] = Response(body=feed.encode(), content_type="application/rss+xml")
    page = article_html(0, web.base).replace(
        "<p>In week 0", "<p>This story was updated at six.</p><p>In week 0"
    )
    web.routes["/news/0.html"] = Response(body=page.encode())
    before = len(web.log)
    report = a.add([], feeds=[web.url("/feed.rss")], fetch=fast)
    assert web.log[before:] == ["/feed.rss", "/news/0.html"]
    assert [e["title"] for e in report.replaced] == [
        "Harbour report 0: dockworkers weigh the future of cranes"
    ]
    assert a.counts().articles == len(ARTICLES)


def test_a_removed_article_is_fetched_again(web, make_assistant, fast):
    a = make_assistant(model="hash:64")
    first = a.add([], feeds=[web.url("/feed.atom")], fetch=fast)
    a.remove(first.added[0]["id"])
    before = len(web.log)
    report = a.add([], feeds=[web.url("/feed.atom")], fetch=fast)
    assert len(web.log[before:]) == 2 and len(report.added) == 1


def test_full_content_feed_needs_no_page_fetch(web, make_assistant, fast):
    web.routes["/full.rss"] = Response(
        body=rss(web.base, [7, 8], full=True).encode(), content_type="text/xml"
    )
    a = make_assistant(model="hash:64")
    report = a.add([], feeds=[web.url("/full.rss")], fetch=fast)
    assert len(report.added) == 2 and not pages_fetched(web)
    art = a.article(report.added[0]["id"])
    assert art.url == web.url(f"/news/{art.title.split()[2].rstrip(':')}.html")
    assert art.date and art.source == "Loopback News" and "said" in art.text


def test_bad_feeds_and_bad_entries_are_one_line_each_and_the_rest_is_added(web, make_assistant, fast):
    links = "".join(
        f"<item><title>Bad {p}</title><link>{web.base}{p}</link></item>" for p in ("/missing", "/image.html")
    )
    feed = rss(web.base, [1, 2]).replace("</channel>", links + "</channel>")
    web.routes["/mixed.rss"] = Response(body=feed.encode(), content_type="application/rss+xml")
    web.routes["/not-a-feed.xml"] = Response(body=b"<html><p>hello</p></html>", content_type="text/xml")
    a = make_assistant(model="hash:64")
    report = a.add(
        [], feeds=[web.url("/mixed.rss"), web.url("/gone.rss"), web.url("/not-a-feed.xml")], fetch=fast
    )
    assert len(report.added) == 2
    reasons = {p.path.removeprefix(web.base): p.reason for p in report.rejected}
    assert reasons.keys() == {"/missing", "/image.html", "/gone.rss", "/not-a-feed.xml"}
    assert reasons["/gone.rss"] == "HTTP 404 Not Found"
    assert "not an RSS or Atom feed" in reasons["/not-a-feed.xml"]


def test_sitemap_index_leads_to_its_sitemaps(web, make_assistant, fast):
    index = (
        "<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"<sitemap><loc>{web.base}/sitemap.xml</loc></sitemap>"
        f"<sitemap><loc>{web.base}/sitemap-2.xml</loc></sitemap></sitemapindex>"
    )
    web.routes["/sitemap-index.xml"] = Response(body=index.encode(), content_type="application/xml")
    web.routes["/sitemap-2.xml"] = Response(
        body=sitemap(web.base, [3]).encode(), content_type="application/xml"
    )
    a = make_assistant(model="hash:64")
    report = a.add([], feeds=[web.url("/sitemap-index.xml")], fetch=fast)
    assert len(report.added) == len(ARTICLES) and not report.rejected


def test_parse_refuses_what_is_not_a_feed():
    page = Page("http://127.0.0.1/x", "http://127.0.0.1/x", "text/xml", None, b"<?xml version='1.0'?><a/>")
    with pytest.raises(FeedError):
        parse(page)
    entity = b"<?xml version='1.0'?><!DOCTYPE u [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>&e;</loc></url></urlset>"
    with pytest.raises(FeedError):
        parse(Page("http://127.0.0.1/s", "http://127.0.0.1/s", "text/xml", None, entity))


def test_an_interrupted_feed_ingest_keeps_whole_articles_and_a_rerun_finishes(
    web, make_assistant, fast, monkeypatch
):
    import index.sources.collect as collect

    items = list(range(40))
    web.routes["/big.rss"] = Response(body=rss(web.base, items).encode(), content_type="application/rss+xml")
    for n in items:
        web.routes[f"/news/{n}.html"] = Response(body=article_html(n, web.base).encode())
    real, calls = collect.page_article, []

    def flaky(page, hint=None):
        calls.append(page.url)
        if len(calls) == 25:
            raise KeyboardInterrupt
        return real(page, hint)

    monkeypatch.setattr(collect, "page_article", flaky)
    a = make_assistant(model="hash:64")
    with pytest.raises(KeyboardInterrupt):
        a.add([], feeds=[web.url("/big.rss")], fetch=fast)
    stored = a.articles()
    assert len(stored) < 40
    assert all(x.chunks > 0 for x in stored)  # whole articles only: each with its chunks
    assert a.counts().chunks == sum(x.chunks for x in stored)
    monkeypatch.setattr(collect, "page_article", real)
    report = a.add([], feeds=[web.url("/big.rss")], fetch=fast)
    assert len(report.added) + len(report.unchanged) == 40 and a.counts().articles == 40


def test_cli_feed_ingest_reports_each_bad_source_and_reruns_unchanged(web, tmp_path):
    from tests.conftest import run_qa

    index = tmp_path / "i"
    args = ("--index", index, "--model", "hash:64", "--delay", "0", "--timeout", "2")
    proc = run_qa(
        "ingest", "--feed", web.url("/feed.rss"), "--feed", web.url("/gone.xml"), *args, timeout=120
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.strip().splitlines() == [f"qa: rejected {web.url('/gone.xml')}: HTTP 404 Not Found"]
    assert f"{len(ARTICLES)} added" in proc.stdout
    pages = len(pages_fetched(web))
    again = run_qa("ingest", "--feed", web.url("/feed.rss"), *args, timeout=120)
    assert again.returncode == 0 and f"{len(ARTICLES)} unchanged" in again.stdout
    assert len(pages_fetched(web)) == pages  # a new process asks for robots.txt and the feed, no page
    assert run_qa("ingest", *args).returncode == 2


@pytest.mark.slow
def test_a_question_about_a_fetched_feed_cites_the_page(web, tmp_path, minilm, fast):
    from qa import Assistant

    with Assistant.open(tmp_path / "real", embedder=minilm) as a:
        a.add([], feeds=[web.url("/feed.atom")], fetch=fast)
        answer = a.ask("How many years has Ada Brandt worked at the library?")
        assert answer.citations and answer.citations[0].url == web.url("/news/2.html")
        assert "worked at the library" in answer.citations[0].sentence


def test_pages_are_embedded_while_slow_pages_are_still_being_fetched(web, make_assistant):
    import time
    from dataclasses import replace

    from index.sources.web import FetchSettings

    for n in ARTICLES:
        web.routes[f"/news/{n}.html"] = replace(web.routes[f"/news/{n}.html"], delay=0.2)
    a = make_assistant(model="hash:64")
    stored, apply = [], a.store.apply
    a.store.apply = lambda *args, **kwargs: (stored.append(time.perf_counter()), apply(*args, **kwargs))[1]
    a.add([], feeds=[web.url("/feed.rss")], fetch=FetchSettings(delay=0.0, timeout=2, workers=1))
    asked = [t for p, t in zip(web.log, web.times, strict=True) if p.startswith("/news/")]
    assert len(asked) == len(ARTICLES) and len(stored) >= 2
    assert stored[0] < asked[-1]  # the first batch was stored before the last page was asked for
