import pytest

from qa.answertype import answer_type, holds


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did USMCA take effect?", "date"),
        ("In what year was NAFTA signed?", "date"),
        ("How many plants paused work?", "number"),
        ("How long was the library closed?", "length"),
        ("What percentage of exports go to the US?", "number"),
        ("Who confirmed the talks?", "name"),
        ("What did Trump say about USMCA?", None),
        ("On which weekday did the two leaders sit down together?", "date"),
        ("What day of the week was the vote?", "date"),
        ("What happened when it rained?", None),
        ("Which press official from the administration is quoted?", "name"),
        ("In which room did Trump talk to the press?", "name"),
        ("What company did she found?", "name"),
        ("What is the name of the ferry?", "name"),
        ("What did the official say?", None),  # "did" is no part of a name's noun phrase
        ("Which goods face U.S. tariffs?", None),
        ("What does the acronym USMCA stand for?", "expansion"),
        ("What is APEC short for?", "expansion"),
        ("How fast did the fastest woman run?", "length"),  # a time or a speed
    ],
)
def test_answer_type(question, kind):
    assert answer_type(question) == kind


def test_holds_checks_the_sentence_for_that_kind():
    assert holds("It took effect on July 1, 2020.", "date")
    assert not holds("It took effect quickly.", "date")
    assert holds("Three plants closed.", "number") and holds("About 77% go south.", "number")
    assert holds("The spokeswoman Karoline Leavitt confirmed it.", "name", "Who confirmed it?")
    assert not holds("It was confirmed by the spokeswoman.", "name", "Who confirmed it?")
    assert not holds("Anything at all.", None)
    assert holds("Carney met Trump on Tuesday.", "date")


def test_an_acronym_is_answered_by_the_sentence_that_spells_it_out():
    q = "What does USMCA stand for?"
    assert holds("They discussed the United States-Mexico-Canada Agreement (USMCA).", "expansion", q)
    assert holds("The USMCA (the United States-Mexico-Canada Agreement) is under review.", "expansion", q)
    assert not holds("He would revisit the USMCA or pursue different deals.", "expansion", q)
    assert not holds("The APEC (Asia-Pacific Economic Cooperation) summit.", "expansion", q)


def test_a_length_is_a_count_of_time_or_distance_units_not_any_number():
    """'How long' wants "just over two years", not the year in "a library for everybody in 2025"."""
    assert holds("The renovation kept it closed for just over two years.", "length")
    assert holds("The new bridge is 42 kilometres long.", "length") and holds("A 10-minute walk.", "length")
    assert holds("Sigrid Holm finished in 2:27:05.", "length") and holds("It sails at 30 km/h.", "length")
    assert not holds("It is for everybody in 2025, she said.", "length")
    assert not holds("The ribbon was cut at 10 a.m. and the ferry sails twice a day.", "length")
    assert holds("It is for everybody in 2025, she said.", "number")  # still a number
