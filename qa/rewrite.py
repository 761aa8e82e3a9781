"""Deterministic follow-up rewriting: carry speaker and topic from earlier turns.

'What did Trump say about USMCA?' then 'And what did Carney say?' becomes
'What did Carney say about USMCA?'; then 'What about tariffs?' becomes
'What did Carney say about tariffs?'. Any other elliptical follow-up ('What
about X?', 'And X?', 'How about X?') is the previous question with X in place
of the phrase it stands for: 'Who won the women's race?' then 'What about the
men's race?' becomes 'Who won the men's race?'. Where no phrase is safe to
replace, X is searched with the previous question's topic in brackets ('the
half marathon (won the women's race)'), or, when X says "his" or "her", with the
previous question's names ('his view on the pact (Trump)'). 'What about Carney, what was his aim?'
asks its own question about X: 'What was his aim? (Carney)'. A question with a
pronoun and no name of its own gets the previous question's names appended.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.contrast import same_kind
from qa.quotes import DOCUMENT, is_role, names_speaker, parse_say_question
from qa.words import DETERMINERS

_ASKING = (
    r"what|who|whom|whose|when|where|why|how|which|is|are|was|were|do|does|did|can|could|will|would|"
    r"has|have|had"
)
_WHAT_ABOUT = re.compile(
    r"^\s*(?:and\s+|but\s+|so\s+)?(?:what|how)\s+about\s+(?P<topic>.+?)\s*[?.!]*\s*$"
    rf"|^\s*and\s+(?!(?:{_ASKING})\b)(?P<topic2>[^?]+?)\s*\?\s*$",  # "And the tariffs?", not "And what ...?"
    re.IGNORECASE,
)
_THEN_ASKS = re.compile(  # "What about Carney, what was his aim?" ("Carney; ...", "Carney — ...")
    rf"^(?P<topic>[^,;:—–]+?)\s*(?:[,;:—–]|\s-{{1,2}}\s)\s*(?P<question>(?:{_ASKING})\b.+)$",
    re.IGNORECASE,
)
_BARE = re.compile(  # a question word alone: "Why?", "And when?", "How so?", "Since when?", "How many?"
    r"^\s*(?:and\s+|but\s+|so\s+)?(?P<asked>(?:since\s+|until\s+|by\s+)?"
    r"(?:why|when|where|how|who|whom)(?:\s+(?:not|so|exactly|then|much|many|long|often))?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_IT = {"it", "that", "this", "them", "those", "these", "him", "her"}
_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers|they|them|their|it|its|that|this|there|then)\b", re.I)
_PERSON = re.compile(r"\b(he|she|him|her|his|hers)\b", re.I)
_NAME = re.compile(r"\b[A-Z][\w.\u2019'-]*(?:\s+[A-Z][\w.\u2019'-]*)*")
_SKIP_NAMES = {"What", "Who", "When", "Where", "Why", "How", "Which", "And", "Did", "Does", "Is", "The", "A"}


def user_turns(history: Sequence[Any] | None) -> list[str]:
    """Previous user questions from plain strings or chat messages ({'role', 'content'})."""
    turns: list[str] = []
    for item in history or ():
        if isinstance(item, str):
            turns.append(item)
        elif isinstance(item, dict) and item.get("role", "user") == "user":
            content = item.get("content")
            if isinstance(content, str):
                turns.append(content)
        elif isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            turns.append(item[0])  # (user, assistant) pairs
    return [t for t in turns if t.strip()]


_DOC = DOCUMENT.pattern
_WHAT_IT_SAYS = re.compile(  # "What does the article say about X?": X is what is asked about
    rf"^\s*(?:and\s+|so\s+|but\s+)?what\s+(?:does|did|do)\s+{_DOC}\s+"
    r"(?:say|tell us|mention|report|write|state)\s+(?:about|on|of|regarding|concerning)\s+"
    r"(?P<topic>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_ABOUT_IT = re.compile(  # ", according to the article", "in this story", "mentioned in the piece"
    r",?\s+(?:according\s+to|(?:as\s+)?(?:mentioned|named|quoted|cited|described|told|reported)\s+in|in|from)"
    rf"\s+{_DOC}(?![\w'\u2019-])(?!\s+(?:of|on|about)\b),?",  # not "the article's title"
    re.IGNORECASE,
)
_LEAD_IT = re.compile(rf"^\s*(?:according\s+to|in)\s+{_DOC}\s*,\s*", re.IGNORECASE)  # "In the story, ..."


def about_articles(question: str) -> str:
    """``question`` without the words that name the articles themselves, which no sentence
    of theirs holds: "Which goods face tariffs according to the article?" -> "Which goods
    face tariffs?", "What does the story say about Carney's goals?" -> "Carney's goals?"."""
    m = _WHAT_IT_SAYS.match(question)
    if m is not None and m.group("topic").lower() not in _IT:  # "... about it?": a follow-up, below
        return f"{m.group('topic')}?"
    plain = _ABOUT_IT.sub("", _LEAD_IT.sub("", question))
    if plain == question or not re.search(r"\w", plain):
        return question
    return plain[:1].upper() + plain[1:]


_OVERVIEW = re.compile(  # "What is this article about?", "Can you summarize the story?", "Give me the gist"
    r"^\s*(?:(?:can|could)\s+you\s+|please\s+)?(?:"
    rf"what(?:'s|\u2019s|\s+is|\s+are)\s+{_DOC}\s+(?:all\s+)?about"
    rf"|summari[sz]e\s+{_DOC}|(?:give|tell)\s+me\s+(?:a\s+summary|the\s+gist|the\s+main\s+points)"
    rf"|what\s+are\s+the\s+main\s+points(?:\s+of\s+{_DOC})?|what\s+(?:does|do)\s+{_DOC}\s+(?:say|cover|report)"
    r")\s*(?:,?\s*please)?\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def asks_overview(question: str) -> bool:
    """Whether ``question`` asks what the articles are about as a whole ("What is this
    article about?", "Summarize the story."), with nothing of their content to search for."""
    return bool(_OVERVIEW.match(question))


def rewrite(question: str, history: Sequence[Any] | None) -> str:
    """A standalone version of ``question`` given the previous user turns."""
    question = about_articles(question)
    turns = user_turns(history)
    if not turns:
        return question
    prev = rewrite(turns[-1], turns[:-1])
    prev_say = parse_say_question(prev)
    say = parse_say_question(question)
    if say is not None and prev_say is not None and prev_say.topic:
        if say.topic is None or say.topic.lower() in _IT:  # "And what did Carney say (about it)?"
            return f"What did {say.speaker} say about {prev_say.topic}?"
    bare = _BARE.match(question)
    if bare is not None:  # "And why?" after "Where is Trump planning to travel?": why that
        asked = bare.group("asked")
        return f"{asked[0].upper()}{asked[1:]}? ({_content(prev)})"
    m = _WHAT_ABOUT.match(question)
    if m is not None:
        topic = m.group("topic") or m.group("topic2")
        asked = _THEN_ASKS.match(topic)
        if asked is not None:  # "What about Carney, what was his aim?": that question, about Carney
            rest = asked.group("question").rstrip(" ?.!")
            return f"{rest[0].upper()}{rest[1:]}? ({asked.group('topic')})"
        if prev_say is not None:
            return f"What did {prev_say.speaker} say about {topic}?"
        substituted = substitute(prev, topic)
        if substituted:
            return substituted
        carried = _whose(prev)
        if _PERSON.search(topic) and carried:  # "his view on the pact": whose, not what was asked before
            return f"{topic} ({carried})"
        return f"{topic} ({_content(prev)})"
    if _PRONOUN.search(question) and not names(question):
        carried = _whose(prev) if _PERSON.search(question) else " ".join(names(prev))
        if carried:
            return f"{question.rstrip()} ({carried})"
    return question


_WHO = re.compile(r"^\s*(?:and\s+)?(?:who|whom)\b", re.I)


def _whose(prev: str) -> str:
    """Whom "he", "her" or "his" in a follow-up stands for: after "Who took the women's
    title in Farrow Bay?" the person asked about (the question's words: "took the women's
    title in Farrow Bay"), else the previous question's names ("How did Trump describe
    Carney?" -> "Trump Carney")."""
    if _WHO.match(prev):
        return _content(prev)
    return " ".join(names(prev))


@dataclass(frozen=True)
class SpeakerSwap:
    """Another reading of 'What about X?' after a say-question, X being a name."""

    query: str  # 'What did Carney say about USMCA?'
    speaker: str  # 'Carney'


def speaker_swap(question: str, history: Sequence[Any] | None) -> SpeakerSwap | None:
    """'What about Carney?' after 'What did Trump say about USMCA?' may ask what Carney
    said about USMCA, or what Trump said about Carney. :func:`rewrite` gives the second;
    this the first, for a name (capitalised words, not an acronym such as 'NAFTA') or a
    role ('the White House spokeswoman', 'the mayor') that is not the previous speaker or
    topic. The assistant answers with it when the articles give X's words, quoted or
    reported (``Assistant.evidence``), else with :func:`rewrite`'s reading."""
    turns = user_turns(history)
    m = _WHAT_ABOUT.match(question)
    if not turns or m is None:
        return None
    prev_say = parse_say_question(rewrite(turns[-1], turns[:-1]))
    if prev_say is None or not prev_say.topic:
        return None
    name = (m.group("topic") or m.group("topic2")).strip()
    words = name.split()
    if len(words) > 4 or not (
        all(_is_cap(w) and not w.isupper() for w in words) or is_role(name)  # "the White House spokeswoman"
    ):
        return None
    if names_speaker(f"{prev_say.speaker} {prev_say.topic}", [name]):
        return None
    return SpeakerSwap(f"What did {name} say about {prev_say.topic}?", name)


def names(text: str) -> list[str]:
    """Capitalised names and acronyms, e.g. ['Trump', 'USMCA']."""
    found = []
    for m in _NAME.finditer(text):
        words = [w for w in m.group(0).split() if w not in _SKIP_NAMES]
        if words:
            found.append(" ".join(words))
    return found


# Words a noun phrase never runs across: a modifier run that meets one of them has ended.
_BOUNDARY = {
    *_ASKING.split("|"),
    *"""of in on at to for from with by about after before during into over under between against
    than as and or but not""".split(),
}
_AUXILIARIES = set(_ASKING.split("|")) - set("what who whom whose when where why how which".split())
_PREPOSITIONS = {"of", "in", "on", "at", "to", "for", "from", "with", "by", "about"}


def substitute(prev: str, phrase: str) -> str | None:
    """``prev`` with ``phrase`` in place of the phrase it stands for, or None if none is safe.

    The phrase replaces the noun phrase of ``prev`` with the same head noun ('the men's
    race' for 'the women's race'), or, for a name, the one name ``prev`` asks about when it
    stands on its own after a verb or preposition ('NAFTA' for 'USMCA' in 'When did USMCA
    take effect?'; not 'Cedar Valley' in 'the Cedar Valley robotics challenge'), or, for a
    plain noun after 'How many ...?', what is counted ('vehicles' for 'people')."""
    words = prev.strip().rstrip("?.! ").split()
    new = phrase.split()
    if not words or not new:
        return None
    end = _mark(prev)
    head = _stem(new[-1])
    spots = [i for i, w in enumerate(words) if _stem(w) == head]
    if spots:
        i = spots[-1]
        start = _phrase_start(words, i)
        if words[start].lower() in DETERMINERS and new[0].lower() not in DETERMINERS:
            start += 1  # keep the previous question's 'the'
        if start and words[start - 1].lower() in {"which", "what", "whose"} and new[0].lower() in DETERMINERS:
            new = new[1:]  # 'Which school ...?' + 'What about the other school?': 'Which other school ...?'
        swapped = _swap_names(prev, phrase) if [w.strip(",") for w in words[start : i + 1]] == new else None
        if swapped is not None:  # X is already one of the two asked about: the other's place
            return swapped
        return " ".join([*words[:start], *new, *words[i + 1 :]]) + end
    swapped = _swap_qualifier(words, new)
    if swapped is not None:  # 'And the men's?' after 'Who won the women's race?'
        return swapped + end
    counted = re.match(r"^(\s*how many\s+)([a-z]+)\b", prev, re.I)
    if counted and _is_plural_noun_phrase(new):
        # 'How many people can the boat carry?' + 'What about vehicles?': what is counted
        return prev[: counted.start(2)] + phrase + prev[counted.end(2) :]
    body = new[1:] if new[0].lower() in DETERMINERS else new
    if not all(_is_cap(w) for w in body):
        return None
    found = names(prev)
    if len(found) != 1:
        return None
    name = found[0].split()
    for i in range(len(words) - len(name) + 1):
        if [w.strip(",") for w in words[i : i + len(name)]] == name:
            before, after = words[i - 1].lower() if i else "", words[i + len(name) :]
            # After 'did'/'is' the name is the whole subject; after 'on'/'for', whole unless a
            # noun follows ('for Cedar Valley schools').
            if before in _AUXILIARIES or (
                before in _PREPOSITIONS and not (after and _is_noun_like(after[0]))
            ):
                return " ".join([*words[:i], *new, *after]) + end
    return None


def _swap_names(prev: str, name: str) -> str | None:
    """'What about Carney?' after 'How did Trump describe his relationship with Carney?':
    the same question with the two names in each other's place ('How did Carney describe
    his relationship with Trump?'); None unless ``prev`` names exactly two, ``name`` one."""
    found = names(prev)
    if len(found) != 2 or name not in found:
        return None
    other = found[1] if found[0] == name else found[0]
    swap = {name: other, other: name}
    return re.sub("|".join(rf"\b{re.escape(n)}\b" for n in found), lambda m: swap[m.group(0)], prev)


def _swap_qualifier(words: list[str], new: list[str]) -> str | None:
    """``words`` with ``new`` (a lone qualifier, maybe after a preposition or a determiner) in
    place of the one word of theirs that is a qualifier of its kind
    (:func:`qa.contrast.same_kind`): "the men's" for "women's" in "Who won the women's
    race?", "in the north" for "south" in "How much snow fell in the south?". None when
    ``new`` is more than one such word or ``words`` hold none of its kind, or more than one."""
    body = new[1:] if len(new) > 1 and new[0].lower() in _PREPOSITIONS else new  # "And in the north?"
    body = body[1:] if len(body) > 1 and body[0].lower() in DETERMINERS else body
    if len(body) != 1:
        return None
    word = body[0].strip(",;:?.!")
    spots = [
        i for i, w in enumerate(words)
        if same_kind(w.lower().strip(",;:?.!"), word.lower()) and w.lower().strip(",;:?.!") != word.lower()
    ]  # fmt: skip
    if len(spots) != 1:
        return None
    i = spots[0]
    after_determiner = bool(i) and words[i - 1].lower() in DETERMINERS
    possessive = re.search(r"['\u2019]s$", word) is not None
    if possessive and len(body) < len(new) and new[-2].lower() in DETERMINERS and not after_determiner:
        word = f"{new[-2]} {word}"  # "Why did the president's aide resign?", not "did president's"
    return " ".join([*words[:i], word + words[i][len(words[i].rstrip(",;:")) :], *words[i + 1 :]])


_PLURALS = {"people", "children", "men", "women", "staff", "police", "cattle"}


def _is_plural_noun_phrase(words: list[str]) -> bool:
    """'vehicles', 'electric cars', 'children': what a 'How many ...?' can count instead
    (not 'last year', 'in 2019' or 'the cars')."""
    return (
        len(words) <= 2
        and all(w.isalpha() and w.islower() and w not in _BOUNDARY and w not in DETERMINERS for w in words)
        and (words[-1].endswith("s") or words[-1] in _PLURALS)
    )


def _phrase_start(words: list[str], head: int) -> int:
    """Where the noun phrase ending at ``words[head]`` starts: back to its determiner,
    else over the possessives, names and numbers right before the head."""
    for j in range(head - 1, max(head - 5, -1), -1):
        w = words[j].lower()
        if w in DETERMINERS:
            return j
        if w in _BOUNDARY:
            break
    start = head
    while start > 0 and _is_modifier(words[start - 1]) and words[start - 1].lower() not in _BOUNDARY:
        start -= 1
    return start


def _is_modifier(word: str) -> bool:
    return (
        bool(re.search(r"['\u2019]s?$", word))
        or word[:1].isdigit()
        or (_is_cap(word) and word not in _SKIP_NAMES)
    )


def _is_noun_like(word: str) -> bool:
    """A lower-case word after a name that is no verb or preposition: the name is its modifier."""
    return word.islower() and word not in _BOUNDARY and not word.endswith(("ed", "ing"))


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _stem(word: str) -> str:
    w = re.sub(r"['\u2019]s$", "", word.lower().strip(",;:?.!"))
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def _mark(question: str) -> str:
    m = re.search(r"[?.!]+\s*$", question)
    return m.group(0).strip() if m else "?"


_ASKED = re.compile(
    r"^\s*(?:what|who|when|where|why|how|which)(?:['\u2019]s\b|\s+(?:much|many|long|far|old|often)\b)?"
    r"\s*(?:(?:is|are|was|were|do|does|did)\s+)?",
    re.I,
)


def _content(question: str) -> str:
    """What a question asks about, without its question words: 'What's the price of a
    ticket?' -> 'the price of a ticket'; 'How much is an adult fare?' -> 'an adult fare'."""
    return _ASKED.sub("", question, count=1).rstrip("?. ")
