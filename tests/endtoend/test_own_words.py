"""Questions in a reader's own words, on the seed article indexed alone (the real
model): what a new user tripped on, each a test."""

import pytest

pytestmark = pytest.mark.slow

CARNEY_QUOTES = ("new economic and security relationship", "In areas where we compete")


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("How did Trump describe Carney?", "world-class leader"),
        ("Where might Trump travel before the APEC summit?", "South Korea"),
        ("Who spoke for the White House about the meeting?", "Karoline Leavitt"),
        ("What was Trump's first impression of Carney?", "I liked him"),
    ],
)
def test_paraphrased_questions_about_one_article_are_answered(seed_assistant, question, answer):
    """The issue's examples: each was declined when only the question's words counted; the
    sentence that holds the answer leads (the White House one was cited third after context)."""
    got = seed_assistant.ask(question)
    assert got.status != "declined" and answer in got.answer, (got.status, got.confidence, got.answer)
    assert answer in got.citations[0].sentence and got.answer.startswith(got.citations[0].sentence)


@pytest.mark.parametrize(
    ("question", "history"),
    [
        ("What did Carney say about USMCA?", None),
        ("And what did Carney say?", ["What did Trump say about USMCA?"]),
        ("What about Carney?", ["What did Trump say about USMCA?"]),  # the article quotes Carney
    ],
)
def test_a_say_question_answers_with_the_speakers_own_words(seed_assistant, question, history):
    got = seed_assistant.ask(question, history=history)
    assert got.query == "What did Carney say about USMCA?"
    assert got.citations and all(c.speaker and "Carney" in c.speaker for c in got.citations)
    assert any(q in got.answer for q in CARNEY_QUOTES) and "world-class leader" not in got.answer


def test_what_about_a_name_the_articles_never_quote_keeps_the_speaker(seed_assistant):
    got = seed_assistant.ask("What about Canada?", history=["What did Trump say about USMCA?"])
    assert got.query == "What did Trump say about Canada?"


def test_reported_speech_is_what_a_speaker_said_and_a_role_can_follow_up(seed_assistant):
    """A new user's try: "What did the White House spokeswoman say?" was told the article
    quotes none of her words ("Leavitt confirmed that ..." is no quotation), and "And the
    White House spokeswoman?" after a say-question about Carney answered with Carney."""
    leavitt = "Karoline Leavitt confirmed"
    got = seed_assistant.ask("What did the White House spokeswoman say?")
    assert got.status != "declined" and got.note is None and leavitt in got.citations[0].sentence
    before = ["What did Carney say about competing with the Americans?"]
    got = seed_assistant.ask("And the White House spokeswoman?", history=before)
    assert got.query == "What did the White House spokeswoman say about competing with the Americans?"
    assert leavitt in got.citations[0].sentence


def test_a_he_said_quote_names_its_speaker(seed_assistant):
    got = seed_assistant.ask("What did Carney say about competition?")
    quote = next(c for c in got.citations if "In areas where we compete" in c.sentence)
    assert quote.speaker == "Carney" and quote.sentence.endswith("he emphasized.")
    assert f"Carney: {quote.sentence} [{quote.n}]" in got.answer  # the label; the sentence stays exact
    article = seed_assistant.store.article(quote.article_id)
    assert article.text[quote.start : quote.end] == quote.sentence


@pytest.mark.parametrize(
    "question",
    ["What is the capital of Australia?", "How do I reset my wifi router?", "Who painted the Mona Lisa?"],
)
def test_off_topic_questions_are_declined_in_plain_words(seed_assistant, question):
    got = seed_assistant.ask(question)
    assert got.status == "declined" and got.abstained and not got.citations
    assert got.note and not any(ch.isdigit() for ch in got.note)  # figures stay in abstain_reason
    assert "confidence" in got.abstain_reason and got.passages  # closest passages still offered


def test_the_three_outcomes_are_each_reachable_on_one_article(seed_assistant):
    statuses = {
        seed_assistant.ask(q).status
        for q in (
            "What did Trump say about USMCA?",
            "Which Canadian products are hit by American import duties?",  # evidence middling: marked so
            "Who painted the Mona Lisa?",
        )
    }
    assert statuses == {"answer", "tentative", "declined"}


def test_the_answer_does_not_depend_on_how_many_passages_are_shown(seed_assistant):
    one = seed_assistant.ask("How did Trump describe Carney?", k=1)
    three = seed_assistant.ask("How did Trump describe Carney?", k=3)
    assert (one.answer, one.status, one.confidence) == (three.answer, three.status, three.confidence)
    assert len(one.passages) == 1 and len(three.passages) == 3


def test_a_say_question_on_a_topic_the_articles_never_mention_is_tentative_and_says_so(seed_assistant):
    got = seed_assistant.ask("What did Carney say about dairy?")
    assert got.status == "tentative" and got.note.startswith("The articles do not mention dairy")
    assert all(c.speaker and "Carney" in c.speaker for c in got.citations)  # and shows what he did say
