"""'What did X say about Y?': find the speaker and topic, and the sentences
that quote that speaker (named, or by pronoun right after being named)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SAY_QUESTION = re.compile(
    r"^\s*(?:and\s+|so\s+|but\s+)?what\s+(?:did|does|do|has|have|had|was|is)\s+(?P<who>.+?)\s+"
    r"(?:say|said|saying|tell|told|state|stated|think|thought|claim|claimed|mean|argue|argued|"
    r"announce|announced|promise|promised|reply|replied|respond|responded)"
    r"(?:\s+(?:about|on|of|regarding|concerning|to)\s+(?P<topic>.+?))?\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_SPEECH = re.compile(
    r"\b(?:said|says|say|saying|told|tells|stated|states|added|adds|noted|notes|emphasi[sz]ed|"
    r"stressed|explained|insisted|warned|argued|declared|remarked|asked|replied|responded|"
    r"announced|acknowledged|admitted|claimed|wrote|continued|called|calling|noting|describing|"
    r"described|according to)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile('[\u201c\u201d"]')
_PRONOUN = re.compile(
    r"\b(?:he|she|they)\s+(?:said|says|told|stated|added|noted|emphasi[sz]ed|"
    r"stressed|explained|insisted|warned|argued|declared|remarked)\b",
    re.IGNORECASE,
)
_TITLES = {
    "president",
    "prime",
    "minister",
    "mr",
    "mrs",
    "ms",
    "dr",
    "the",
    "u.s.",
    "us",
    "canadian",
    "mexican",
    "chancellor",
    "premier",
    "governor",
    "senator",
    "secretary",
    "mayor",
    "ceo",
}


@dataclass(frozen=True)
class SayQuestion:
    speaker: str
    topic: str | None

    @property
    def speaker_names(self) -> list[str]:
        """Words that name the speaker in text: 'President Donald Trump' -> Donald, Trump."""
        words = [w.strip(".,'\u2019s") for w in self.speaker.split()]
        return [w for w in words if w and w.lower() not in _TITLES] or words


def parse_say_question(question: str) -> SayQuestion | None:
    m = _SAY_QUESTION.match(question)
    if m is None:
        return None
    who = m.group("who").strip()
    if who.lower() in {"you", "i", "we", "it", "this", "that", "they", "the article", "the articles"}:
        return None
    topic = (m.group("topic") or "").strip() or None
    return SayQuestion(who, topic)


def names_speaker(sentence: str, names: list[str]) -> bool:
    return any(re.search(rf"\b{re.escape(n)}\b", sentence, re.IGNORECASE) for n in names)


def is_quote(sentence: str) -> bool:
    """A sentence with quotation marks and a speech verb."""
    return bool(_QUOTE.search(sentence)) and bool(_SPEECH.search(sentence))


def attributed(sentence: str, previous: str, names: list[str]) -> bool:
    """The sentence quotes the speaker: named in it, or 'he said' right after a
    sentence that names them."""
    if not is_quote(sentence):
        return False
    if names_speaker(sentence, names):
        return True
    return bool(_PRONOUN.search(sentence)) and names_speaker(previous, names)
