"""Elliptical follow-ups ('What about X?', 'And X?', 'How about X?') on real previous
questions of the demo set (eval/demo/questions.jsonl): X takes the place of the phrase it
stands for, or is searched with the previous question's topic; never a garbled question."""

from __future__ import annotations

import pytest

from qa.rewrite import asks_overview, rewrite, speaker_swap

RACE = "Who won the women's race?"


@pytest.mark.parametrize(
    "follow_up", ["What about the men's race?", "And the men's race?", "How about the men's race?"]
)
def test_what_about_replaces_the_phrase_it_stands_for(follow_up):
    assert rewrite(follow_up, [RACE]) == "Who won the men's race?"


@pytest.mark.parametrize(
    ("previous", "follow_up", "standalone"),
    [
        (
            "Who won the women's race at the Farrow Bay Marathon?",
            "What about the men's race?",
            "Who won the men's race at the Farrow Bay Marathon?",
        ),
        (
            "What was the winning time in the women's race?",
            "And the men's race?",
            "What was the winning time in the men's race?",
        ),
        ("Who won women's races?", "How about the men's race?", "Who won the men's race?"),
        (
            "How many passengers can the new ferry carry?",
            "And the old ferry?",
            "How many passengers can the old ferry carry?",
        ),
        (
            "Which school won the robotics challenge?",
            "What about the other school?",
            "Which other school won the robotics challenge?",
        ),
        # a name the question asks about, standing on its own
        ("When did USMCA take effect?", "What about NAFTA?", "When did NAFTA take effect?"),
        (
            "Why was the alert level for Mount Kessar raised?",
            "And Mount Etna?",
            "Why was the alert level for Mount Etna raised?",
        ),
        (
            "Which tariffs were putting pressure on Canada at the time?",
            "How about Mexico?",
            "Which tariffs were putting pressure on Mexico at the time?",
        ),
    ],
)
def test_follow_ups_on_real_previous_questions(previous, follow_up, standalone):
    assert rewrite(follow_up, [previous]) == standalone


def test_without_a_safe_substitution_x_is_searched_with_the_previous_topic():
    # 'Cedar Valley' modifies 'robotics challenge': replacing it would garble the question
    assert rewrite(
        "What about Birchmont Academy?", ["Which school won the Cedar Valley robotics challenge?"]
    ) == ("Birchmont Academy (school won the Cedar Valley robotics challenge)")
    assert rewrite("And the half marathon?", [RACE]) == "the half marathon (won the women's race)"
    # "his"/"her": whose, so the previous question's names, not its other words ("describe")
    previous = ["How did Trump describe the Canadian prime minister?"]
    got = rewrite("What about his view on the trade pact?", previous)
    assert got == "his view on the trade pact (Trump Canadian)"
    previous = ["What nickname did traders give the Mexican currency?"]  # "its": the thing asked about
    got = rewrite("What about its rate?", previous)
    assert got == "its rate (nickname did traders give the Mexican currency)"


def test_a_say_question_keeps_its_speaker():
    assert (
        rewrite("How about tariffs?", ["What did Trump say about USMCA?"])
        == "What did Trump say about tariffs?"
    )


def test_the_fallback_keeps_the_previous_topic_whole_without_question_word_leftovers():
    """A new user saw "kids ('s the price of ...)" and "kids (much is an adult ticket ...)":
    the previous question's words, not pieces of 'What's' or 'How much is'."""
    prev = "What's the price of a single adult trip on the Gull Island boat?"
    got = rewrite("What about kids?", [prev])
    assert got == "kids (the price of a single adult trip on the Gull Island boat)"
    assert rewrite("What about kids?", ["How much is an adult ticket on the Gull Island ferry?"]) == (
        "kids (an adult ticket on the Gull Island ferry)"
    )
    got = rewrite("What about kids?", ["How much does a grown-up pay for a ferry trip?"])
    assert got == "kids (a grown-up pay for a ferry trip)"


def test_what_about_a_name_after_a_say_question_may_swap_the_speaker():
    """'What about Carney?' after 'What did Trump say about USMCA?' asks first what Carney
    said about USMCA (the assistant keeps that reading when the articles quote Carney);
    an acronym, a common noun or the previous speaker is the topic, as before."""
    say = ["What did Trump say about USMCA?"]
    swap = speaker_swap("What about Carney?", say)
    assert swap is not None and (swap.query, swap.speaker) == ("What did Carney say about USMCA?", "Carney")
    assert speaker_swap("And Mark Carney?", say).query == "What did Mark Carney say about USMCA?"
    assert rewrite("What about Carney?", say) == "What did Trump say about Carney?"  # the other reading
    for follow_up in ("What about NAFTA?", "What about tariffs?", "What about Trump?", "What about it?"):
        assert speaker_swap(follow_up, say) is None, follow_up
    role = speaker_swap("And the White House spokeswoman?", say)  # a role, lower-case or not
    assert role is not None and role.query == "What did the White House spokeswoman say about USMCA?"
    assert speaker_swap("What about the mayor?", say).speaker == "the mayor"
    assert speaker_swap("What about Carney?", ["Who won the race?"]) is None
    assert speaker_swap("What about Carney?", []) is None


def test_what_about_x_then_a_question_asks_that_question_about_x():
    """'And what about Carney, what was his aim?' is its own question about Carney, not
    Carney put into the previous one (a new user's try: it was searched as 'Carney, what
    was his aim (Trump describe Carney)' and answered with Trump's quotes)."""
    previous = ["How did Trump describe Carney?"]
    assert rewrite("And what about Carney, what was his aim?", previous) == "What was his aim? (Carney)"
    assert rewrite("What about Toyota, where does it build cars?", ["Where does Honda build cars?"]) == (
        "Where does it build cars? (Toyota)"
    )
    assert rewrite("What about the men's race?", ["Who won the women's race?"]) == "Who won the men's race?"
    # a dash instead of a comma ("What about Trump — what did he think of him?" was read as
    # "What did Carney say about Trump ...")
    said = ["What did Carney say about USMCA?"]
    dash = "What about Trump \u2014 what did he think of him?"
    assert rewrite(dash, said) == "What did he think of him? (Trump)"
    assert rewrite("What about Trump - what did he think?", ["Who won?"]) == "What did he think? (Trump)"


def test_her_after_a_who_question_is_the_person_asked_about():
    """'And her time?' after 'Who took the women's title ...?' is the winner's time: the
    follow-up keeps what the who-question said of her (a new user got the men's time: only
    'Farrow Bay' was carried)."""
    prev = ["Who took the women's title in the Farrow Bay race?"]
    assert rewrite("And her time?", prev) == "her time (took the women's title in the Farrow Bay race)"
    assert rewrite("What was her time?", prev) == (
        "What was her time? (took the women's title in the Farrow Bay race)"
    )
    # not after a who-question: the names, as before
    assert rewrite("What about his view on the pact?", ["How did Trump describe Carney?"]) == (
        "his view on the pact (Trump Carney)"
    )


def test_what_about_a_plain_noun_after_how_many_counts_that_instead():
    prev = ["How many people can ride the new Gull Island boat at once?"]
    assert rewrite("What about vehicles?", prev) == (
        "How many vehicles can ride the new Gull Island boat at once?"
    )
    assert rewrite("And cars?", prev) == "How many cars can ride the new Gull Island boat at once?"
    assert not rewrite("What about last year?", prev).startswith("How many last")  # not a thing counted
    assert not rewrite("What about in 2019?", prev).startswith("How many in")


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        ("Which goods face U.S. tariffs according to the article?", "Which goods face U.S. tariffs?"),
        ("According to the story, who met Trump?", "Who met Trump?"),
        ("Who is the American president in this story?", "Who is the American president?"),
        ("Which official named in the article spoke?", "Which official spoke?"),
        ("What does the article say about Carney's goals?", "Carney's goals?"),
        ("What does this piece say about USMCA?", "USMCA?"),
        # the articles' own words are kept: a text of something, a report (news quotes reports)
        ("What is in the text of the treaty?", "What is in the text of the treaty?"),
        ("What were the great Forces mentioned in the article's title?",
         "What were the great Forces mentioned in the article's title?"),
        ("What did the report say about steel tariffs?", "What did the report say about steel tariffs?"),
        ("What did Trump say about the article?", "What did Trump say about the article?"),
    ],
)
def test_words_naming_the_articles_themselves_are_not_searched(question, searched):
    assert rewrite(question, []) == searched


def test_what_the_article_says_about_it_is_a_follow_up():
    said = rewrite("What does the article say about her?", ["Who won the women's race?"])
    assert said == "What does the article say about her? (won the women's race)"


@pytest.mark.parametrize(
    ("question", "overview"),
    [
        ("What is this article about?", True),
        ("Can you summarize the story?", True),
        ("Give me the gist", True),
        ("What are the main points?", True),
        ("What is the article about tariffs?", False),  # something in it: searched as asked
        ("What is the USMCA about?", False),
    ],
)
def test_a_question_about_the_articles_as_a_whole_is_told_apart(question, overview):
    assert asks_overview(question) is overview


@pytest.mark.parametrize(
    ("follow_up", "prev", "expected"),
    [
        ("And the men's?", "Who won the women's race in Elsin?", "Who won the men's race in Elsin?"),
        ("What about 2023?", "How did 2024 sales change?", "How did 2023 sales change?"),
        ("And in the north?", "How much snow fell in the south?", "How much snow fell in the north?"),
        ("And the third?", "Who came second in the challenge?", "Who came third in the challenge?"),
        ("What about the president's?", "Why did Trump's aide quit?", "Why did the president's aide quit?"),
    ],
)
def test_a_lone_qualifier_stands_for_the_previous_questions_one_of_its_kind(follow_up, prev, expected):
    """'And the men's?' names no noun: it stands for the women's of the question before (a
    possessive, a year, an order, a compass point ... as qa.contrast reads them)."""
    assert rewrite(follow_up, [prev]) == expected


def test_a_lone_qualifier_with_no_single_match_is_searched_with_the_previous_topic():
    # two ordinals in the previous question: which one it replaces is unclear
    assert rewrite("And the third?", ["Who came second after the first lap?"]).endswith(")")


@pytest.mark.parametrize(
    ("follow_up", "expected"),
    [
        ("Why?", "Why? (Trump planning to travel)"),
        ("And when?", "When? (Trump planning to travel)"),  # "When ...": the date kind (qa.answertype)
        ("Where exactly?", "Where exactly? (Trump planning to travel)"),
        ("Since when?", "Since when? (Trump planning to travel)"),
        ("What?", "What?"),  # "What?" asks the reader to say it again, not about the articles
    ],
)
def test_a_question_word_alone_asks_it_of_the_previous_question(follow_up, expected):
    """A new user's "Why?" after "Where is Trump planning to travel?" was searched as "Why?"
    alone and declined (0.05)."""
    assert rewrite(follow_up, ["Where is Trump planning to travel?"]) == expected
    assert rewrite(follow_up, []) == follow_up


def test_what_about_a_name_already_asked_about_swaps_the_two_names():
    """A new user's "And what about Carney?" after "How did Trump describe his relationship
    with Carney?" had been rewritten to the previous question itself and answered again
    (confident 0.71, with Trump's words on Carney)."""
    prev = "How did Trump describe his relationship with Carney?"
    assert rewrite("And what about Carney?", [prev]) == "How did Carney describe his relationship with Trump?"
    # with one name only there is no other to put in its place: the question stays as it was
    assert rewrite("What about USMCA?", ["When did USMCA take effect?"]) == "When did USMCA take effect?"
