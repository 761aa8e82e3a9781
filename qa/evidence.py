"""The candidate answer sentences of the top passages, each with what speaks for it.

Every prose sentence of the passages answers come from (the top five) is a
:class:`Candidate` with these features (names in :data:`FEATURES`):

* ``coverage``: the share of the question's term weight the sentence holds
  (weights from :mod:`qa.terms`: the collection's idf smoothed by English at large);
* ``context``: what the sentence covers together with the one before it, beyond
  its own coverage (an answer often leans on the sentence before: "He graduated in 1873.");
* ``similarity``: the model's cosine between the question and the sentence (the
  sentence's vector from the chunk's pass at ingest, see :mod:`index.embed.sentences`);
  this is what finds a sentence that answers in other words than the question's;
* ``passage``: the cosine between the question and the whole passage;
* ``answer_type``: 1 when the question asks for a date, sum of money, number, length or name and the sentence
  holds one ("how long" wants "two years", not any number; "how many books" a count of books,
  0.5 for a count of something else: :mod:`qa.answertype`);
* ``rank``: ``1 / (1 + rank / 2)`` of the sentence's passage in the retrieved list;
* ``novelty``: how much the sentence says besides the question's own words (up to 1
  at 8 new terms): a sentence that only restates the question does not answer it.

A :class:`SentenceModel` (weights from the calibration file, :mod:`qa.calibration`)
turns them into one score per sentence; the scores of a question's candidates are
log-odds of each being the answer sentence (the model is fitted that way).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from index import SentenceVectors, is_prose, sentence_spans, tokenize
from qa.answertype import answer_type, degree
from qa.quotes import is_quote, opens_quote, reported_speaker, speaker_of, whole_quote
from qa.sentences import coverage, sentences, similarities
from qa.types import Passage

FEATURES = ("coverage", "context", "similarity", "passage", "answer_type", "rank", "novelty")
NOVEL_TERMS = 8  # new terms at which novelty reaches 1


@dataclass(frozen=True)
class Candidate:
    """One sentence that could be (part of) the answer."""

    passage: Passage
    rank: int
    start: int  # offsets of the sentence in the article text
    end: int
    sentence: str
    terms: frozenset[str]
    features: tuple[float, ...]
    speaker: str | None = None  # who the sentence quotes, when it is a quote
    previous_terms: frozenset[str] = frozenset()  # those of the sentence before it

    @property
    def article_id(self) -> str:
        return self.passage.article_id

    @property
    def said_by(self) -> str | None:
        """Whose words the sentence gives: the speaker of its quote, or the person next
        to its speech verb ("Karoline Leavitt confirmed that trade ... were central topics")."""
        return self.speaker or reported_speaker(self.sentence)

    def feature(self, name: str) -> float:
        return self.features[FEATURES.index(name)]

    def repeats(self, other: Candidate) -> bool:
        """Whether this sentence says exactly what ``other`` says, in the same
        terms (a wire story carried by two outlets). Sentences that differ in any
        term, such as a figure, are both kept: reports that disagree must show."""
        return bool(self.terms) and self.terms == other.terms


@dataclass(frozen=True)
class Evidence:
    """What an answer is made from: the question as searched, the passages found, and
    the candidate sentences of the top ones (``Assistant.evidence``)."""

    question: str
    query: str
    passages: tuple[Passage, ...]
    candidates: tuple[Candidate, ...]
    weight: Callable[[str], float]
    answer_passages: int  # how many of the passages the candidates come from
    timings_ms: dict[str, float]
    started: float = 0.0  # time.perf_counter() when the question came in
    snapshot: Any = None  # the read it was found in (index.storage.snapshot.Snapshot): citations read it too


@dataclass(frozen=True)
class SentenceModel:
    """A linear score over :data:`FEATURES`."""

    weights: tuple[float, ...]

    def scores(self, candidates: Sequence[Candidate]) -> np.ndarray:
        if not candidates:
            return np.zeros(0)
        return np.asarray([c.features for c in candidates], dtype=np.float64) @ np.asarray(self.weights)


def question_terms(question: str, weight: Callable[[str], float]) -> dict[str, float]:
    return {t: weight(t) for t in tokenize(question)}


def gather(
    question: str,
    query_vector: np.ndarray | None,
    passages: Sequence[Passage],
    weight: Callable[[str], float],
    vectors: Mapping[int, SentenceVectors],
    text_before: Callable[[str, int], str] | None = None,
) -> list[Candidate]:
    """Every prose sentence of ``passages`` (each sentence of an article once), scored
    by :data:`FEATURES`. ``text_before(article_id, offset)`` gives the article text
    before a passage, to find the speaker of a quote that opens it."""
    terms = question_terms(question, weight)
    kind = answer_type(question)
    asked = set(terms)
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for rank, p in enumerate(passages):
        analysed = sentences(p.text)
        texts = [p.text[x.start : x.end] for x in analysed]
        sims = similarities(vectors.get(p.chunk_id), p.text, query_vector)
        dense = float(p.dense_score) if p.dense_score is not None else 0.0
        lead: list[str] | None = None
        for i, (x, sent) in enumerate(zip(analysed, texts, strict=True)):
            key = (p.article_id, p.start + x.start)
            if key in seen or not is_prose(sent):
                continue
            seen.add(key)
            cov = coverage(terms, x.terms, x.prefixes)
            context = 0.0
            before = frozenset[str]()
            if i > 0:
                before = analysed[i - 1].terms
                with_before = coverage(terms, x.terms | before, x.prefixes | analysed[i - 1].prefixes)
                context = with_before - cov
            sim = sims[i] if sims[i] is not None else dense
            features = (
                cov,
                context,
                float(sim),
                dense,
                degree(sent, kind, question),
                1.0 / (1.0 + 0.5 * rank),
                min(1.0, len(x.terms - asked) / NOVEL_TERMS),
            )
            speaker = None
            if is_quote(sent) or opens_quote(sent) or whole_quote(sent):
                if lead is None:
                    lead = _sentences_before(text_before, p)
                speaker = speaker_of(sent, [*lead, *texts[:i]][-3:], texts[i + 1 : i + 3])
            out.append(
                Candidate(
                    p, rank, p.start + x.start, p.start + x.end, sent, x.terms, features, speaker, before
                )
            )
    return out


def _sentences_before(text_before: Callable[[str, int], str] | None, p: Passage) -> list[str]:
    """The last sentences of the article before the passage (for a quote that opens it)."""
    if text_before is None or p.start == 0:
        return []
    before = text_before(p.article_id, p.start)
    return [before[a:b] for a, b in sentence_spans(before)][-2:]


def softmax(scores: np.ndarray) -> np.ndarray:
    if not len(scores):
        return scores
    z = np.exp(scores - scores.max())
    return z / z.sum()
