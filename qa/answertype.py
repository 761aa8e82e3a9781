"""What kind of answer a question expects (a time of day, a date, a sum of money, a number,
a length, a name, acronym's words), and whether a sentence holds one: a small boost for
sentences that can answer.

"What time did the library open?" asks for a time of day ("at 10 a.m.", "8:10 p.m.",
"noon"), not the date a sentence also gives; a race time ("2:27:05") is a length.

"How long" asks for a length of time or of space ("just over two years", "42
kilometres"), as "how tall", "how deep", "how far" and "what is the height / distance
..." do ("617 ft", "2,814 metres"): a number alone, such as the year in "a library for everybody in 2025",
is no answer to it; "how fast" asks for a time or a speed the same way. "On which
weekday ..." asks for a date as "when" does; "Which press official ...", "In which
room ..." ask for a name as "who" does (a noun for a person, a group or a place after
which/what); "What does USMCA stand for?" asks for the words an acronym is made of,
which a sentence holds as "... Agreement (USMCA)".

"How much did the renovation cost?" asks for money: a sum in a currency ("18.4 million
dollars", "$40") or in millions, not the year or the opening hour a sentence also
holds. "How many ...?" and "What is the population ...?" ask for a count: a number
that is not a year, a date, a clock time or a sum of money; "How many books ...?" is
answered best by a count of books ("about 42,000 books"), less well by a count of
something else ("closed for just over two years"): :func:`degree`."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from index import tokenize
from qa.terms import background
from qa.words import CALENDAR_WORDS, MONTHS, ORDINALS, WEEKDAYS

_TIME_Q = re.compile(  # "What time did it open?", "At what hour ...?", "Between what times ...?"
    r"\b(?:what|which) (?:times?|hours?)\b"
    r"(?!\s+(?:frame|framd|period|span|zone|scale|line|limit|of (?:the )?year))",
    re.I,
)
_DATE_Q = re.compile(
    r"^\s*(?:since |until |by )?when\b|\bday of the week\b"
    r"|\b(?:what|which) (?:year|date|day|weekday|month|decade|century|season)s?\b",
    re.I,
)
_AUXILIARY = r"(?:do|does|did|is|are|was|were|has|have|had|will|would|can|could|should|may|might|must)"
_ENTITY_NOUNS = (  # after which/what, they ask for a name: a person or a group (a place: _PLACE_NOUNS)
    r"person|people|man|woman|official|spokes(?:man|woman|person)|leader|president|minister|senator"
    r"|governor|mayor|player|coach|author|writer|reporter|correspondent|journalist|scientist|artist"
    r"|actor|actress|singer|executive|ceo|chief|founder|director|manager|judge|candidate|winner"
    r"|politician|agency|company|firm|organi[sz]ation|team|club|newspaper|network|university|party"
    r"|band|bank|outlet|carmaker|automaker|maker|manufacturer|producer|brand"
    r"|retailer|airline|carrier|ministry|department|court|hospital|school|museum|station|festival"
)
_PLACE_NOUNS = (
    r"city|country|state|town|village|region|nation|province|island|river|room|building|venue|stadium|airport"
    r"|street|port"
)


def _which(nouns: str) -> str:
    """ "Which <noun> ...?", "In what <adjective> <noun> ...?" for one of ``nouns``."""
    return rf"^\s*(?:[a-z]+\s+)?(?:which|what)\s+(?:(?!{_AUXILIARY}\b)[a-z-]+\s+){{0,2}}?(?:{nouns})s?\b"


_ENTITY_Q = re.compile(_which(_ENTITY_NOUNS), re.I)
_PLACE_Q = re.compile(  # "Where ...?", "In which city ...?": a name, best one placed by a preposition
    rf"^\s*(?:[a-z]+\s+)?where\b|{_which(_PLACE_NOUNS)}", re.I
)
_ACRONYM = re.compile(r"\b[A-Z][A-Z&]{1,9}\b")
_EXPANSION_Q = re.compile(
    r"\b(?:stand|stands|short) for\b|\bacronym\b|\babbreviation\b"
    # "What is USMCA?", "What's the IPCC?": an acronym alone asks what it stands for
    rf"|^\s*what(?:'s|\u2019s|\s+is|\s+are|\s+was|\s+were)\s+(?:the\s+|an?\s+)?(?-i:{_ACRONYM.pattern})"
    r"\s*[?.!]*\s*$",
    re.I,
)
_LENGTH_Q = re.compile(  # a time ("in 2:27:05"), a speed, a height or a distance ("2,814 metres")
    r"\bhow (?:long|fast|quickly|tall|deep|wide)\b"
    r"|\bhow far\b(?! (?:back|west|east|north|south|up|down|into))"  # not "how far back": a date
    r"(?!(?: [\w'-]+){0,6} (?:fall|fell|fallen|drop|dropped|rise|rose|risen"  # "how far did it fall": a count
    r"|grow|grew|grown|declin\w*|shr[ai]nk))"
    r"|\bwhat (?:is|was|are|were) (?:the|its|their|his|her) (?:[a-z-]+ ){0,2}?"
    r"(?:height|length|depth|width|distance|elevation|altitude)\b",
    re.I,
)
_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|old|far|big|large|high|often)\b"  # "how tall" is a length (_LENGTH_Q, asked first)
    r"|\b(?:what|which) (?:percentage|percent|number|amount|share|proportion|fraction|rate|level)\b"
    r"|\bwhat (?:is|was|are|were|will be) (?:the|its|their|his|her) (?:[a-z-]+ ){0,2}?"  # "the tariff rate"
    r"(?:population|size|total|score|rate"
    r"|age|attendance|death toll)\b",  # a cost, a price, a fee ...: a sum of money (_MONEY_Q, asked first)
    re.I,
)
_MONEY_Q = re.compile(
    r"\bhow much (?:money\b|in\b|(?:[\w'.-]+\s+){0,8}?(?:cost|costs|costing|pay|pays|paid|spend|spends|spent"
    r"|charge|charges|charged|earn|earns|earned|raise|raised|worth|sell|sold|fetch|fetched|invest|invested"
    r"|owe|owed|lose|lost|save|saved)\b)|\bhow expensive\b|\bat what price\b|\bfor how much\b"
    r"|\bwhat (?:is|was|are|were|will be) (?:the|its|their|his|her) (?:[a-z-]+ ){0,2}?"  # "the average cost"
    r"(?:cost|price|fare|fee|budget|salary"
    r"|value|bill|fine|prize|revenue|profit|wage)s?\b"
    r"|\bwhat did (?:it|they|the [a-z]+) cost\b",
    re.I,
)
_REASON_Q = re.compile(
    r"^\s*(?:and\s+|but\s+|so\s+)?why\b|\bfor what reason\b"
    r"|\bwhat (?:was|is|were|are) the reasons? (?:for|why|behind)\b",
    re.I,
)
_REASON = re.compile(  # what a sentence that gives a cause or a purpose says it with
    r"\b(?:because|due to|owing to|thanks to|as a result|so that|in order to|in response to"
    r"|caus(?:e|es|ed|ing)|led to|leads? to|leading to|result(?:s|ed|ing)? (?:in|from)|citing|reasons?"
    r"|prompt(?:ed|ing)|amid"
    r"|aim(?:s|ed)? (?:at|to)|intended to|designed to|fears? (?:of|that)|concerns? (?:about|over|that))\b",
    re.I,
)
_NAME_Q = re.compile(r"^\s*(?:who|whom|whose)\b|\bthe names? of\b", re.I)  # "where": a place (_PLACE_Q)
_PLACED = re.compile(  # a name after a preposition of place: "in the Oval Office", "around Monterrey"
    r"(?=\b(?<!ccording )(?<!due )(?<!hanks )(?<!wing )(?<!ompared )(?<!rior )"  # not "according to Leavitt"
    r"(in|at|from|near|to|into|across|throughout|outside|inside|around|between|within|along|off|via"
    r"|toward|towards)\s+(?:the\s+)?(?:[a-z]+\s+){0,3}?([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*))"
)  # (a look-ahead, so that "at" in "to work at his Edison Machine Works" is found too)
_HEADING = frozenset({"to", "into", "toward", "towards"})  # where someone goes, not where it is ...
_GOING_Q = re.compile(  # ... which is what these ask: "Where will Trump travel next?"
    r"\b(?:go|goes|going|went|gone|travel\w*|visit\w*|trip|head\w*|move[sd]?|moving|fl[eiy]\w*|flown"
    r"|send|sent|ship\w*|export\w*|sell|sold|return\w*|migrat\w*|bound|destination|relocat\w*|bring|brought"
    r"|take[sn]?|took|deliver\w*|come|came|arriv\w*)\b",
    re.I,
)
_MONTHS = "|".join(MONTHS)
_WEEKDAYS = "|".join(WEEKDAYS)
_YEARS = r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b"
_DATE = re.compile(
    _YEARS + rf"|\b(?:{_MONTHS}|{_WEEKDAYS})\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)? century\b",
    re.I,
)
_CLOCK = re.compile(  # a time of day: "10 a.m.", "9 p.m.", "8:10", "noon"; not a race time ("2:27:05")
    r"\b\d{1,2}(?:[:.]\d{2})?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|(?<![\d:])\d{1,2}:\d{2}\b(?!:\d)"
    r"|\b(?:noon|midday|midnight|o'clock|o\u2019clock)\b",
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
    r"|miles?|kilomet(?:er|re)s?|km|met(?:er|re)s?|feet|foot|ft|inch(?:es)?|yards?|km/h|kph|mph|knots?)"
)
_LENGTH = re.compile(  # "two years", "a 10-minute walk", "in 2:27:05"
    rf"\b{_COUNT}(?:[\s-]+[a-z]+){{0,2}}?[\s-]+{_UNIT}\b|\b\d{{1,2}}:\d{{2}}:\d{{2}}\b", re.I
)
_CURRENCY = (
    r"(?:dollars?|euros?|pounds?|yen|yuan|rupees?|francs?|pesos?|roubles?|rubles?|cents?|pence"
    r"|usd|eur|gbp|cad)"
)
_SCALE = r"(?:thousand|million|billion|trillion|bn)"
_AFTER_SUM = r"(?:in|for|to|from|of|on|at|and|or|by|with|over|per|a|an|the|this|last|each|was|were|is|are)"
_MONEY = re.compile(  # "$40", "18.4 million dollars", "C$2 billion", "EUR 12", "4 million"
    rf"(?:[$\u20ac\u00a3\u00a5]|\b(?:us|c|a)\$)\s?\d[\d.,]*(?:\s*{_SCALE}\b)?"
    rf"|\b{_COUNT}\s*(?:{_SCALE}\s+)?{_CURRENCY}\b|\b{_CURRENCY}\s?\d"
    rf"|\b\d[\d.,]*\s*(?:million|billion|trillion)\b(?!\s+(?!{_AFTER_SUM}\b)[a-z])",  # not "2 million people"
    re.I,
)
_NOT_A_COUNT = re.compile(  # years, dates and clock times: numbers that count nothing
    _YEARS + r"(?!\s+(?!(?:the|a|an|and|or|but|to|in|on|at|of|by|for|as|with"
    r"|when|after|before|while|until|is|was|were|are)\b)[a-z])"
    rf"|\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\b"
    rf"|\b\d{{1,2}}(?::\d{{2}})?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|\b\d{{1,2}}:\d{{2}}\b",
    re.I,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


def answer_type(question: str) -> str | None:
    """'time', 'date', 'length', 'money', 'number', 'place', 'name', 'expansion', 'reason' or None."""
    if _EXPANSION_Q.search(question) and _ACRONYM.search(question):
        return "expansion"
    if _TIME_Q.search(question):
        return "time"
    if _DATE_Q.search(question):
        return "date"
    if _LENGTH_Q.search(question):
        return "length"
    if _MONEY_Q.search(question):
        return "money"
    if _NUMBER_Q.search(question):
        return "number"
    if _PLACE_Q.search(question):
        return "place"
    if _NAME_Q.search(question) or _ENTITY_Q.search(question):
        return "name"
    if _REASON_Q.search(question):
        return "reason"
    return None


def degree(sentence: str, kind: str | None, question: str = "") -> float:
    """How well the sentence holds an answer of that kind: 1 when it does, 0 when not;
    for "How many <things> ...?", 1 for a count of those things and 0.5 for a count of
    something else; for "Where ...?", 1 for a new name after a preposition of place ("in the
    Oval Office") and 0.5 for a new name elsewhere in the sentence."""
    if not holds(sentence, kind, question):
        return 0.0
    if kind == "place":
        return 1.0 if _placed(sentence, question) else 0.5
    if kind == "name" and (placing := _PLACING_Q.search(question)):  # "Who came second?"
        return 1.0 if _placing(placing.group(1).lower()).search(sentence) else 0.0
    if kind == "number":
        things = _counted(question)
        if things is not None and not things.search(_counts(sentence)):
            return 0.5
    return 1.0


_PLACING_Q = re.compile(  # "Who came second?", "Which school finished third?": a place in a ranking
    rf"\b(?:came|come|comes|finish(?:ed|es)?|placed|end(?:ed|s)? up)\s+({'|'.join(ORDINALS[:10])}|last)\b",
    re.I,
)


def place_missing(sentence: str, question: str) -> str | None:
    """For "Who came second ...?", "second place" when the sentence gives no second place
    ("Second place went to ...", "the runner-up"); None when it does or the question asks
    no place in a ranking. A sure answer must give it (:mod:`qa.compose`)."""
    m = _PLACING_Q.search(question)
    if m is None or _placing(m.group(1).lower()).search(sentence):
        return None
    return f"{m.group(1).lower()} place"


@lru_cache(maxsize=64)
def _placing(ordinal: str) -> re.Pattern[str]:
    """A sentence giving that place: "Second place went to ...", "finished second",
    "the runner-up" (second)."""
    runner = r"|\brunners?-up\b" if ordinal == "second" else ""
    said = rf"\b{ordinal}[\s-]+(?:place|spot|position)|\b(?:came|finished|placed|ended|was|were) {ordinal}\b"
    return re.compile(said + runner, re.I)


_HOW_MANY = re.compile(
    rf"\bhow many\s+((?:[a-z][a-z'-]*\s+){{0,3}}?)(?:{_AUXILIARY})\b|\bhow many\s+([a-z][a-z'-]*)", re.I
)
_NOT_THINGS = frozenset("of the a an more times".split())
_POPULATION_Q = re.compile(r"\bpopulation\b|\bhow many (?:people|residents|inhabitants) live\b", re.I)
_PEOPLE = r"(?:people|residents|inhabitants|citizens|population|persons|souls)"
_ANY_PEOPLE = frozenset(  # "How many kids ...?" is met by "six students"
    "people persons individuals kids children youngsters teens teenagers adults men women".split()
)
_PERSONS = (  # what a count of people is often a count of
    r"(?:people|persons|individuals|residents|inhabitants|citizens|passengers|riders|commuters|runners"
    r"|workers|employees|staff|students|pupils|children|kids|teens|teenagers|adults|visitors|tourists"
    r"|spectators|fans|members"
    r"|voters|patients|participants|entrants|attendees|guests|customers|users|soldiers|troops|volunteers)"
)


@lru_cache(maxsize=1024)
def _counted(question: str) -> re.Pattern[str] | None:
    """For "How many <things> ...?": a pattern for a count followed (within three words)
    by one of those words ("books", "small quakes" -> "small" or "quake..."); for "What is
    the population ...?", by a word for people; None otherwise."""
    m = _HOW_MANY.search(question)
    if not m:  # "What is the population of ...?": a count of people
        return _count_of(_PEOPLE) if _POPULATION_Q.search(question) else None
    words = [w.lower() for w in (m.group(1) or m.group(2) or "").split() if w.lower() not in _NOT_THINGS]
    if not words:
        return None
    stems = sorted({re.escape(w[:5] if len(w) > 5 else w.rstrip("s")) for w in words})
    if _ANY_PEOPLE.intersection(words):  # "How many people can ride ...?": "220 passengers"
        stems.append(_PERSONS)
    return _count_of(f"(?:{'|'.join(stems)})")


def _count_of(things: str) -> re.Pattern[str]:
    """A count followed, within three words, by what ``things`` matches."""
    return re.compile(rf"(?:\d[\d.,]*|\b{_COUNT})(?:[\s-]+[\w'-]+){{0,3}}?[\s-]+{things}", re.I)


def holds(sentence: str, kind: str | None, question: str = "") -> bool:
    """Whether the sentence holds an answer of that kind (a name not already in the question)."""
    if kind in ("time", "date", "length", "money", "number"):
        return _holds(sentence, kind)
    if kind in ("name", "place"):
        return _names_new(sentence, question)
    if kind == "reason":  # "because", "due to", "citing", "in order to" ...
        return bool(_REASON.search(sentence))
    if kind == "expansion":  # "... Agreement (USMCA)" or "USMCA (the ... Agreement)"
        return any(
            re.search(rf"\({re.escape(a)}\)|\b{re.escape(a)} \((?:the )?[A-Z]", sentence)
            for a in _ACRONYM.findall(question)
        )
    return False


def mentions(sentence: str, kind: str, question: str = "") -> bool:
    """Whether the sentence holds anything of the kind at all, read loosely: a date for
    "date", any number (a sum, a year, "four") for "number", "money" and "length", but for
    "How many <things> ...?" a number that is neither a share, a sum of money nor a year
    ("77%" is no count of jobs; "How many of ...?" may be answered by a share). A sure answer needs at least
    that (:mod:`qa.compose`); :func:`holds` is the strict reading. For "time", a clock
    time or a part of the day ("in the evening")."""
    if kind == "time":
        return bool(_CLOCK.search(sentence) or _DAYTIME.search(sentence))
    if kind == "date":  # "When does the first boat leave?": "at 6:15 a.m." answers it too
        return bool(_DATE.search(sentence) or _CLOCK.search(sentence))
    if kind == "number" and counts_things(question):  # "95 dollars" counts no residents
        sentence = _YEAR.sub(" ", _SHARE.sub(" ", _MONEY.sub(" ", sentence)))
    return bool(_NUMBER.search(sentence))


_DAYTIME = re.compile(r"\b(?:morning|afternoon|evening|night|dawn|dusk|sunrise|sunset)\b", re.I)
_SHARE = re.compile(r"\d[\d.,]*\s*(?:%|percent\b|per cent\b)", re.I)
_YEAR = re.compile(_YEARS)
_COUNT_Q = re.compile(r"\bhow many\b(?!\s+of\b)", re.I)


def counts_things(question: str) -> bool:
    """Whether the question asks for a count of things ("How many jobs ...?", not "How
    many of Canada's exports ...?")."""
    return bool(_COUNT_Q.search(question))


def _placed(sentence: str, question: str) -> bool:
    """Whether a name the question lacks follows a preposition of place in the sentence."""
    asked = _asked(question)
    going = bool(_GOING_Q.search(question))
    return any(
        _new_words(m.group(2).lower().split(), asked)
        for m in _PLACED.finditer(sentence)
        if going or m.group(1) not in _HEADING
    )


@lru_cache(maxsize=1024)
def _asked(question: str) -> frozenset[str]:
    """The question's words, lower case (a name among them is no answer to it)."""
    return frozenset(re.findall(r"[a-z]+", question.lower()))


def _new_words(words: list[str], asked: frozenset[str]) -> list[str]:
    """Those of a name's ``words`` the question lacks, a weekday or a month being no name."""
    return [w for w in words if w not in asked and w not in CALENDAR_WORDS]


def _names_new(sentence: str, question: str) -> bool:
    """Whether the sentence names someone or something the question does not: a run of
    capitalised words at least half of which the question lacks ("Sigrid Holm"; "Wren
    Street" for "Which street ...?"; "Prime Minister Carney" for "Who is Carney?"; not
    "Ashvale Central Library" for "Who runs the Ashvale library?"), a weekday or a month
    being no name."""
    asked = _asked(question)
    for m in _NAME.finditer(sentence):
        words = m.group(0).lower().split()
        if _opens(sentence, m.start()):  # '"From the beginning, ..." he said': capitalised as a first word
            words = words[1:]
        new = _new_words(words, asked)
        if new and 2 * len(new) >= len(words):
            return True
    first = _FIRST.match(sentence)  # "Stellantis paused production ...": capitalised as any first word
    return bool(first) and first.group(1).lower() not in asked and _rare(first.group(1).lower())


def _opens(sentence: str, at: int) -> bool:
    """Whether the word at ``at`` opens a quotation (a quote mark after a space or at the start
    before it: '... Trump said, "We have ...'), capitalised whatever it is."""
    before = sentence[:at].rstrip()
    if before.endswith(("\u201c", "\u2018")):
        return True
    return before.endswith(('"', "'")) and (len(before) == 1 or before[-2] in " (\u2014-")


_FIRST = re.compile(r"^\W*([A-Z][a-z]+)\b")
RARE_ZIPF = 4.3  # a sentence's first word rarer than this in English is taken for a name


@lru_cache(maxsize=8192)
def _rare(word: str) -> bool:
    """Whether ``word`` is rare in English at large (``qa/data/background-en.tsv.gz``, by
    stem): "Stellantis", "Ottawa", "Holm" are; "Several", "Scientists", "Mayor" are not."""
    stems = tokenize(word)
    if not stems:
        return False  # a stop word
    table, _ = background()
    freq = table.get(stems[0])
    return freq is None or math.log10(freq) + 9 < RARE_ZIPF


# the words and signs without which no sum of money is written: a set test on the
# sentence's words is far cheaper than the full pattern, which most sentences never need
_MONEY_WORDS = frozenset(
    "dollar dollars euro euros pound pounds yen yuan rupee rupees franc francs peso pesos ruble rubles"
    " rouble roubles cent cents pence usd eur gbp cad million billion trillion".split()
)
_MONEY_SIGNS = frozenset("$\u20ac\u00a3\u00a5")
_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=16_384)
def _holds(sentence: str, kind: str) -> bool:
    """:func:`holds` for the kinds that depend on the sentence alone (cached: the same
    passages come back for many questions)."""
    if kind == "time":
        return bool(_CLOCK.search(sentence))
    if kind == "date":
        return bool(_DATE.search(sentence))
    if kind == "length":
        return bool(_LENGTH.search(sentence))
    if kind == "money":
        return _has_money_words(sentence) and bool(_MONEY.search(sentence))
    # a count: a number once sums, years, dates and clock times are taken out
    return bool(_NUMBER.search(sentence)) and bool(_NUMBER.search(_counts(sentence)))


@lru_cache(maxsize=16_384)
def _counts(sentence: str) -> str:
    """The sentence with its sums of money, years, dates and clock times blanked out."""
    rest = _MONEY.sub(" ", sentence) if _has_money_words(sentence) else sentence
    return _NOT_A_COUNT.sub(" ", rest) if any(c.isdigit() for c in rest) else rest


def _has_money_words(sentence: str) -> bool:
    words = _WORD.findall(sentence.lower())
    return not _MONEY_SIGNS.isdisjoint(sentence) or not _MONEY_WORDS.isdisjoint(words)
