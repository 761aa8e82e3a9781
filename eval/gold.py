"""Gold answers resolved against what is stored: article ids and answer spans
in the stored article text, so passage hits are judged on real offsets."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from eval.formats import Gold, Question
from qa import Assistant

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Judged:
    """A question's gold, in index terms: ``{article_id: grade}`` and answer spans."""

    grades: dict[str, int]
    spans: dict[str, tuple[tuple[int, int], ...]]  # only articles whose hits need a span
    unresolved: int = 0

    def passage_hit(self, article_id: str, start: int, end: int) -> bool:
        if self.grades.get(article_id, 0) <= 0:
            return False
        spans = self.spans.get(article_id)
        if spans is None:
            return True
        return any(start <= a and b <= end for a, b in spans)


class Resolver:
    """Maps article references (id, title, file name or stem) to stored ids and
    SQuAD paragraph offsets to offsets in the stored article text."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._ids: dict[str, str] = {}
        for art in assistant.articles():
            for key in (art.id, art.title, *_file_keys(art.origin)):
                if key:
                    self._ids.setdefault(key, art.id)
                    self._ids.setdefault(key.lower(), art.id)
        self._texts: dict[str, str] = {}
        self._contexts: dict[tuple[str, str], int | None] = {}

    def article_id(self, ref: str) -> str | None:
        return self._ids.get(ref) or self._ids.get(ref.lower())

    def judge(self, q: Question) -> Judged:
        grades: dict[str, int] = {}
        spans: dict[str, tuple[tuple[int, int], ...]] = {}
        unresolved = 0
        for g in q.gold:
            aid = self.article_id(g.article)
            if aid is None:
                unresolved += 1
                continue
            grades[aid] = max(grades.get(aid, 0), g.grade)
            if g.spans:
                found = self._spans(aid, g)
                unresolved += len(g.spans) - len(found)
                spans[aid] = spans.get(aid, ()) + found
        return Judged(grades, spans, unresolved)

    def _text(self, aid: str) -> str:
        if aid not in self._texts:
            art = self.assistant.article(aid)
            self._texts[aid] = art.text if art else ""
        return self._texts[aid]

    def _spans(self, aid: str, g: Gold) -> tuple[tuple[int, int], ...]:
        text = self._text(aid)
        if g.context is None:
            return tuple((a, b) for a, b in g.spans if 0 <= a < b <= len(text))
        base = self._context_offset(aid, g.context)
        out = []
        for a, b in g.spans:
            answer = g.context[a:b]
            if base is not None and text[base + a : base + b] == answer:
                out.append((base + a, base + b))
            else:  # the stored text differs around here: fall back to the answer's text
                at = text.find(answer, max(0, (base or 0) + a - 200)) if answer else -1
                if at >= 0:
                    out.append((at, at + len(answer)))
        return tuple(out)

    def _context_offset(self, aid: str, context: str) -> int | None:
        key = (aid, context)
        if key not in self._contexts:
            text = self._text(aid)
            at = text.find(context)
            if at < 0:
                at = text.find("\n".join(ln.rstrip() for ln in context.split("\n")).strip())
            self._contexts[key] = at if at >= 0 else None
        return self._contexts[key]


def _file_keys(origin: str | None) -> tuple[str, ...]:
    if not origin:
        return ()
    p = Path(origin)
    return (p.name, p.stem)
