"""From the sentences an answer picked to its citations: one copy per syndicated story,
the citation records (page, other outlets, speaker), and the speaker's name where a
quote or reported speech names them only as "he" or "she"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from index import Snapshot, page_of
from qa.compose import Composed
from qa.evidence import Candidate
from qa.quotes import missing_marks, names_speaker, opens_quote
from qa.types import Citation, Passage


def one_copy(snap: Snapshot, passages: list[Passage]) -> list[Passage]:
    """The passages of one copy per group of syndicated copies: the representative's
    when it was found (see index.text.syndication.representative), else the best-ranked copy's."""
    groups = snap.copy_groups({p.article_id for p in passages})
    group_of = {m["article_id"]: rep for rep, members in groups.items() for m in members}
    found = {p.article_id for p in passages}
    chosen: dict[str, str] = {}
    for p in passages:
        rep = group_of.get(p.article_id)
        if rep is not None and rep not in chosen:
            chosen[rep] = rep if rep in found else p.article_id
    keep = {aid: chosen.get(rep, aid) == aid for aid, rep in group_of.items()}
    return [p for p in passages if keep.get(p.article_id, True)]


def citations(composed: Composed, snap: Snapshot) -> tuple[Citation, ...]:
    """The citations of a composed answer, numbered, each with its page and the other
    outlets that ran the same story (both read from the request's snapshot)."""
    out = []
    groups = snap.copy_groups({c.passage.article_id for c in composed.picked}) if composed.picked else {}
    for n, (c, score) in enumerate(zip(composed.picked, composed.scores, strict=True), start=1):
        p = c.passage
        also = [m for ms in groups.values() if any(x["article_id"] == p.article_id for x in ms) for m in ms]
        out.append(
            Citation(
                n=n, article_id=p.article_id, title=p.title, date=p.date, source=p.source, url=p.url,
                sentence=c.sentence, passage=p.text, start=c.start, end=c.end,
                score=round(score, 4), passage_start=p.start, passage_end=p.end,
                speaker=c.speaker, page=page_of(snap.page_starts(p.article_id), c.start),
                also_in=tuple(m for m in also if m["article_id"] != p.article_id),
            )
        )  # fmt: skip
    return tuple(out)


class Cited(Protocol):
    """A sentence in an answer: a :class:`Candidate` or a :class:`Citation`."""

    @property
    def speaker(self) -> str | None: ...
    @property
    def sentence(self) -> str: ...
    @property
    def article_id(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


def speaker_label(c: Cited, before: Cited | None = None) -> str | None:
    """The speaker to name before a quote whose sentence names them only as "he" or
    "she"; None when the sentence names them, or when the answer's sentence ``before`` it
    is the one right before it in the article and opens the quotation this one goes on
    with ("Trump: “We have natural conflict. [2] We also have mutual love ...,” he said [3]")."""
    if not c.speaker or names_speaker(c.sentence, c.speaker.split()):
        return None
    return None if _goes_on(before, c) else c.speaker


def _goes_on(before: Cited | None, c: Cited) -> bool:
    """Whether ``c`` is the sentence right after ``before`` in the article and goes on
    with a quotation ``before`` opens."""
    return (
        before is not None
        and before.article_id == c.article_id
        and 0 <= c.start - before.end <= 2  # the next sentence: a space or a line break between
        and opens_quote(before.sentence)
    )


def shown(c: Cited, before: Cited | None = None, after: Cited | None = None) -> str:
    """The sentence as an answer shows it: a quotation that runs over two sentences of the
    article gets the mark it lacks where the answer gives only one of them (‘“We also
    have mutual love ...,” he said’, not ‘We also have mutual love ...,” he said’); the
    citation keeps the article's own sentence and offsets."""
    opening, closing = missing_marks(c.sentence)
    text = c.sentence
    if opening and not _goes_on(before, c):
        text = opening + text
    if closing and not (after is not None and _goes_on(c, after)):
        text = text + closing
    return text


_SUBJECT = re.compile(r"(?:He|She)\b(?=\s+[a-z])")  # "He admitted that ...": the sentence's own subject


def named_subject(text: str, bracketed: str) -> str | None:
    """``text`` with ``bracketed`` (the speaker's name in brackets) after the "He" or "She"
    it opens with ("He [Trump] admitted that the neighbours have “natural conflict” ..."),
    as an editor names whom a pronoun means; None when it opens otherwise (a quotation:
    then the name goes before it, "Trump: “We could ...,” he said")."""
    m = _SUBJECT.match(text)
    return f"{text[: m.end()]} {bracketed}{text[m.end() :]}" if m else None


def labelled(c: Cited, before: Cited | None = None, after: Cited | None = None) -> str:
    """The sentence as the answer shows it (:func:`shown`) with its speaker's name where
    it needs one (:func:`speaker_label`): in brackets after an opening "He", else before it."""
    text = shown(c, before, after)
    name = speaker_label(c, before)
    if not name:
        return text
    return named_subject(text, f"[{name}]") or f"{name}: {text}"


def answer_text(picked: Sequence[Candidate], cited: Sequence[Citation]) -> str:
    """The answer: each picked sentence, its speaker's name where it needs one, and its number."""
    pairs = enumerate(zip(picked, cited, strict=True))
    return " ".join(f"{labelled(c, *around(picked, i))} [{cite.n}]" for i, (c, cite) in pairs)


def around(seq: Sequence[Cited], i: int) -> tuple[Cited | None, Cited | None]:
    """The answer's sentences before and after its ``i``-th."""
    return (seq[i - 1] if i else None), (seq[i + 1] if i + 1 < len(seq) else None)
