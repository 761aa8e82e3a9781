import math
import re
import string

import numpy as np
import pytest

from eval.metrics import (
    answer_contains,
    dedupe,
    first_hit_rank,
    hit_at_k,
    mean,
    ndcg_at_k,
    normalize_answer,
    percentile,
    reciprocal_rank,
    span_contains,
)


def _official_squad_normalize(s):
    """Verbatim logic of the official SQuAD v1.1 evaluate script (ASCII punctuation only)."""

    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


# ---------------------------------------------------------------- normalize_answer


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Denver Broncos", "denver broncos"),
        ("  a   cat,  AN apple; the end. ", "cat apple end"),
        ("Denver-based", "denverbased"),  # punctuation is deleted, not replaced by a space (official)
        ("$5 million", "5 million"),  # ASCII symbols are in string.punctuation: removed, as in SQuAD
        ("50%", "50"),
        ("theater", "theater"),  # articles only as whole words
        ("A", ""),
        ("", ""),
        ("Anne's\tbook\n", "annes book"),
    ],
)
def test_normalize_answer_squad_examples(raw, expected):
    assert normalize_answer(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("“Super Bowl 50”", "super bowl 50"),  # curly double quotes
        ("Broncos’ win", "broncos win"),  # curly apostrophe
        ("1990–1995", "19901995"),  # en dash behaves like the ASCII hyphen
        ("peace—at last", "peaceat last"),  # em dash
        ("and then…", "and then"),  # ellipsis
        ("«Le Monde»", "le monde"),
        ("¿qué?", "qué"),
        ("€5 and 20°", "€5 and 20°"),  # non-ASCII symbols (category S) are kept
    ],
)
def test_normalize_answer_unicode_punctuation(raw, expected):
    assert normalize_answer(raw) == expected


def test_normalize_answer_equals_official_script_on_ascii():
    rng = np.random.default_rng(0)
    chars = string.ascii_letters + string.digits + string.punctuation + " \t\n"
    alphabet = [*chars, "a ", "an ", "the ", "The "]
    for _ in range(500):
        s = "".join(rng.choice(alphabet, size=int(rng.integers(0, 40))))
        assert normalize_answer(s) == _official_squad_normalize(s)


# ---------------------------------------------------------------- answer_contains


def test_answer_contains_whole_tokens():
    assert answer_contains("In the end the Denver Broncos won the game.", ["Denver Broncos"])
    assert answer_contains("the denver broncos", ["The Denver Broncos!"])
    assert not answer_contains("It happened in 17 states.", ["7"])  # 7 is not the token 17
    assert not answer_contains("The Broncos of Denverland", ["Denver"])
    assert not answer_contains("Denver won; the Broncos lost", ["Denver Broncos"])  # not contiguous
    assert answer_contains("It happened in 17 states.", ["7", "17"])  # any gold suffices


def test_answer_contains_normalizes_both_sides():
    assert answer_contains("They paid “$5 million”.", ["5 million"])
    assert answer_contains("Answer: Super Bowl 50", ["super bowl 50"])


def test_answer_contains_ignores_empty_golds():
    assert not answer_contains("anything at all", [])
    assert not answer_contains("anything at all", [""])
    assert not answer_contains("the answer", ["the", "...", "  "])  # all normalize to ""
    assert not answer_contains("", ["Denver"])
    assert answer_contains("the answer", ["", "answer"])


def test_answer_contains_accepts_a_bare_string():
    assert answer_contains("the Denver Broncos", "Denver Broncos")
    assert not answer_contains("nope", "Denver Broncos")


# ---------------------------------------------------------------- ranks


def test_first_hit_rank():
    assert first_hit_rank([False, False, True, True]) == 3
    assert first_hit_rank([True]) == 1
    assert first_hit_rank([False, False]) is None
    assert first_hit_rank([]) is None


def test_hit_at_k():
    assert hit_at_k(1, 1) == 1.0
    assert hit_at_k(3, 3) == 1.0
    assert hit_at_k(4, 3) == 0.0
    assert hit_at_k(None, 10) == 0.0


def test_reciprocal_rank():
    assert reciprocal_rank(1) == 1.0
    assert reciprocal_rank(4) == 0.25
    assert reciprocal_rank(10) == pytest.approx(0.1)
    assert reciprocal_rank(11) == 0.0  # beyond the default cut of 10
    assert reciprocal_rank(11, k=20) == pytest.approx(1 / 11)
    assert reciprocal_rank(3, k=2) == 0.0
    assert reciprocal_rank(None) == 0.0
    with pytest.raises(ValueError):
        reciprocal_rank(0)


def test_dedupe():
    assert dedupe(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]
    assert dedupe([]) == []
    assert dedupe(("x",)) == ["x"]


# ---------------------------------------------------------------- nDCG


def test_ndcg_hand_computed():
    # ranked d1 d2 d3 d4, grades 3, 0, 2, unjudged:
    #   DCG  = 3/log2(2) + 0/log2(3) + 2/log2(4) + 0 = 3 + 0 + 1 = 4
    # positive grades in the qrels: 3, 2, 1 (d5 was never retrieved):
    #   IDCG = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3.5 + 1.26186 = 4.76186
    #   nDCG = 4 / 4.76186 = 0.84001
    qrels = {"d1": 3, "d2": 0, "d3": 2, "d5": 1}
    expected = 4 / (3.5 + 2 / math.log2(3))
    assert ndcg_at_k(["d1", "d2", "d3", "d4"], qrels) == pytest.approx(expected)
    assert expected == pytest.approx(0.84001, abs=1e-5)


def test_ndcg_cut_at_k():
    # k=2: DCG = 3 (d1) + 0 (d2); IDCG = 3 + 2/log2(3) -> 3 / (3 + 1.26186) = 0.70390
    qrels = {"d1": 3, "d2": 0, "d3": 2, "d5": 1}
    assert ndcg_at_k(["d1", "d2", "d3", "d4"], qrels, k=2) == pytest.approx(3 / (3 + 2 / math.log2(3)))
    # k=1: only the first document and the best grade count: 3/3
    assert ndcg_at_k(["d1", "d2"], qrels, k=1) == 1.0
    assert ndcg_at_k(["d3"], qrels, k=1) == pytest.approx(2 / 3)


def test_ndcg_perfect_and_linear_gain():
    qrels = {"a": 2, "b": 1}
    assert ndcg_at_k(["a", "b", "zzz"], qrels) == pytest.approx(1.0)
    # reversed: DCG = 1 + 2/log2(3) = 2.26186; IDCG = 2 + 1/log2(3) = 2.63093 -> 0.85972
    # (with exponential gain 2^rel-1 it would be (1 + 3/log2(3)) / (3 + 1/log2(3)) = 0.8135 instead)
    expected = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg_at_k(["b", "a"], qrels) == pytest.approx(expected)
    assert expected == pytest.approx(0.85972, abs=1e-5)


def test_ndcg_dedupes_before_cutting():
    # ["x", "x", "a"] -> ["x", "a"]; at k=2 "a" is at rank 2: 1/log2(3) = 0.63093.
    # Cutting first would keep ["x", "x"] and give 0.
    assert ndcg_at_k(["x", "x", "a"], {"a": 1}, k=2) == pytest.approx(1 / math.log2(3))
    # A relevant document repeated is counted once: ["a", "a", "b"] -> ["a", "b"], a perfect ranking.
    # (Counting the repeat would give (1 + 1/log2(3) + 1/2) / (1 + 1/log2(3)) > 1.)
    assert ndcg_at_k(["a", "a", "b"], {"a": 1, "b": 1}) == pytest.approx(1.0)


def test_ndcg_non_positive_grades_and_empty_inputs():
    # negative and zero grades give no gain and are not in the ideal ranking
    assert ndcg_at_k(["n", "z", "a"], {"n": -1, "z": 0, "a": 1}) == pytest.approx(0.5)  # 1/log2(4)
    assert ndcg_at_k(["a", "b"], {}) == 0.0
    assert ndcg_at_k(["a", "b"], {"a": 0, "b": -2}) == 0.0
    assert ndcg_at_k([], {"a": 1}) == 0.0
    assert ndcg_at_k([], {}) == 0.0
    assert ndcg_at_k(["a"], {"a": 1}, k=0) == 0.0


def _textbook_ndcg(ranked, qrels, k):
    """Independent straightforward nDCG@k (linear gain, log2 discount), for cross-checking."""
    seen, unique = set(), []
    for d in ranked:
        if d not in seen:
            seen.add(d)
            unique.append(d)
    gains = [max(qrels.get(d, 0), 0) for d in unique[:k]]
    dcg = sum(g / np.log2(r + 2) for r, g in enumerate(gains))
    ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / np.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def _random_queries(seed, n_queries=50, n_docs=40):
    rng = np.random.default_rng(seed)
    docs = [f"doc{i}" for i in range(n_docs)]
    queries = {}
    for q in range(n_queries):
        judged = rng.choice(docs, size=int(rng.integers(1, 20)), replace=False)
        qrels = {str(d): int(rng.integers(-1, 4)) for d in judged}  # grades -1..3
        if q % 5 != 0:  # most queries get at least one positive judgement; every fifth may have none
            qrels[str(judged[0])] = int(rng.integers(1, 4))
        ranked = [str(d) for d in rng.choice(docs, size=int(rng.integers(0, 25)), replace=False)]
        queries[f"q{q}"] = (ranked, qrels)
    return queries


def test_ndcg_matches_textbook_reimplementation():
    for ranked, qrels in _random_queries(seed=1).values():
        for k in (1, 3, 5, 10, 20):
            assert ndcg_at_k(ranked, qrels, k=k) == pytest.approx(_textbook_ndcg(ranked, qrels, k), abs=1e-12)
            with_dups = ranked + ranked[::2]
            assert ndcg_at_k(with_dups, qrels, k=k) == pytest.approx(_textbook_ndcg(ranked, qrels, k))


def test_ndcg_matches_trec_eval():
    pytrec_eval = pytest.importorskip("pytrec_eval")
    queries = _random_queries(seed=2)
    qrels_all = {qid: qrels for qid, (_, qrels) in queries.items()}
    # trec_eval ranks by descending score; distinct scores fix our order. Empty runs are left out:
    # trec_eval reports nothing for a query without a run, and ndcg_at_k gives 0.0 there anyway.
    run_all = {
        qid: {doc: float(len(ranked) - i) for i, doc in enumerate(ranked)}
        for qid, (ranked, _) in queries.items()
        if ranked
    }
    measures = {"ndcg_cut_5", "ndcg_cut_10"}
    results = pytrec_eval.RelevanceEvaluator(qrels_all, measures).evaluate(run_all)
    assert len(results) == len(run_all) >= 40
    for qid, scores in results.items():
        ranked, qrels = queries[qid]
        assert ndcg_at_k(ranked, qrels, k=10) == pytest.approx(scores["ndcg_cut_10"], abs=1e-9), qid
        assert ndcg_at_k(ranked, qrels, k=5) == pytest.approx(scores["ndcg_cut_5"], abs=1e-9), qid


# ---------------------------------------------------------------- statistics


def test_percentile_hand_computed():
    assert percentile([4, 1, 3, 2], 50) == 2.5  # between 2 and 3
    assert percentile([1, 2, 3, 4], 25) == 1.75  # position 0.75 -> 1 + 0.75
    assert percentile([1, 2, 3, 4], 0) == 1.0
    assert percentile([1, 2, 3, 4], 100) == 4.0
    assert percentile([10, 20], 90) == pytest.approx(19.0)
    assert percentile([5.0], 99) == 5.0
    assert percentile([], 50) == 0.0
    assert percentile([3, 3, 3], 37) == 3.0


def test_percentile_rejects_bad_q():
    with pytest.raises(ValueError):
        percentile([1.0], 101)
    with pytest.raises(ValueError):
        percentile([1.0], -1)


def test_percentile_matches_numpy():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        values = (rng.normal(size=n) * 10.0 ** rng.integers(-3, 4)).tolist()
        if rng.random() < 0.3:
            values = rng.integers(0, 5, size=n).astype(float).tolist()  # many ties
        for q in [0, 1, 5, 25, 33.3, 50, 75, 90, 95, 99, 100, float(rng.uniform(0, 100))]:
            expected = float(np.percentile(values, q))
            assert percentile(values, q) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_mean():
    assert mean([1, 2, 3, 4]) == 2.5
    assert mean([0.1] * 10) == pytest.approx(0.1)
    assert mean([]) == 0.0
    assert mean((7.0,)) == 7.0


# ---------------------------------------------------------------- spans


def test_span_contains():
    assert span_contains(0, 10, 2, 5)
    assert span_contains(0, 10, 0, 10)  # the span itself
    assert not span_contains(0, 10, 5, 11)  # ends after the outer span
    assert not span_contains(3, 10, 2, 5)  # starts before it
    assert not span_contains(0, 10, 10, 12)  # half-open: 10 is outside [0, 10)
    assert span_contains(0, 10, 10, 10)  # an empty span at the end boundary
    assert span_contains(0, 10, 4, 4)
    assert not span_contains(0, 10, 5, 3)  # inverted span
