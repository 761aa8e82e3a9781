"""From passages to a short, cited, extractive answer.

Every sentence of the top passages is scored by how much of the question it
covers (BM25 idf-weighted, stems and shared prefixes), a little by what it
covers together with the sentence before it, by the rank of its passage, and,
for 'what did X say about Y' questions, by whether it quotes X on Y. The best
few sentences, within a word budget, become the answer; each is followed by its
citation number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

from index.article import article_day
from index.lexical import tokenize
from index.text import is_prose, sentence_spans
from qa.answertype import answer_type, holds
from qa.quotes import SayQuestion, attributed, names_speaker
from qa.types import Citation, Passage

ANSWER_TYPE_BONUS = 0.08  # a sentence holding the kind of answer asked for (date, number, name)
# Per unit of question coverage that a sentence gains with the sentence before it in
# its passage: an answer often leans on the one before ("He graduated in 1873.").
CONTEXT_WEIGHT = 0.3
NO_ANSWER = "I could not find an answer to that in the indexed articles."

# min_relevance per embedding model, from `python -m eval.calibrate` on the SQuAD
# dev half (4th percentile of answerable questions). Cosine scales differ between
# models, so an uncalibrated model abstains on coverage alone.
CALIBRATED = {"all-MiniLM-L6-v2": 0.427}


@dataclass(frozen=True)
class ComposeSettings:
    """Knobs of answer composition; the defaults are what the CLI and UI use."""

    max_passages: int = 5  # answer sentences come from the top passages only
    max_sentences: int = 3
    max_words: int = 80
    min_relative: float = 0.6  # keep sentences scoring at least this share of the best
    # Abstain when relevance = mean(best sentence coverage, best passage cosine) is
    # below min_relevance; with no calibrated cosine threshold for the model (None)
    # or no cosine (bm25 mode), when coverage alone is below min_coverage. Values
    # come from `python -m eval.calibrate` (README, "Abstention"); see CALIBRATED.
    min_relevance: float | None = None
    min_coverage: float = 0.365


@dataclass(frozen=True)
class _Candidate:
    score: float
    coverage: float
    passage_rank: int
    passage: Passage
    start: int
    end: int
    sentence: str
    terms: frozenset[str] = frozenset()

    def repeats(self, other: _Candidate) -> bool:
        """Whether this sentence says exactly what ``other`` says, in the same
        terms (a wire story carried by two outlets). Sentences that differ in any
        term, such as a figure, are both kept: reports that disagree must show."""
        return bool(self.terms) and self.terms == other.terms


@dataclass(frozen=True)
class Sentence:
    """One sentence of a passage: its span in the passage text, its BM25 terms
    and every prefix of five letters or more of those terms."""

    start: int
    end: int
    terms: frozenset[str]
    prefixes: frozenset[str]

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Sentence:
        terms = frozenset(tokenize(text[start:end]))
        return cls(start, end, terms, _prefixes(terms))


def _prefixes(terms: Iterable[str]) -> frozenset[str]:
    return frozenset(t[:k] for t in terms for k in range(5, len(t) + 1))


@lru_cache(maxsize=4096)
def sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of a passage, analysed once (cached by text: the same
    passages come back for many questions, in retrieval and in composing)."""
    return tuple(Sentence.of(text, a, b) for a, b in sentence_spans(text))


def coverage(
    query_terms: dict[str, float], sentence_terms: AbstractSet[str], prefixes: AbstractSet[str] | None = None
) -> float:
    """Share of the query's idf mass present in the sentence (prefix matches of
    five letters or more count 0.8: 'tariff' ~ 'tariffs', 'negotiat' ~ 'negotiated').
    ``prefixes`` are those of the sentence's terms when already known."""
    total = sum(query_terms.values())
    if total <= 0:
        return 0.0
    got = 0.0
    for term, weight in query_terms.items():
        if term in sentence_terms:
            got += weight
        elif len(term) >= 5:
            if prefixes is None:
                prefixes = _prefixes(sentence_terms)
            # a sentence term starts with this term, or this term starts with one of 5+ letters
            if term in prefixes or any(term[:k] in sentence_terms for k in range(5, len(term))):
                got += 0.8 * weight
    return got / total


def best_coverage(query_terms: dict[str, float], text: str) -> float:
    """The highest :func:`coverage` of the question by one sentence of ``text``."""
    return max((coverage(query_terms, s.terms, s.prefixes) for s in sentences(text)), default=0.0)


def compose(
    query: str,
    passages: Sequence[Passage],
    idf: Callable[[str], float],
    say: SayQuestion | None = None,
    settings: ComposeSettings | None = None,
    text_before: Callable[[str, int], str] | None = None,
) -> tuple[list[tuple[str, Citation]], str | None]:
    """``([(sentence, citation), ...], abstain_reason)``; no sentences when abstaining.

    ``text_before(article_id, offset)`` gives the article text before a passage,
    so a passage's first sentence can be attributed by the one before it."""
    cfg = settings or ComposeSettings()
    if not passages:
        return [], "no passage in the index matches the question"
    candidates = candidates_for(query, passages, idf, say, cfg, text_before)
    if not candidates:
        return [], "the matching passages hold no complete sentences"
    best = max(candidates, key=lambda c: c.score)
    rel = relevance(candidates, passages, cfg)
    if rel.value < rel.threshold(cfg):
        return [], (
            f"nothing in the articles matches the question closely enough (relevance {rel.value:.2f} "
            f"< {rel.threshold(cfg):.2f}: best sentence covers {rel.coverage:.0%} of the question"
            + (f", best passage similarity {rel.dense:.2f})" if rel.dense is not None else ")")
        )
    chosen: list[_Candidate] = []
    words = 0
    for cand in sorted(candidates, key=lambda c: -c.score):
        n = len(cand.sentence.split())
        if len(chosen) >= cfg.max_sentences or cand.score < cfg.min_relative * best.score:
            break
        if chosen and (words + n > cfg.max_words or any(cand.repeats(c) for c in chosen)):
            continue
        chosen.append(cand)
        words += n
    # Newest article first (undated last), then retrieval rank and reading order:
    # when articles disagree, the latest report is read first.
    chosen.sort(key=lambda c: (-_day(c.passage.date), c.passage_rank, c.start))
    out = []
    for n, c in enumerate(chosen, start=1):
        p = c.passage
        cite = Citation(
            n=n,
            article_id=p.article_id,
            title=p.title,
            date=p.date,
            source=p.source,
            url=p.url,
            sentence=c.sentence,
            passage=p.text,
            start=c.start,
            end=c.end,
            score=round(c.score, 4),
            passage_start=p.start,
            passage_end=p.end,
        )
        out.append((c.sentence, cite))
    return out, None


@dataclass(frozen=True)
class Relevance:
    """How well the retrieved text matches the question, for abstention."""

    coverage: float
    dense: float | None

    @property
    def value(self) -> float:
        return self.coverage if self.dense is None else (self.coverage + self.dense) / 2

    def threshold(self, cfg: ComposeSettings) -> float:
        if self.dense is None or cfg.min_relevance is None:
            return cfg.min_coverage
        return cfg.min_relevance


def relevance(
    candidates: Sequence[_Candidate], passages: Sequence[Passage], cfg: ComposeSettings
) -> Relevance:
    """Best sentence coverage, and best passage cosine when the model has a
    calibrated threshold and the passages have dense scores."""
    dense = [p.dense_score for p in passages if p.dense_score is not None]
    best = max((c.coverage for c in candidates), default=0.0)
    return Relevance(best, max(dense) if dense and cfg.min_relevance is not None else None)


def candidates_for(
    query: str,
    passages: Sequence[Passage],
    idf: Callable[[str], float],
    say: SayQuestion | None = None,
    settings: ComposeSettings | None = None,
    text_before: Callable[[str, int], str] | None = None,
) -> list[_Candidate]:
    """Every answer sentence candidate of the top passages, scored."""
    cfg = settings or ComposeSettings()
    focus = query if say is None else f"{say.speaker} {say.topic or ''}"
    terms = {t: idf(t) for t in tokenize(focus)}
    topic_terms = {t: idf(t) for t in tokenize(say.topic)} if say and say.topic else {}
    expects = (answer_type(query), query) if say is None else None
    return _candidates(passages[: cfg.max_passages], terms, topic_terms, say, text_before, expects)


def _candidates(
    passages: Sequence[Passage],
    terms: dict[str, float],
    topic_terms: dict[str, float],
    say: SayQuestion | None,
    text_before: Callable[[str, int], str] | None,
    expects: tuple[str | None, str] | None = None,
) -> list[_Candidate]:
    seen: set[tuple[str, int]] = set()
    out: list[_Candidate] = []
    names = say.speaker_names if say else []
    for rank, p in enumerate(passages):
        analysed = sentences(p.text)
        texts = [p.text[x.start : x.end] for x in analysed]
        for i, (x, sent) in enumerate(zip(analysed, texts, strict=True)):
            a, b, stoks = x.start, x.end, x.terms
            key = (p.article_id, p.start + a)
            if key in seen or not is_prose(sent):
                continue
            seen.add(key)
            cov = coverage(terms, stoks, x.prefixes)
            prank = 0.35 / (1.0 + 0.5 * rank)
            if say is None:
                score = prank + 0.65 * cov
                if expects is not None and holds(sent, *expects):
                    score += ANSWER_TYPE_BONUS
                if i > 0:
                    before = analysed[i - 1]
                    with_before = coverage(terms, stoks | before.terms, x.prefixes | before.prefixes)
                    score += CONTEXT_WEIGHT * (with_before - cov)
            else:
                prev = texts[i - 1] if i > 0 else _last_sentence(text_before, p)
                score = prank + 0.3 * cov
                if attributed(sent, prev, names):
                    here = coverage(topic_terms, stoks, x.prefixes) if topic_terms else 1.0
                    prev_terms = analysed[i - 1].terms if i > 0 else frozenset(tokenize(prev))
                    before = coverage(topic_terms, prev_terms) if topic_terms else 1.0
                    score += 0.3 + 0.4 * max(here, 0.75 * before)
                elif not names_speaker(sent, names) or (
                    topic_terms and not coverage(topic_terms, stoks, x.prefixes)
                ):
                    score -= 0.15  # neither the speaker's words nor about the topic
            out.append(_Candidate(score, cov, rank, p, p.start + a, p.start + b, sent, stoks))
    return out


def _last_sentence(text_before: Callable[[str, int], str] | None, p: Passage) -> str:
    if text_before is None:
        return ""
    before = text_before(p.article_id, p.start)
    spans = sentence_spans(before)
    return before[spans[-1][0] : spans[-1][1]] if spans else ""


def _day(value: str | None) -> int:
    """Days since year 1 for an ISO date, 0 when undated or unparseable."""
    day = article_day(value)
    return day.toordinal() if day else 0
