"""Plain-text helpers: sentence spans and removal of page furniture.

Sentences are found with a small rule set (terminal punctuation followed by
space, minus common abbreviations and initials), and every line break is a
boundary. Spans are character offsets into the original string, so they map
back exactly.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt ft gen gov sen rep col lt sgt capt cmdr adm pres
    rev hon messrs no nos vol vols fig figs pp ed eds approx est dept univ assn bros inc
    ltd co corp plc llc jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed
    thu thur thurs fri sat sun vs etc al e.g i.e cf ca op u.s u.k u.n e.u d.c p.m a.m""".split()
)
_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s+\S)")
_WORD_BEFORE = re.compile(r"[\"'\u201c\u2018(\[]*([^\s\"'\u201c\u2018(\[]+)$")
_LINE = re.compile(r"[^\n]+")
_NEXT_CHAR = re.compile(r"\s*(\S)")
_TERMINAL = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")
_CREDIT = re.compile(
    r"\b(?:photo|image|picture|video|graphic)s?\s*(?:credit|courtesy|source)s?\b|\bcredits?\s*:",
    re.IGNORECASE,
)
_FURNITURE = frozenset(
    """most popular|see all|read more|related|related articles|related stories|advertisement|
    share|share this|share this article|subscribe|sign up|trending|recommended|follow us|
    comments|top stories|latest news|more stories|more from|you may also like|click here""".replace(
        "\n", ""
    ).split("|")
)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence ``(start, end)`` spans inside ``text[start:end]``, trimmed of whitespace."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text, start, end):
        cut = line.start()
        for m in _END.finditer(text, line.start(), line.end()):
            if _is_false_stop(text, cut, m):
                continue
            spans.append((cut, m.end()))
            cut = m.end()
        spans.append((cut, line.end()))
    return [s for s in (trim_span(text, a, b) for a, b in spans) if s[0] < s[1]]


def _is_false_stop(text: str, line_start: int, m: re.Match[str]) -> bool:
    after = _NEXT_CHAR.match(text, m.end())  # not text[m.end():]: that copy is quadratic on long texts
    nxt = after.group(1) if after else ""
    if nxt.islower():
        return True  # "e.g. something", "approx. five"
    if text[m.start()] != "." or (m.end() - m.start() > 1 and text[m.start() + 1] == "."):
        return False
    word = _WORD_BEFORE.search(text, line_start, m.start())
    if word is None:
        return False
    token = word.group(1)
    if len(token) == 1 and token.isupper():
        return True  # an initial: "J. Smith"
    return token.lower() in _ABBREVIATIONS


def trim_span(text: str, a: int, b: int) -> tuple[int, int]:
    """``(a, b)`` narrowed so the span neither starts nor ends with whitespace."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def is_prose(sentence: str) -> bool:
    """True for a real sentence: four words or more, terminal punctuation, no credit line."""
    s = sentence.strip()
    return len(s.split()) >= 4 and bool(_TERMINAL.search(s)) and not _CREDIT.search(s)


def _is_furniture(line: str) -> bool:
    s = line.strip()
    if not s:
        return False
    if s.lower().rstrip(":>|»").strip() in _FURNITURE:
        return True
    return len(s.split()) <= 25 and bool(_CREDIT.search(s))


def clean_text(text: str) -> str:
    """Normalise newlines and drop page furniture (credits, "Most popular" blocks).

    Credit lines and known furniture lines go anywhere; short lines without
    terminal punctuation at the very end (a trailing link block) go too, as
    long as something is left.
    Paragraphs stay separated by one blank line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    lines = [ln.rstrip() for ln in text.split("\n") if not _is_furniture(ln)]
    while lines and not lines[-1].strip():
        lines.pop()
    while len(lines) > 1 and (not lines[-1].strip() or _is_trailing_fragment(lines[-1])):
        lines.pop()
    out = "\n".join(lines).strip()
    return re.sub(r"\n[ \t]*(?:\n[ \t]*)+", "\n\n", out)


def _is_trailing_fragment(line: str) -> bool:
    s = line.strip()
    return len(s.split()) <= 6 and not _TERMINAL.search(s)
