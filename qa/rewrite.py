"""Deterministic follow-up rewriting: carry speaker and topic from earlier turns.

'What did Trump say about USMCA?' then 'And what did Carney say?' becomes
'What did Carney say about USMCA?'; then 'What about tariffs?' becomes
'What did Carney say about tariffs?'. A question with a pronoun and no name
of its own gets the previous question's names appended.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from qa.quotes import parse_say_question

_ASKING = (
    r"what|who|whom|whose|when|where|why|how|which|is|are|was|were|do|does|did|can|could|will|would|"
    r"has|have|had"
)
_WHAT_ABOUT = re.compile(
    r"^\s*(?:and\s+|but\s+|so\s+)?(?:what|how)\s+about\s+(?P<topic>.+?)\s*[?.!]*\s*$"
    rf"|^\s*and\s+(?!(?:{_ASKING})\b)(?P<topic2>[^?]+?)\s*\?\s*$",  # "And the tariffs?", not "And what ...?"
    re.IGNORECASE,
)
_IT = {"it", "that", "this", "them", "those", "these", "him", "her"}
_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers|they|them|their|it|its|that|this|there|then)\b", re.I)
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


def rewrite(question: str, history: Sequence[Any] | None) -> str:
    """A standalone version of ``question`` given the previous user turns."""
    turns = user_turns(history)
    if not turns:
        return question
    prev = rewrite(turns[-1], turns[:-1])
    prev_say = parse_say_question(prev)
    say = parse_say_question(question)
    if say is not None and prev_say is not None and prev_say.topic:
        if say.topic is None or say.topic.lower() in _IT:  # "And what did Carney say (about it)?"
            return f"What did {say.speaker} say about {prev_say.topic}?"
    m = _WHAT_ABOUT.match(question)
    if m is not None:
        topic = m.group("topic") or m.group("topic2")
        if prev_say is not None:
            return f"What did {prev_say.speaker} say about {topic}?"
        return f"{topic} {_content(prev)}".strip()
    if _PRONOUN.search(question) and not names(question):
        carried = " ".join(names(prev))
        if carried:
            return f"{question.rstrip()} ({carried})"
    return question


def names(text: str) -> list[str]:
    """Capitalised names and acronyms, e.g. ['Trump', 'USMCA']."""
    found = []
    for m in _NAME.finditer(text):
        words = [w for w in m.group(0).split() if w not in _SKIP_NAMES]
        if words:
            found.append(" ".join(words))
    return found


def _content(question: str) -> str:
    return re.sub(r"^\s*(what|who|when|where|why|how|which)\b\s*", "", question, flags=re.I).rstrip("?. ")
