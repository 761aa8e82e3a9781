"""The closed word lists the question rules read, in one place: determiners, titles before a
name, nationalities, compass points, months and weekdays, ordinals. :mod:`qa.quotes`,
:mod:`qa.names`, :mod:`qa.rewrite`, :mod:`qa.answertype` and :mod:`qa.contrast` take them
from here, so that a word added for one rule is seen by all of them. (Prepositions are not
here: each rule reads its own set, since "of" qualifies a role but does not end a name.)"""

from __future__ import annotations

import re

DETERMINERS = frozenset("the a an his her their its this that these those our your my".split())

# Words that come before a name without being it: a role or title, often abbreviated ("Sen.",
# "Gov.", "Lt. Gen.") or written in lower case. "doctor" is not one: the Doctor of Doctor Who
# is a name ("Dr" is a title).
ROLE_TITLES = frozenset(
    """president prime minister mr mrs ms dr chancellor premier governor senator secretary
    mayor ceo chief spokesman spokeswoman spokesperson head coach captain professor judge officer
    director chair chairman chairwoman leader king queen pope general minister's ambassador envoy
    diplomat official representative congressman congresswoman justice admiral colonel lieutenant
    sergeant major commander corporal detective sheriff superintendent reverend father
    prince princess duke duchess lord lady cardinal bishop archbishop rabbi imam inspector
    commissioner speaker deputy attorney prosecutor""".split()
)

# A nationality: a capitalised word with a demonym's ending (-an, -ian, -ese, -ish, -i), or one
# of the few that have none
_DEMONYM = re.compile(r"[A-Z][a-z]+(?:an|ese|ish|i)")
_IRREGULAR_DEMONYMS = frozenset("french dutch greek swiss czech welsh scots filipino argentine".split())


def is_nationality(word: str) -> bool:
    """Whether a capitalised word reads as a nationality ("Kenyan", "Japanese", "French"); the
    words around it say whether it is one (qa.names: before a lower-case word; qa.quotes:
    before a role)."""
    return bool(_DEMONYM.fullmatch(word)) or word.lower() in _IRREGULAR_DEMONYMS


COMPASS = ("north", "south", "east", "west", "northern", "southern", "eastern", "western", "central")
MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
)  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CALENDAR_WORDS = frozenset(MONTHS + WEEKDAYS)  # a month or a day: a date, not a name
ORDINALS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "last", "final", "next", "previous",
)  # fmt: skip
