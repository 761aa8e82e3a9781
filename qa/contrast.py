"""The question's own qualifier against another one: "Who won the women's race?" is not
answered by the sentence about the men's race, however well that one covers the rest of
the question ("won", the race's name).

The sentence model cannot see it: both sentences share the question's words but one,
and the men's may share more. So when the best sentence gives a word of the question
("race") another qualifier of the same kind ("men's" for "women's", "2023" for "2024",
"second" for "first", "south" for "north") and lacks the question's own, while one of
the next few candidates has the question's pair as it is ("women's race"), that one
goes first (:func:`qa.compose.compose`). Only qualifiers of one kind count: a
possessive, a year, an order, a compass point, a part of the day or week, a sex or an
age group. Any pair of words would be an overlap signal, not a contrast (tried: see
docs/FIGURES.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from index.text.terms import STOPWORDS
from qa.words import COMPASS, MONTHS, ORDINALS

LOOK = 5  # how many candidates after the best may hold the question's own pair
_WORD = re.compile(r"[a-z0-9]+(?:['’]s)?")
_KINDS = tuple(
    re.compile(p)
    for p in (
        r"^\w+'s$",
        r"^(?:1[0-9]|20)[0-9]{2}s?$",
        rf"^(?:{'|'.join(ORDINALS)})$",
        rf"^(?:{'|'.join(COMPASS)})$",
        r"^(?:weekdays?|weekends?|morning|evening|night|afternoon)$",
        r"^(?:men|women|boys|girls|male|female|junior|senior|adults?|children)$",
    )
)


def _words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return set(pairwise(words))


def same_kind(a: str, b: str) -> bool:
    """Whether two words (lower case) are qualifiers of one kind: "women's" and "men's",
    "2023" and "2024", "first" and "third", "north" and "central" ..."""
    a, b = a.replace("’", "'"), b.replace("’", "'")
    return any(k.match(a) and k.match(b) for k in _KINDS)


def own_pair_first(question: str, sentences: Sequence[str]) -> int | None:
    """Which of ``sentences`` (best first) should lead instead of the first: the first of
    the next :data:`LOOK` holding a qualified word of the question as the question has it,
    when the first gives that word another qualifier of the same kind; None otherwise."""
    if len(sentences) < 2:
        return None
    asked = {
        (a, b)
        for a, b in _pairs(_words(question))
        if a not in STOPWORDS and b not in STOPWORDS and len(a) > 2 and len(b) > 2
    }
    first = _pairs(_words(sentences[0]))
    for a, b in sorted(asked):
        if (a, b) in first or not any(y == b and x != a and same_kind(a, x) for x, y in first):
            continue
        for i in range(1, min(len(sentences), LOOK + 1)):
            if (a, b) in _pairs(_words(sentences[i])):
                return i
    return None


_NOW_Q = re.compile(  # "What is the tariff on steel right now?": the latest of several values
    r"\bright now\b|\bnow\s*\?|\btoday\s*\?|\bcurrently\s*\?|\bat present\b|\bthese days\b|\bnowadays\b"
    r"|\bas of (?:now|today)\b"
    r"|\bcurrent (?:rate|level|price|tariff|duty|fare|fee|cost|figure|number|total|count)\b"
    r"|\b(?:the )?(?:latest|most recent)\b",
    re.I,
)
_PRESENT = re.compile(r"\b(?:now|currently|today|at present|these days|nowadays)\b", re.I)  # "is now 50%"
_DATED = re.compile(
    rf"\b(?:({'|'.join(MONTHS)})\s+(?:(\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?)?((?:1[5-9]|20)\d{{2}})\b", re.I
)


def dated(sentence: str) -> tuple[int, int, int] | None:
    """The latest date a sentence gives, as (year, month, day), 0 for what it leaves out:
    "on June 4, 2025" (2025, 6, 4), "in July 2026" (2026, 7, 0), "since 1994" (1994, 0, 0)."""
    found = [
        (int(m.group(3)), MONTHS.index(m.group(1).lower()) + 1 if m.group(1) else 0, int(m.group(2) or 0))
        for m in _DATED.finditer(sentence)
    ]
    return max(found, default=None)


def _valued(sentence: str) -> bool:
    """Whether a sentence gives a value (a figure that is not part of a date): "a 25% tariff"."""
    return bool(re.search(r"\d", _DATED.sub(" ", sentence)))


def latest_first(question: str, sentences: Sequence[str]) -> int | None:
    """Which of ``sentences`` (best first, those close enough to lead) should lead
    instead of the first when the question asks how things stand now ("right now",
    "currently", "latest"): when the first gives a value ("a 25% tariff"), the one giving a
    value with the latest date, if they give values with two dates or more, only it with
    the latest, and the first does not say it is the present itself; None otherwise. "What is the
    U.S. tariff on steel right now?" is answered by the 2025 doubling to 50%, not by the
    2018 tariff of 25% that covers the question's words as well."""
    if len(sentences) < 2 or not _NOW_Q.search(question):
        return None
    if _PRESENT.search(sentences[0]) or not _valued(sentences[0]):
        return None
    known = [(d, i) for i, s in enumerate(sentences) if _valued(s) and (d := dated(s)) is not None]
    if len({d for d, _ in known}) < 2:  # one date alone sets no "then" against a "now"
        return None
    latest, i = max(known)
    if i == 0 or sum(d == latest for d, _ in known) > 1:
        return None
    return i
