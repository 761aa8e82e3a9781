"""What kind of answer a question expects (a date, a number, a length, a name), and
whether a sentence holds one: a small boost for sentences that can answer.

"How long" asks for a length of time or of space ("just over two years", "42
kilometres"): a number alone, such as the year in "a library for everybody in 2025",
is no answer to it."""

from __future__ import annotations

import re

_DATE_Q = re.compile(
    r"^\s*(?:when\b|in what (?:year|month|decade|century)"
    r"|(?:what|which) (?:year|date|day|month|decade|century))",
    re.I,
)
_LENGTH_Q = re.compile(r"\bhow long\b", re.I)
_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|old|far|big|large|high|tall|often)\b"
    r"|\bwhat (?:percentage|percent|number|amount|share)\b",
    re.I,
)
_NAME_Q = re.compile(r"^\s*(?:who|whom|whose)\b", re.I)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(
    rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}})s?\b|\b(?:{_MONTHS})\b|\b\d{{1,2}}(?:st|nd|rd|th)? century\b", re.I
)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|half)\b",
    re.I,
)
_COUNT = (
    r"(?:\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
    r"|forty|fifty|hundred|thousand|million|half|several|few|dozen)"
)
_UNIT = (
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies)"
    r"|miles?|kilomet(?:er|re)s?|km|met(?:er|re)s?|feet|foot|inch(?:es)?|yards?)"
)
_LENGTH = re.compile(  # "two years", "a 10-minute walk", "in 2:27:05"
    rf"\b{_COUNT}(?:[\s-]+[a-z]+){{0,2}}?[\s-]+{_UNIT}\b|\b\d{{1,2}}:\d{{2}}:\d{{2}}\b", re.I
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


def answer_type(question: str) -> str | None:
    """'date', 'length', 'number', 'name' or None."""
    if _DATE_Q.search(question):
        return "date"
    if _LENGTH_Q.search(question):
        return "length"
    if _NUMBER_Q.search(question):
        return "number"
    if _NAME_Q.search(question):
        return "name"
    return None


def holds(sentence: str, kind: str | None, question: str = "") -> bool:
    """Whether the sentence holds an answer of that kind (a name not already in the question)."""
    if kind == "date":
        return bool(_DATE.search(sentence))
    if kind == "length":
        return bool(_LENGTH.search(sentence))
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "name":
        asked = question.lower()
        return any(m.group(0).lower() not in asked for m in _NAME.finditer(sentence))
    return False
