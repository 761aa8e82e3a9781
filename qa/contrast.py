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
from qa.words import COMPASS, ORDINALS

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
