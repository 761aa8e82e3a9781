"""Pure functions from an Answer to what the UI shows. Everything from an
article is escaped, so article text can never run as HTML, script or Markdown."""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse

from qa.types import Answer, Citation

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape_markdown(text: str) -> str:
    """Text that Markdown shows literally: HTML entities escaped, markup backslashed."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are shown as links."""
    if not url:
        return None
    return url if urlparse(url).scheme in ("http", "https") else None


def answer_markdown(answer: Answer) -> str:
    """The chat message: each cited sentence followed by its number."""
    if answer.abstained or not answer.citations:
        return escape_markdown(answer.answer)
    return " ".join(f"{escape_markdown(c.sentence)} **\\[{c.n}\\]**" for c in answer.citations)


def highlighted_passage(c: Citation) -> str:
    """The passage as HTML with the cited sentence in ``<mark>``."""
    a = max(0, c.start - c.passage_start)
    b = max(a, min(len(c.passage), c.end - c.passage_start))
    if c.passage[a:b] != c.sentence:  # offsets do not line up: never highlight the wrong text
        return html.escape(c.passage)
    return (
        html.escape(c.passage[:a])
        + "<mark>"
        + html.escape(c.passage[a:b])
        + "</mark>"
        + html.escape(c.passage[b:])
    )


def sources_html(answer: Answer) -> str:
    """The sources panel: one card per citation, then the uncited passages."""
    if not answer.citations:
        return "<p class='qa-empty'>No sources for this answer.</p>"
    cards = []
    for c in answer.citations:
        meta = " · ".join(html.escape(x) for x in (c.date, c.source) if x)
        url = safe_url(c.url)
        link = (
            f" · <a href='{html.escape(url)}' target='_blank' rel='noopener noreferrer'>link</a>"
            if url
            else ""
        )
        cards.append(
            f"<div class='qa-source' id='source-{c.n}'>"
            f"<div><b>[{c.n}] {html.escape(c.title)}</b></div>"
            f"<div class='qa-meta'>{meta}{link}</div>"
            f"<blockquote>{highlighted_passage(c)}</blockquote></div>"
        )
    return "\n".join(cards)
