"""A fetched page (or a feed entry's own content) to an :class:`~index.sources.article.Article`.

Main text and metadata come from trafilatura, as for local HTML files. The
article's identity is its canonical URL: ``<link rel="canonical">`` (or
``og:url``) when it names a page on the same host as the one fetched, else the
URL that answered after redirects. The id is ``<slug of the URL's last path
part>-<10 hex of the canonical URL>``, so it stays the same when the headline is
edited: a changed page replaces its article, an unchanged one is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from index.sources.article import Article, make_article_id
from index.sources.readers import normalize_date
from index.sources.web import Page
from index.text.sentences import clean_text

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"\x7fELF")
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre")


class PageError(Exception):
    """Why a page gave no article, in one plain line."""


@dataclass(frozen=True)
class Hint:
    """What a feed says about an entry, used where the page itself is silent."""

    title: str | None = None
    date: str | None = None
    author: str | None = None
    source: str | None = None


def page_article(page: Page, hint: Hint | None = None) -> Article:
    """The article in an HTML page, or :class:`PageError`."""
    import trafilatura

    text = decode_page(page)
    doc = trafilatura.bare_extraction(
        text, url=page.final_url, with_metadata=True, include_comments=False, include_tables=False
    )
    body = getattr(doc, "text", None) if doc is not None else None
    if not body:
        raise PageError("no article text found in the page")
    hint = hint or Hint()
    title = getattr(doc, "title", None) or hint.title or ""
    lines = body.split("\n")
    if lines and title and lines[0].strip() == title.strip():
        lines = lines[1:]
    canonical = canonical_url(getattr(doc, "url", None), page.final_url)
    return make_article(
        canonical,
        origin=page.url,
        title=title,
        body="\n\n".join(lines),
        date=getattr(doc, "date", None) or hint.date,
        author=getattr(doc, "author", None) or hint.author,
        source=getattr(doc, "sitename", None) or hint.source or urlsplit(canonical).hostname,
    )


def fragment_article(url: str, html: str, hint: Hint) -> Article:
    """An article from a feed entry that carries its full content as HTML."""
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, lxml.etree.ParserError) as exc:
        raise PageError(f"the entry's content is not readable HTML ({exc})") from None
    blocks = [" ".join(el.text_content().split()) for el in root.iter(*_BLOCKS)]
    body = "\n\n".join(b for b in blocks if b) or root.text_content()
    return make_article(
        canonical_url(None, url), origin=url, title=hint.title or "", body=body,
        date=hint.date, author=hint.author, source=hint.source or urlsplit(url).hostname,
    )  # fmt: skip


def make_article(
    canonical: str,
    *,
    origin: str,
    title: str,
    body: str,
    date: str | None,
    author: str | None,
    source: str | None,
) -> Article:
    """A cleaned :class:`Article` whose id depends on ``canonical`` alone."""
    title = " ".join(_safe(title).split())
    text = clean_text(_safe(body))
    if not title:
        raise PageError("no title found in the page")
    if not text:
        raise PageError("no article text left after removing page furniture")
    return Article(
        id=make_article_id(url_slug(canonical), canonical),
        title=title,
        text=text,
        date=normalize_date(date) if date else None,
        source=_meta(source),
        url=canonical,
        author=_meta(author),
        origin=origin,
    )


def decode_page(page: Page) -> str:
    """The page's text: binary content is refused whatever its content type says."""
    data = page.body
    if not data.strip():
        raise PageError("the page is empty")
    head = data[:8192]
    if data.startswith(_MAGIC) or b"\x00" in head:
        raise PageError(f"binary content, not HTML (served as {page.content_type or 'no type'})")
    text = None
    for enc in (page.charset, "utf-8"):
        if enc:
            try:
                text = data.decode(enc)
                break
            except (UnicodeDecodeError, LookupError):
                continue
    if text is None:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise PageError("the page is not text in any known encoding")
        text = str(best)
    sample = text[:20000]
    if len(_UNSAFE.findall(sample)) + sample.count("\ufffd") > len(sample) // 20:
        raise PageError(f"binary content, not HTML (served as {page.content_type or 'no type'})")
    return text


def canonical_url(declared: str | None, fetched: str) -> str:
    """The page's own canonical URL when it is on the fetched host, else the fetched
    URL; without its #fragment, scheme and host in lower case."""
    url = fetched
    if declared:
        d, f = urlsplit(declared.strip()), urlsplit(fetched)
        if d.scheme in ("http", "https") and (d.hostname or "") == (f.hostname or ""):
            url = declared.strip()
    p = urlsplit(url)
    return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path or "/", p.query, ""))


def url_slug(url: str) -> str:
    """The readable part of an article id: the URL's last path part without its
    extension (``/2024/05/steel-tariffs.html`` -> ``steel-tariffs``), else the host."""
    p = urlsplit(url)
    parts = [x for x in p.path.split("/") if x]
    last = re.sub(r"\.(s?html?|php|aspx?)$", "", parts[-1], flags=re.IGNORECASE) if parts else ""
    return last or p.hostname or "page"


def _safe(text: str) -> str:
    return _UNSAFE.sub(lambda m: "\ufffd" if "\ud800" <= m.group() <= "\udfff" else " ", text or "")


def _meta(value: str | None) -> str | None:
    return " ".join(_safe(str(value)).split())[:1000] or None if value else None
