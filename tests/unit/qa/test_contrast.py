"""qa.contrast: the question's own qualifier goes before another of the same kind."""

from qa.contrast import dated, latest_first, own_pair_first

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


def test_dated_reads_the_latest_date_a_sentence_gives():
    assert dated("The duty doubled to 50% on June 4, 2025.") == (2025, 6, 4)
    assert dated("It was signed in 2018 and reviewed in July 2026.") == (2026, 7, 0)
    assert dated("It set a 25% tariff on steel imports.") is None


def test_a_question_about_now_leads_with_the_latest_of_the_close_sentences():
    """A new user's "What is the U.S. tariff on steel right now?" had led (0.89) with the
    2018 tariff of 25%, the 2025 doubling to 50% second."""
    close = [
        "It set a 25% tariff on steel imports and a 10% tariff on aluminum imports.",
        "The latest escalation came on June 4, 2025, when the U.S. duty on imported steel doubled to 50%.",
        "From March 12, 2025, a 25% tariff applied to all steel and aluminum imports.",
    ]
    assert latest_first("What is the U.S. tariff on steel right now?", close) == 1
    assert latest_first("What is the U.S. tariff on steel?", close) is None  # no "now": the best leads
    # the best sentence says it is the present itself
    now = ["The tariff is now 50%, up from 25% in 2018.", "In 2019 it was 10%.", "In 2025 it was 50%."]
    assert latest_first("What is the tariff now?", now) is None
    assert latest_first("What is the tariff now?", ["It is 50%, up from 25% in 2018.", *now[1:]]) == 2
    # one date alone ("How many titles does Holm now have?"): nothing to set against now
    holm = ["Holm won her second title.", "It was run on April 27, 2025."]
    assert latest_first("How many titles does Holm now have?", holm) is None
    # two sentences of the latest date: which one is unclear
    twice = ["It was 4% in 2019.", "In 2025 it was 5%.", "In 2025 it was 6%."]
    assert latest_first("What is it today?", twice) is None
    # no value in the best sentence: nothing of which to give a later figure
    unvalued = ["Ann Reyes runs it.", "In 2019 it had 4 staff.", "In 2025, 6."]
    assert latest_first("Who runs it now?", unvalued) is None
