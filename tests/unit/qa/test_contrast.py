"""qa.contrast: the question's own qualifier goes before another of the same kind."""

from qa.contrast import own_pair_first

MEN = "Joel Amarasekera won the men's race at the Farrow Bay Marathon on Sunday."
WOMEN = "The women's race went to Sigrid Holm, who finished in 2:27:05."


def test_the_sentence_with_the_questions_own_qualifier_goes_first():
    q = "Who won the women's race at the Farrow Bay Marathon?"
    assert own_pair_first(q, [MEN, "Crowds lined the harbour.", WOMEN]) == 2
    assert own_pair_first("Who won the men's race?", [MEN, WOMEN]) is None  # the best has it already
    years = ["Its 2023 sales rose 4% in spring.", "In 2024 sales fell 2%."]
    assert own_pair_first("How did 2024 sales change?", years) == 1
    # compass points as qa.names reads them (qa.words.COMPASS), "central" among them
    regions = ["Floods closed roads in northern Ontario.", "Storms cut power in central Ontario."]
    assert own_pair_first("What happened in central Ontario?", regions) == 1


def test_only_a_qualifier_of_the_same_kind_counts_and_only_a_few_candidates_down():
    q = "Who won the women's race?"
    assert own_pair_first(q, ["Holm won the long race easily.", WOMEN]) is None  # 'long' is no rival
    assert own_pair_first(q, [MEN, *["Filler sentence here."] * 5, WOMEN]) is None  # too far down
    assert own_pair_first(q, [MEN]) is None and own_pair_first(q, []) is None
