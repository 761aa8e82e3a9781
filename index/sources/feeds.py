"""Feeds and sitemaps to entries: a link, a date, a title (and the full content
when a feed carries it).

RSS 0.9x/1.0/2.0 and Atom are read by feedparser; sitemaps (``<urlset>``, with
Google News' ``<news:news>`` extension, and ``<sitemapindex>`` naming further
sitemaps) by lxml with entities and network access off. An entry's *stamp* is
the date the feed gives it as written (Atom ``updated``, else ``published``;
sitemap ``lastmod``, else the news ``publication_date``): an entry whose link and
stamp match what was stored last time is not fetched again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any

from index.sources.pages import Hint
from index.sources.web import Page

MAX_ENTRIES = 2000  # per feed or sitemap
FULL_CONTENT_WORDS = 80  # a feed entry's own content counts as the article from this length
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


class FeedError(Exception):
    """Why a feed or sitemap gave no entries, in one plain line."""


@dataclass(frozen=True)
class Entry:
    """One item of a feed or sitemap."""

    link: str
    stamp: str = ""
    hint: Hint = field(default_factory=Hint)
    content: str | None = None  # HTML of the whole article, when the feed carries it


@dataclass(frozen=True)
class Parsed:
    """What one feed or sitemap document holds: entries, and further sitemaps to read."""

    entries: tuple[Entry, ...]
    sitemaps: tuple[str, ...] = ()
    kind: str = "feed"


def parse(page: Page) -> Parsed:
    """The entries of a fetched feed or sitemap, or :class:`FeedError`."""
    head = page.body[:4096]
    if b"<urlset" in head or b"<sitemapindex" in head:
        return _parse_sitemap(page)
    return _parse_feed(page)


def _parse_feed(page: Page) -> Parsed:
    import feedparser

    doc = feedparser.parse(page.body, response_headers={"content-location": page.final_url})
    if not doc.entries:
        problem = doc.get("bozo_exception")
        why = f" ({' '.join(str(problem).split())[:200]})" if doc.get("bozo") and problem else ""
        raise FeedError(f"not an RSS or Atom feed or a sitemap, or it has no entries{why}")
    source = _text(doc.feed.get("title"))
    entries = []
    for item in doc.entries[:MAX_ENTRIES]:
        link = _link(item)
        if not link:
            continue
        get = partial(dict.get, item)  # feedparser's own get maps 'updated' to 'published', with a warning
        stamp = _text(get("updated") or get("published"))
        parsed = get("published_parsed") or get("updated_parsed")
        date = datetime(*parsed[:6], tzinfo=timezone.utc).date().isoformat() if parsed else None
        hint = Hint(_text(item.get("title")) or None, date, _text(item.get("author")) or None, source or None)
        entries.append(Entry(link, stamp, hint, _full_content(item)))
    return Parsed(tuple(entries), kind="feed")


def _link(item: Any) -> str:
    link = item.get("link") or ""
    if not link:
        for candidate in item.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    return link.strip()


def _full_content(item: Any) -> str | None:
    """The entry's own HTML when it is long enough to be the article, else None."""
    import lxml.html

    for content in item.get("content") or []:
        value = content.get("value") or ""
        if not value.strip():
            continue
        try:
            words = len(lxml.html.fragment_fromstring(value, create_parent="div").text_content().split())
        except (ValueError, lxml.etree.ParserError):
            continue
        if words >= FULL_CONTENT_WORDS:
            return value
    return None


def _parse_sitemap(page: Page) -> Parsed:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(page.body, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"the sitemap is not well-formed XML ({exc})") from None
    tag = etree.QName(root).localname
    if tag == "sitemapindex":
        locs = [_text(s.findtext(f"{_SITEMAP_NS}loc")) for s in root.iter(f"{_SITEMAP_NS}sitemap")]
        return Parsed((), tuple(x for x in locs if x)[:MAX_ENTRIES], kind="sitemap index")
    if tag != "urlset":
        raise FeedError(f"not a feed or sitemap (its root element is <{tag}>)")
    entries = []
    for url in root.iter(f"{_SITEMAP_NS}url"):
        link = _text(url.findtext(f"{_SITEMAP_NS}loc"))
        if not link:
            continue
        news = url.find(f"{_NEWS_NS}news")
        published = _text(news.findtext(f"{_NEWS_NS}publication_date")) if news is not None else ""
        title = _text(news.findtext(f"{_NEWS_NS}title")) if news is not None else ""
        name = _text(news.findtext(f"{_NEWS_NS}publication/{_NEWS_NS}name")) if news is not None else ""
        stamp = _text(url.findtext(f"{_SITEMAP_NS}lastmod")) or published
        hint = Hint(title or None, published or None, None, name or None)
        entries.append(Entry(link, stamp, hint))
        if len(entries) >= MAX_ENTRIES:
            break
    if not entries:
        raise FeedError("the sitemap lists no pages")
    return Parsed(tuple(entries), kind="sitemap")


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())
