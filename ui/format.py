"""Pure functions from an :class:`~qa.types.Answer` to what the UI shows.

Everything that comes from an article (text, title, date, source, url) is
escaped here, so article text can never run as HTML, script or Markdown. The
only markup in the output is what these functions write themselves."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from qa.citations import around, named_subject, shown, speaker_label
from qa.types import Answer, Citation, Passage

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")
_CITE_REF = re.compile(r"^(\d{1,6})-(\d{1,4})$")
SNIPPET_CHARS = 220  # context shown either side of a cited sentence


def escape_markdown(text: str) -> str:
    """Text that Markdown shows literally: HTML entities escaped, markup backslashed."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def safe_url(url: str | None) -> str | None:
    """Only http(s) links with a host are shown as links."""
    if not url:
        return None
    parts = urlparse(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


# -- the chat message -------------------------------------------------------
def cite_ref(turn: int, n: int) -> str:
    """The reference a citation link carries: ``"<turn>-<n>"``."""
    return f"{turn}-{n}"


def parse_cite_ref(ref: str) -> tuple[int, int] | None:
    """``(turn, n)`` from :func:`cite_ref`'s text, or None when it is not one."""
    m = _CITE_REF.match((ref or "").strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def cite_link(turn: int, n: int) -> str:
    """The clickable ``[n]`` after a cited sentence. Chat Markdown keeps only
    ``class``, ``href`` and ``title``, so the reference travels in ``href``."""
    return f"<a class='qa-cite' href='#qa-src-{cite_ref(turn, n)}' title='Show source {n}'>[{n}]</a>"


def answer_parts(answer: Answer, turn: int = 0) -> list[str]:
    """The chat message as pieces that stream in one after the other: each cited
    sentence with its number (a quote that says "he said" led by its speaker's name),
    under a "Not sure" line when the answer is tentative; or the decline in plain words,
    pointing at the closest passages."""
    if answer.abstained or not answer.citations:
        text = escape_markdown(answer.note or answer.answer)
        if answer.passages:
            text += " _" + escape_markdown("The closest passages are under Sources.") + "_"
        return [text]
    cites = answer.citations
    parts = [f"{_labelled(c, *around(cites, i))} {cite_link(turn, c.n)}" for i, c in enumerate(cites)]
    if answer.status == "tentative":
        note = escape_markdown(answer.note or "These sentences may not answer the question.")
        parts[0] = f"**Not sure:** _{note}_\n\n{parts[0]}"
    return parts


def _labelled(c: Citation, before: Citation | None = None, after: Citation | None = None) -> str:
    """The cited sentence, escaped, with its speaker's name where the sentence names them
    only as "he" or "she" (once per quotation: :func:`qa.citations.labelled`), in bold."""
    text = escape_markdown(shown(c, before, after))
    name = speaker_label(c, before)
    if not name:
        return text
    who = escape_markdown(name)
    return named_subject(text, f"\\[**{who}**\\]") or f"**{who}:** {text}"


def answer_markdown(answer: Answer, turn: int = 0) -> str:
    """The whole chat message for ``answer``."""
    return " ".join(answer_parts(answer, turn))


def error_markdown(message: str) -> str:
    """A library error shown in the chat, inert."""
    return f"⚠️ {escape_markdown(message)}"


# -- the sources panel ------------------------------------------------------
def highlight_span(c: Citation) -> tuple[int, int] | None:
    """Where the cited sentence lies in ``c.passage``: article offsets made
    relative to the passage, or None when they do not point at the sentence."""
    a = c.start - c.passage_start
    b = c.end - c.passage_start
    if a < 0 or b > len(c.passage) or a >= b or c.passage[a:b] != c.sentence:
        return None
    return a, b


def window(text: str, a: int, b: int, chars: int) -> tuple[int, int]:
    """Bounds of about ``chars`` characters of ``text`` either side of ``[a, b)``,
    cut at spaces so no word is split."""
    lo, hi = max(0, a - chars), min(len(text), b + chars)
    if lo > 0 and not text[lo - 1].isspace():  # lo is inside a word: move to the next one
        space = text.find(" ", lo, a)
        lo = space + 1 if space != -1 else lo
    if hi < len(text) and not text[hi].isspace():  # hi is inside a word: end before it
        space = text.rfind(" ", b, hi)
        hi = space if space != -1 else hi
    return lo, hi


def highlighted_passage(c: Citation, context: int | None = None) -> str:
    """The passage as HTML with the cited sentence in ``<mark>``; never
    highlights anything when the offsets do not line up. With ``context``, only
    about that many characters either side of the sentence, with "…" for the rest."""
    return marked_passage([c], context)


def marked_passage(cites: Sequence[Citation], context: int | None = None, focus: int | None = None) -> str:
    """One passage as HTML with each of its cited sentences in ``<mark>`` (the one
    cited as ``focus`` marked as such). ``cites`` quote the same passage; a citation
    whose offsets do not point at its sentence is left unmarked. With ``context``,
    the text from about that many characters before the first marked sentence to
    as many after the last, with "…" for what is left out."""
    text = cites[0].passage
    spans = sorted((span, c.n) for c in cites if (span := highlight_span(c)) is not None)
    if not spans:
        shown = text if context is None else text[: 2 * context]
        return html.escape(shown) + ("…" if len(shown) < len(text) else "")
    first, last = spans[0][0][0], spans[-1][0][1]
    lo, hi = (0, len(text)) if context is None else window(text, first, last, context)
    out = ["…" if lo > 0 else ""]
    at = lo
    for (a, b), n in spans:
        if a < at:  # overlapping spans cannot both be marked; keep the first
            continue
        cls = "qa-hl qa-hl-focus" if n == focus else "qa-hl"
        out.append(html.escape(text[at:a]))
        out.append(f"<mark class='{cls}' data-n='{n}'>{html.escape(text[a:b])}</mark>")
        at = b
    out.append(html.escape(text[at:hi]))
    out.append("…" if hi < len(text) else "")
    return "".join(out)


def meta_html(date: str | None, source: str | None, url: str | None) -> str:
    """``date · source`` with the source as a link when the url is http(s)."""
    link = safe_url(url)
    src = html.escape(source or "")
    if link:
        label = src or html.escape(urlparse(link).netloc)
        src = f"<a href='{html.escape(link)}' target='_blank' rel='noopener noreferrer nofollow'>{label}</a>"
    parts = [html.escape(date) if date else "", src]
    shown = " · ".join(p for p in parts if p)
    return shown or "<span class='qa-muted'>no date or source</span>"


def by_passage(citations: Sequence[Citation]) -> list[list[Citation]]:
    """The citations grouped by the passage they quote, in the order of their numbers."""
    groups: dict[tuple[str, int, int], list[Citation]] = {}
    for c in sorted(citations, key=lambda c: c.n):
        groups.setdefault((c.article_id, c.passage_start, c.passage_end), []).append(c)
    return list(groups.values())


def _passage_card(cites: list[Citation], turn: int, focus: int | None) -> str:
    """One card per cited passage: its title and metadata once, the passage with
    every sentence cited from it marked. The card's id names its first citation;
    ``data-cites`` lists all of them."""
    c = cites[0]
    numbers = [x.n for x in cites]
    cls = "qa-source qa-focus" if focus in numbers else "qa-source"
    snippet = marked_passage(cites, SNIPPET_CHARS, focus)
    whole = marked_passage(cites, None, focus)
    more = (
        f"<details class='qa-whole'><summary>Whole passage</summary>"
        f"<div class='qa-passage'>{whole}</div></details>"
        if snippet != whole
        else ""
    )
    label = "".join(f"<span class='qa-num'>[{n}]</span>" for n in numbers)
    return (
        f"<div class='{cls}' id='qa-src-{cite_ref(turn, c.n)}' data-cites=' {' '.join(map(str, numbers))} '>"
        f"<div class='qa-source-title'>{label} {html.escape(c.title)}</div>"
        f"<div class='qa-meta'>{meta_html(c.date, c.source, c.url)}{pages_label(cites)}</div>"
        f"<div class='qa-passage'>{snippet}</div>{more}{also_in_html(c)}</div>"
    )


def pages_label(cites: Sequence[Citation]) -> str:
    """`` · p. 2`` (or ``pp. 2, 3``) for citations from a PDF; empty for other articles."""
    pages = sorted({c.page for c in cites if c.page is not None})
    if not pages:
        return ""
    return f" · {'p.' if len(pages) == 1 else 'pp.'} {', '.join(map(str, pages))}"


def also_in_html(c: Citation) -> str:
    """The other outlets that ran the same story (syndicated copies), escaped; empty if none."""
    if not c.also_in:
        return ""
    items = [meta_html(m.get("date"), m.get("source") or m.get("title"), m.get("url")) for m in c.also_in]
    return f"<div class='qa-also'>Also in: {'; '.join(items)}</div>"


OPENING_WORDS = 12  # of a folded passage, shown after its title: passages of one article differ there


def opening(text: str, words: int = OPENING_WORDS) -> str:
    """The first ``words`` words of a passage, with "…" when it goes on."""
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _passage_item(p: Passage, rank: int) -> str:
    return (
        "<details class='qa-more'>"
        f"<summary><span class='qa-rank' title='rank {rank} in the search'>{_ordinal(rank)}</span> "
        f"{html.escape(p.title)} "
        f"<span class='qa-meta'>{meta_html(p.date, p.source, p.url)}</span>"
        f"<div class='qa-opening'>{html.escape(opening(p.text))}</div></summary>"
        f"<div class='qa-passage'>{html.escape(p.text)}</div></details>"
    )


def _ordinal(n: int) -> str:
    """ "2nd", "3rd", "11th": a passage's rank, not to be read as a citation's number [3]."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def uncited_passages(answer: Answer) -> list[tuple[int, Passage]]:
    """``(rank, passage)`` of the retrieved passages no citation quotes from."""
    cited = {(c.article_id, c.passage_start, c.passage_end) for c in answer.citations}
    return [
        (i, p) for i, p in enumerate(answer.passages, start=1) if (p.article_id, p.start, p.end) not in cited
    ]


def sources_html(answer: Answer, turn: int = 0, focus: int | None = None, settings: str = "") -> str:
    """The sources panel for one answer: a card per citation (title, date,
    source, the passage with the cited sentence marked), then the retrieved
    passages that were not cited, folded. ``focus`` marks one card."""
    head = f"<div class='qa-sources-head'>Sources for “{html.escape(answer.question)}”"
    head += f"<div class='qa-status qa-status-{answer.status}'>{html.escape(status_line(answer))}</div>"
    if answer.query and answer.query != answer.question:
        head += f"<div class='qa-muted'>searched as “{html.escape(answer.query)}”</div>"
    if settings:
        head += f"<div class='qa-muted'>{html.escape(settings)}</div>"
    out = [head + "</div>"]
    if answer.citations:
        out += [_passage_card(group, turn, focus) for group in by_passage(answer.citations)]
    else:
        out.append("<p class='qa-empty'>No sentence answered this question; nothing is cited.</p>")
    rest = uncited_passages(answer)
    if rest:
        label = "Other retrieved passages" if answer.citations else "Closest passages"
        out.append(f"<div class='qa-more-head'>{label} ({len(rest)})</div>")
        out += [_passage_item(p, rank) for rank, p in rest]
    return "\n".join(out)


def status_line(answer: Answer) -> str:
    """E.g. ``Answer · confidence 0.83`` or ``Tentative · confidence 0.41``."""
    label = {"answer": "Answer", "tentative": "Tentative: may not answer", "declined": "No answer"}
    return f"{label.get(answer.status, answer.status)} · confidence {answer.confidence:.2f}"


def empty_sources_html(message: str = "Ask a question: its sources show here.") -> str:
    return f"<p class='qa-empty'>{html.escape(message)}</p>"


def settings_summary(
    k: int, mode: str, since: str | None, until: str | None, source: str | None, shown: int | None = None
) -> str:
    """One line saying what is shown and how it was searched, e.g. ``5 passages ·
    hybrid · since 2025-01-01``, or ``2 passages (5 asked for) · …`` when fewer came back."""
    count = k if shown is None else shown
    head = f"{count} passage{'' if count == 1 else 's'}"
    if shown is not None and shown < k:
        head += f" ({k} asked for)"
    parts = [head, mode]
    if since:
        parts.append(f"since {since}")
    if until:
        parts.append(f"until {until}")
    if source:
        parts.append(f"source contains “{source}”")
    return " · ".join(parts)


def notice_html(text: str, ok: bool = True) -> str:
    """A one-line status message (upload summary, removal, error), escaped."""
    if not text:
        return ""
    return f"<div class='qa-notice {'qa-ok' if ok else 'qa-error'}'>{html.escape(text)}</div>"


def none_if_blank(value: Any) -> str | None:
    """A filter value as typed (white space folded), or None when it is empty."""
    text = "" if value is None else " ".join(str(value).split())
    return text or None
