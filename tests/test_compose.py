"""Sentence scoring in compose: the query-coverage measure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.compose import CONTEXT_WEIGHT, candidates_for, compose, coverage
from qa.types import Passage

WORDS = st.text(alphabet="abcdeft", min_size=1, max_size=9)


def reference(query_terms: dict[str, float], sentence_terms: set[str]) -> float:
    """The definition, term by term: exact matches count fully, prefix matches of
    five letters or more (either way round) count 0.8."""
    total = sum(query_terms.values())
    if total <= 0:
        return 0.0
    got = 0.0
    for term, weight in query_terms.items():
        if term in sentence_terms:
            got += weight
        elif len(term) >= 5 and any(
            len(s) >= 5 and (term.startswith(s) or s.startswith(term)) for s in sentence_terms
        ):
            got += 0.8 * weight
    return got / total


@given(st.dictionaries(WORDS, st.floats(0.0, 10.0), max_size=8), st.sets(WORDS, max_size=20))
def test_coverage_is_the_definition(query_terms, sentence_terms):
    assert abs(coverage(query_terms, sentence_terms) - reference(query_terms, sentence_terms)) < 1e-9


def test_coverage_examples():
    q = {"competition": 2.0, "carney": 1.0, "tariffs": 1.0}
    assert coverage(q, {"carney", "compete"}) == 1.0 / 4.0  # 'compete' is no prefix of 'competition'
    assert coverage(q, {"carney", "competitions", "tariff"}) == (0.8 * 2 + 1 + 0.8) / 4
    assert coverage(q, set()) == 0.0 and coverage({}, {"a"}) == 0.0


def _passage(text: str) -> Passage:
    return Passage(article_id="a", title="Notes", text=text, start=0, end=len(text), score=1.0)


def test_a_sentence_leaning_on_the_one_before_gains_what_they_cover_together():
    q = "Where did Tesla study engineering?"
    answer = "He studied engineering in Graz."

    def score(text: str) -> float:
        cands = candidates_for(q, [_passage(text)], lambda _t: 1.0)
        return next(c.score for c in cands if c.sentence == answer)

    leaning = score(f"Tesla left home at nineteen. {answer}")
    alone = score(f"Edison left home at nineteen. {answer}")
    # 'studi engin' alone covers 2 of 3 terms; with 'tesla' before it, all 3
    assert leaning - alone == pytest.approx(CONTEXT_WEIGHT * (1.0 - 2.0 / 3.0))
    first = candidates_for(q, [_passage(f"{answer} Tesla left home at nineteen.")], lambda _t: 1.0)
    assert next(c.score for c in first if c.sentence == answer) == pytest.approx(alone)  # nothing before it


def test_the_same_sentence_from_two_reports_is_stated_once_but_differing_figures_both_show():
    same = "The ferry fare rises to four dollars on Monday, the transit authority said."
    other = "The ferry fare rises to five dollars on Monday, the transit authority said."
    q = "How much will the ferry fare be on Monday?"

    def answer(second: str) -> list[str]:
        texts = {"a": f"{same} Riders were angry.", "b": f"{second} Crews were told."}
        reports = [
            Passage(article_id=aid, title=aid, text=t, start=0, end=len(t), score=2.0 - i)
            for i, (aid, t) in enumerate(texts.items())
        ]
        picked, reason = compose(q, reports, lambda _t: 1.0)
        assert reason is None
        return [s for s, _ in picked]

    assert answer(same).count(same) == 1
    assert {same, other} <= set(answer(other))


def test_a_say_answer_leaves_out_sentences_that_only_name_the_speaker_off_topic():
    from qa.quotes import parse_say_question

    filler = "Trump spoke warmly about his guest while reporters gathered in the Oval Office."
    quote = '"We could renegotiate it, and that would be good," he said.'
    q = "What did Trump say about USMCA?"
    picked, _ = compose(q, [_passage(f"{filler} {quote}")], lambda _t: 1.0, parse_say_question(q))
    assert [s for s, _ in picked] == [quote]  # the quote follows a sentence naming Trump
