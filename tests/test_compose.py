"""Sentence scoring in compose: the query-coverage measure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qa.compose import coverage

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
