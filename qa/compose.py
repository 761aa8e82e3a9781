"""From candidate sentences to a short, cited answer, and how sure it is.

The :class:`~qa.evidence.SentenceModel` scores every candidate (log-odds of being
the answer sentence); the :class:`~qa.calibration.ConfidenceModel` turns the best
one's evidence into the probability that the answer is right. Three outcomes:

* ``answer``: confident. The answer is the fewest best sentences (at most three,
  within 80 words) that together hold :data:`HOLD` of the probability of being the
  answer sentence: one sentence when the best one is clear ("a factoid question wants
  the sentence that holds the answer"), more when two or three share the evidence; when
  the best sentence already covers the question (:data:`COVERED`), none that scores far
  below it (:data:`GAP`). The best sentence leads the answer; a sentence with the
  question's own qualifier ("the women's race") goes before a better-scored one giving
  another ("the men's race": :mod:`qa.contrast`).
* ``tentative``: the evidence is middling, or the best sentence lacks what the question
  asks for (a date, a number, a sum of money, a length: "How many trucks ...?" answered
  by a sentence without a count, or with only a share or a year), however sure the model.
  The best sentences (up to :data:`HOLD_TENTATIVE` of the probability) are given, marked
  so, with a note that says why.
* ``declined``: nothing is close, or the question names something no indexed article
  holds (:mod:`qa.names`: "the United Kingdom" of articles on Canada), however close the
  sentences read. No sentence; the note says so in plain words (the closest passages stay
  in ``passages``) and ``abstain_reason`` holds the figures.

'What did X say about Y?' questions answer with X's own words: the quotes whose
speaker is X (:func:`qa.quotes.speaker_of`) that name Y (in them, in the sentence
before, or in their article's headline), else X's other quotes (which may be about Y
in other words, or not: the answer is then at most tentative, and the note says that
none of them names Y, or, when the passages hold none of Y's words, that the articles do
not mention Y). A quote that names part of Y does not name Y when the passages never hold
Y's head word (:func:`topic_head`: "oil" in "Canadian oil"). When the passages name X but
quote X nowhere, the closest sentences with a note (tentative); when they do not name X,
a decline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from index import article_day, tokenize
from qa.answertype import answer_type, counts_things, mentions, place_missing
from qa.calibration import Calibration
from qa.contrast import LOOK, latest_first, own_pair_first
from qa.evidence import Candidate, question_terms, softmax
from qa.quotes import SayQuestion, has_words, introduced_as, named_as, names_speaker
from qa.sentences import coverage

NO_ANSWER = "I could not find an answer to that in the indexed articles."
MAX_SENTENCES = 3
MAX_WORDS = 80
MAX_WORDS_TENTATIVE = 110  # a tentative answer's closest sentences: room for a third long one
HOLD = 0.8  # a confident answer's sentences hold this much of the probability together
HOLD_TENTATIVE = 0.95  # ... a tentative one's, and a say-question's (the speaker's words, up to three)
SAME_REPORT = 0.5  # share of terms two articles' sentences hold in common to be one report (hand-set)
COVERED = 0.8  # a sure answer whose best sentence covers this much of the question is answered ...
GAP = 1.5  # ... and adds no sentence this many log-odds below it (under 22% as likely; both hand-set)
# what a question of these kinds asks for (qa.answertype): a sure answer must hold one
KIND_WORDS = {
    "time": "time of day",
    "date": "date",
    "number": "number",
    "money": "sum of money",
    "length": "length or time",
}
RESTATES = 0.25  # a best sentence with this little beyond the question's words (2 of 8 new terms) ...
# ... restates it ("Parts suppliers are also worried."): the sentence after it says what (hand-set)
SAY_TOPIC = 2.0  # log-odds added to a speaker's quote per unit of naming the topic asked (hand-set)


@dataclass(frozen=True)
class Composed:
    """The chosen sentences (in answer order) and how sure the answer is."""

    picked: tuple[Candidate, ...]
    confidence: float
    status: str  # "answer", "tentative" or "declined"
    note: str | None = None  # for a person: why tentative or declined, in plain words
    reason: str | None = None  # for tools: the figures behind a decline or a tentative answer
    scores: tuple[float, ...] = ()  # the sentence model's score of each picked sentence
    evidence: tuple[float, ...] = ()  # what the confidence was computed from (CONFIDENCE_FEATURES)
    share: float = 0.0  # the best sentence's share of the candidates' probability


def declined(
    note: str, reason: str, confidence: float = 0.0, evidence: tuple[float, ...] = (), share: float = 0.0
) -> Composed:
    return Composed((), confidence, "declined", note, reason, (), evidence, share)


def compose(
    question: str,
    candidates: Sequence[Candidate],
    calibration: Calibration,
    weight: Callable[[str], float],
    say: SayQuestion | None = None,
    passages: int = 1,
    unknown: Sequence[str] = (),
) -> Composed:
    """The answer to ``question`` from ``candidates`` (see :func:`qa.evidence.gather`);
    ``passages`` is how many passages were retrieved (none: nothing matched at all);
    ``unknown``: the names of the question no indexed article holds (:func:`qa.names.unknown`)."""
    if not passages:
        return declined(
            "Nothing in the indexed articles matches that question.",
            "no passage in the index matches the question",
        )
    if not candidates:
        return declined(
            "The passages closest to the question hold no complete sentences to answer with.",
            "the matching passages hold no complete sentences",
        )
    scores = calibration.sentence.scores(candidates)
    pool = list(range(len(candidates)))
    note, quoted, aside = None, 0.0, None
    if say is not None:
        pool, note, quoted, aside = _say_pool(candidates, say, weight)
        if say.topic and quoted:  # among the speaker's quotes, those naming the topic come first
            topic = question_terms(say.topic, weight)
            scores = scores + SAY_TOPIC * np.asarray([_names_topic(topic, c) for c in candidates])
        if not pool:
            return declined(note or "", f"no sentence in the closest passages quotes {say.speaker}")
    order = sorted(pool, key=lambda i: -scores[i])
    if say is None:  # "the women's race", not the best-covered sentence on the men's
        own = own_pair_first(question, [candidates[i].sentence for i in order[: LOOK + 1]])
        if own is None:  # "right now": of the sentences close to the best, the latest
            close = [candidates[i].sentence for i in order[: LOOK + 1] if scores[i] >= scores[order[0]] - GAP]
            own = latest_first(question, close)
        if own is not None:
            order.insert(0, order.pop(own))
    best = candidates[order[0]]
    margin = float(scores[order[0]] - scores[order[1]]) if len(order) > 1 else 2.0
    covered = best.feature("coverage")
    if say is not None and quoted:  # the speaker's own words: "X" and "say" are met
        said = best.terms | frozenset(tokenize(f"{say.speaker} say"))
        covered = max(covered, coverage(question_terms(question, weight), said | best.previous_terms))
    evidence = (
        float(scores[order[0]]),
        margin,
        best.feature("similarity"),
        covered,
        max(c.feature("passage") for c in candidates),
        quoted,
    )
    confidence = calibration.confidence.probability(evidence)
    status = (
        "answer"
        if confidence >= calibration.answer_at
        else "tentative"
        if confidence >= calibration.tentative_at
        else "declined"
    )
    kind = answer_type(question)
    lacking = None
    if kind in KIND_WORDS and not mentions(best.sentence, kind, question):
        lacking = "count" if kind == "number" and counts_things(question) else KIND_WORDS[kind]
    if kind == "name" and lacking is None:  # "Who came third?" and no third place
        lacking = place_missing(best.sentence, question)
    if status == "answer" and say is None and lacking:  # "How many trucks ...?" and no count
        note = f"The closest sentence gives no {lacking}, which the question asks for; see the passages."
    # however sure the model, an answer with a note is tentative (and no surer than one, so that
    # the figure and the outcome agree): the best sentence lacks what was asked (above), the
    # speaker's quotes do not name the topic (they may be on another), ...
    if status == "answer" and (note is not None or aside is not None):
        status, confidence = "tentative", max(0.0, min(confidence, calibration.answer_at - 0.01))
    if status == "tentative" and note is None:
        note = aside
    reason = (
        f"confidence {confidence:.2f} (answers from {calibration.answer_at:.2f}, tentative from "
        f"{calibration.tentative_at:.2f}): the best sentence covers {evidence[3]:.0%} of the question, "
        f"similarity {evidence[2]:.2f}, best passage similarity {evidence[4]:.2f}"
        + (f", and holds no {lacking}" if lacking else "")
    )
    share = softmax(scores[order])
    if unknown and say is None:  # (a say-question's own notes say what the articles lack)
        named = " or ".join(unknown)
        note = f"The indexed articles never mention {named}; check the spelling, or add articles about it."
        reason = f"the question names {named}, which no indexed chunk holds; {reason}"
        confidence = min(confidence, max(0.0, calibration.tentative_at - 0.01))
        return declined(note, reason, confidence, evidence, float(share[0]))
    if status == "declined":
        note = "Nothing in the indexed articles answers that closely enough."
        return declined(note, reason, confidence, evidence, float(share[0]))
    picked = [best]
    held, words = float(share[0]), len(best.sentence.split())
    enough = HOLD if status == "answer" and say is None else HOLD_TENTATIVE  # a speaker's words: more of them
    room = MAX_WORDS if status == "answer" else MAX_WORDS_TENTATIVE
    # once the question is answered (sure, and the best sentence covers it), no context far below it
    answered = status == "answer" and say is None and covered >= COVERED
    floor = float(scores[order[0]]) - GAP if answered else -np.inf
    for i, p in zip(order[1:], share[1:], strict=True):
        cand = candidates[i]
        if len(picked) >= MAX_SENTENCES or held >= enough or scores[i] < floor:
            break
        n = len(cand.sentence.split())
        if words + n > room or any(cand.repeats(c) for c in picked):
            continue
        picked.append(cand)
        held, words = held + float(p), words + n
    follow = _following(best, candidates) if say is None and best.feature("novelty") <= RESTATES else None
    if follow is not None and follow not in picked and len(picked) < MAX_SENTENCES:
        picked.append(follow)  # "Parts suppliers are also worried.": the next sentence says what worries them
    if status == "tentative" and note is None:
        note = "These are the closest sentences, but they may not answer the question; check the passages."
    picked = _answer_order(picked)
    score_of = {id(candidates[i]): float(scores[i]) for i in order}
    return Composed(
        tuple(picked), confidence, status, note, reason if status == "tentative" else None,
        tuple(score_of[id(c)] for c in picked), evidence, float(share[0]),
    )  # fmt: skip


def _following(best: Candidate, candidates: Sequence[Candidate]) -> Candidate | None:
    """The candidate sentence that comes next after ``best`` in its article, if any."""
    after = [c for c in candidates if c.passage.article_id == best.passage.article_id and c.start >= best.end]
    follow = min(after, key=lambda c: c.start, default=None)
    return follow if follow is not None and follow.start - best.end <= 2 else None  # (a space or a break)


def _answer_order(picked: list[Candidate]) -> list[Candidate]:
    """The best sentence (``picked[0]``) leads: a factoid question wants the sentence
    that holds the answer first. Another report of the same thing (most of its terms
    in common: the same wire story with another figure) from a newer article goes
    before it, so that where reports disagree the latest is read first. The rest follow
    newest article first (undated last), then retrieval rank and reading order."""
    best, rest = picked[0], picked[1:]
    same = [_same_report(c, best) for c in rest]
    versions = [c for c, s in zip(rest, same, strict=True) if s]
    others = [c for c, s in zip(rest, same, strict=True) if not s]
    newest = sorted([best, *versions], key=lambda c: -_day(c.passage.date))  # stable: best first on a tie
    return newest + sorted(others, key=lambda c: (-_day(c.passage.date), c.rank, c.start))


def _same_report(a: Candidate, b: Candidate) -> bool:
    """Whether two sentences of different articles report the same thing: at least
    :data:`SAME_REPORT` of their terms in common (Jaccard)."""
    if a.passage.article_id == b.passage.article_id or not (a.terms and b.terms):
        return False
    return len(a.terms & b.terms) >= SAME_REPORT * len(a.terms | b.terms)


def _say_pool(
    candidates: Sequence[Candidate], say: SayQuestion, weight: Callable[[str], float]
) -> tuple[list[int], str | None, float, str | None]:
    """The candidates a say-question may answer with; a note when they fall short; how
    well they are the speaker's words on the topic (1: quotes of the speaker naming the
    topic, 0.5: the speaker's quotes, 0: not the speaker's words); and what to say if
    the answer turns out tentative (the quotes do not name the topic)."""
    quotes = words_of(candidates, say)
    if not quotes:
        role = say.role_words
        if any(has_words(c.sentence, role) if role else names_speaker(c.sentence, say.speaker_names)
               for c in candidates):  # fmt: skip
            about = f" about {say.topic}" if say.topic else ""
            note = (
                f"The articles mention {say.speaker} but quote none of {say.speaker}'s words{about}; "
                "these are the closest sentences."
            )
            return list(range(len(candidates))), note, 0.0, None
        return [], f"The indexed articles do not quote {say.speaker}.", 0.0, None
    if not say.topic:
        return quotes, None, 1.0, None
    topic = question_terms(say.topic, weight)
    held = frozenset().union(*(c.terms for c in candidates))
    if not coverage(topic, held):
        # the passages do not name the topic anywhere: whatever the speaker said, it is not that
        note = f"The articles do not mention {say.topic}; this is what {say.speaker} said."
        return quotes, note, 0.5, None
    head = topic_head(say.topic)  # "oil" in "Canadian oil": a quote naming "Canadian" is not about it
    if not head or coverage({head: 1.0}, held):  # no quote names a topic whose head is nowhere
        naming = [i for i in quotes if _names_topic(topic, candidates[i]) > 0]
        if naming:
            return naming, None, 1.0, None
    aside = (
        f"The articles quote {say.speaker}, but none of these quotes mentions {say.topic}; "
        f"this is what {say.speaker} said."
    )
    return quotes, None, 0.5, aside


_PREPOSITION = re.compile(
    r"\s(?:of|in|on|at|with|about|for|from|to|into|between|behind|after|before|over|under|during"
    r"|among|against|toward|towards|through|by|as|than|since|until)\s",
    re.I,
)


def topic_head(topic: str) -> str | None:
    """The word a say-question's topic is about, as a term: the last content word before
    its first preposition ("oil" in "Canadian oil", "prices" in "aluminum prices in the
    United States", "strength" in "the strength of the peso"); None when it has none."""
    terms = tokenize(_PREPOSITION.split(f" {topic} ", maxsplit=1)[0])
    return terms[-1] if terms else None


def words_of(candidates: Sequence[Candidate], say: SayQuestion) -> list[int]:
    """Which candidates give the speaker's words (a quote or reported speech): by name, or,
    for a speaker asked by role, introduced with that role."""
    names, role = say.speaker_names, say.role_words
    if role:  # "the transport coordinator": the people the passages introduce with that role
        roled = [c for c in candidates if has_words(c.sentence, role)]
        if not roled:  # "the shop owner on Gull Island": an "Island shop owner" will do
            role = say.role_head
            roled = [c for c in candidates if has_words(c.sentence, role)]
        introduced = [c.said_by or named_as(c.sentence, role) for c in roled]
        names = [n for n in introduced if n]

    def speaks(c: Candidate) -> bool:
        who = c.said_by
        if not who:
            return False
        by_role = has_words(c.sentence, role) if role else introduced_as(c.sentence, say.speaker, who)
        return by_role or any(names_speaker(who, n.split()) for n in names)

    return [i for i, c in enumerate(candidates) if speaks(c)]


def _names_topic(topic: dict[str, float], c: Candidate) -> float:
    """How much a sentence names a say-question's topic: its own coverage of it, three
    quarters of the sentence before's (a quote often follows the sentence that says what
    it is about), or half of its article's title's (a headline says what a report's
    quotes are about: "Carney and Trump meet ... to talk tariffs and USMCA")."""
    return max(
        coverage(topic, c.terms),
        0.75 * coverage(topic, c.previous_terms),
        0.5 * coverage(topic, _title_terms(c.passage.title)),
    )


@lru_cache(maxsize=1024)
def _title_terms(title: str) -> frozenset[str]:
    return frozenset(tokenize(title))


def _day(value: str | None) -> int:
    """Days since year 1 for an ISO date, 0 when undated or unparseable."""
    day = article_day(value)
    return day.toordinal() if day else 0
