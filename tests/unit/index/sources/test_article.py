from datetime import date

from index.sources.article import article_day, make_article_id


def test_article_day_reads_the_iso_day_of_a_date_or_timestamp():
    assert article_day("2025-10-07") == date(2025, 10, 7)
    assert article_day("2025-10-07T14:30:00Z") == date(2025, 10, 7)
    for undated in (None, "", "October 7, 2025", "2025-13-01", "07/10/2025"):
        assert article_day(undated) is None, undated


def test_article_ids_are_stable_for_the_same_source_and_differ_between_sources():
    assert make_article_id("Trade talks", "a.txt") == make_article_id("Trade talks", "a.txt")
    assert make_article_id("Trade talks", "a.txt") != make_article_id("Trade talks", "b.txt")
