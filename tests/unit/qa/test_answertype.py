import pytest

from qa.answertype import answer_type, holds


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did USMCA take effect?", "date"),
        ("In what year was NAFTA signed?", "date"),
        ("How many plants paused work?", "number"),
        ("What percentage of exports go to the US?", "number"),
        ("Who confirmed the talks?", "name"),
        ("What did Trump say about USMCA?", None),
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
