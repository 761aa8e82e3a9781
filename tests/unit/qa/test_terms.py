"""Term weights for answer scoring: the collection's idf smoothed by English at large."""

import math

import pytest

from qa.terms import background, background_rate, weigher


def test_the_background_table_ships_and_orders_words_by_frequency():
    table, unseen = background()
    assert len(table) > 30_000
    assert table["said"] > table["tariff"] > table["carney"] > unseen
    assert 0 < background_rate("zzqxv") < background_rate("tariff") < background_rate("said") < 1


def test_one_article_weighs_its_own_names_like_english_does():
    """Three chunks that all name Trump: BM25's idf gives 'trump' ~0.13; smoothed, a name
    weighs more than a common verb, and a word seen once is no rarer than a rare name."""
    df = {"trump": 3, "said": 3, "tariff": 3, "leavitt": 1}.get
    w = weigher(lambda t: df(t) or 0, 3)
    bm25 = math.log(1 + (3 - 3 + 0.5) / (3 + 0.5))
    assert w("trump") > 10 * bm25 and w("tariff") > w("said") * 2
    assert w("leavitt") == pytest.approx(w("leavitt"))  # deterministic
    assert w("zzqxv") > w("tariff")  # unseen anywhere: rarest


def test_a_large_collection_is_weighed_by_its_own_counts():
    n = 1_000_000
    w = weigher(lambda t: {"ferry": 100, "said": 400_000}.get(t, 0), n)
    own = math.log(1 + (n - 100 + 0.5) / (100 + 0.5))
    assert w("ferry") == pytest.approx(own, rel=0.05)
    assert w("said") < w("ferry")
