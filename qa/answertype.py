"""What kind of answer a question expects (a date, a number, a length, a name, an
acronym's words), and whether a sentence holds one: a small boost for sentences that
can answer.

"How long" asks for a length of time or of space ("just over two years", "42
kilometres"): a number alone, such as the year in "a library for everybody in 2025",
is no answer to it; "how fast" asks for a time or a speed the same way. "On which
weekday ..." asks for a date as "when" does; "Which press official ...", "In which
room ..." ask for a name as "who" does (a noun for a person, a group or a place after
which/what); "What does USMCA stand for?" asks for the words an acronym is made of,
which a sentence holds as "... Agreement (USMCA)"."""

from __future__ import annotations

import re

_DATE_Q = re.compile(
    r"^\s*(?:since |until |by )?when\b|\bday of the week\b"
    r"|\b(?:what|which) (?:year|date|day|weekday|month|decade|century|season)s?\b",
    re.I,
)
_AUXILIARY = r"(?:do|does|did|is|are|was|were|has|have|had|will|would|can|could|should|may|might|must)"
_ENTITY_NOUNS = (  # after which/what, they ask for a name: a person, a group, a place
    r"person|people|man|woman|official|spokes(?:man|woman|person)|leader|president|minister|senator"
    r"|governor|mayor|player|coach|author|writer|reporter|correspondent|journalist|scientist|artist"
    r"|actor|actress|singer|executive|ceo|chief|founder|director|manager|judge|candidate|winner"
    r"|politician|agency|company|firm|organi[sz]ation|team|club|newspaper|network|university|party"
    r"|band|bank|outlet|city|country|state|town|village|region|nation|province|island|river|room"
    r"|building|venue|stadium|airport|street"
)
_ENTITY_Q = re.compile(
    rf"^\s*(?:[a-z]+\s+)?(?:which|what)\s+(?:(?!{_AUXILIARY}\b)[a-z-]+\s+){{0,2}}?"
    rf"(?:{_ENTITY_NOUNS})s?\b",
    re.I,
)
_EXPANSION_Q = re.compile(r"\b(?:stand|stands|short) for\b|\bacronym\b|\babbreviation\b", re.I)
_ACRONYM = re.compile(r"\b[A-Z][A-Z&]{1,9}\b")
_LENGTH_Q = re.compile(r"\bhow (?:long|fast|quickly)\b", re.I)  # a time ("in 2:27:05") or a speed
_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|old|far|big|large|high|tall|often)\b"
    r"|\bwhat (?:percentage|percent|number|amount|share)\b"
    r"|\bwhat (?:is|was|are|were|will be) (?:the|its|their|his|her) (?:population|cost|price|size|total"
    r"|score|rate|budget|salary|value|age|attendance|death toll|fare|fee)\b"
    r"|\bwhat did (?:it|they|the [a-z]+) cost\b",
    re.I,
)
_NAME_Q = re.compile(r"^\s*(?:who|whom|whose)\b|\bthe names? of\b", re.I)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DATE = re.compile(
    rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}})s?\b|\b(?:{_MONTHS}|{_WEEKDAYS})\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)? century\b",
    re.I,
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
    r"|miles?|kilomet(?:er|re)s?|km|met(?:er|re)s?|feet|foot|inch(?:es)?|yards?|km/h|kph|mph|knots?)"
)
_LENGTH = re.compile(  # "two years", "a 10-minute walk", "in 2:27:05"
    rf"\b{_COUNT}(?:[\s-]+[a-z]+){{0,2}}?[\s-]+{_UNIT}\b|\b\d{{1,2}}:\d{{2}}:\d{{2}}\b", re.I
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


def answer_type(question: str) -> str | None:
    """'date', 'length', 'number', 'name', 'expansion' or None."""
    if _EXPANSION_Q.search(question) and _ACRONYM.search(question):
        return "expansion"
    if _DATE_Q.search(question):
        return "date"
    if _LENGTH_Q.search(question):
        return "length"
    if _NUMBER_Q.search(question):
        return "number"
    if _NAME_Q.search(question) or _ENTITY_Q.search(question):
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
    if kind == "expansion":  # "... Agreement (USMCA)" or "USMCA (the ... Agreement)"
        return any(
            re.search(rf"\({re.escape(a)}\)|\b{re.escape(a)} \((?:the )?[A-Z]", sentence)
            for a in _ACRONYM.findall(question)
        )
    return False
