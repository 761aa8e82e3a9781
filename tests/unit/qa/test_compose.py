"""Answer composition: sentence coverage, candidate features, the three outcomes,
repeats, and say-questions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.calibration import CONFIDENCE_FEATURES, ConfidenceModel, load
from qa.compose import GAP, HOLD, MAX_WORDS_TENTATIVE, compose, topic_head
from qa.evidence import FEATURES, SentenceModel, gather
from qa.quotes import parse_say_question
from qa.sentences import coverage
from qa.types import Passage

WORDS = st.text(alphabet="abcdeft", min_size=1, max_size=9)
FLAT = lambda _t: 1.0  # noqa: E731 - every term weighs the same


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


def _passage(text: str, article_id: str = "a", rank_score: float = 1.0, **kw) -> Passage:
    return Passage(
        article_id=article_id, title="Notes", text=text, start=0, end=len(text), score=rank_score, **kw
    )


def test_a_sentence_leaning_on_the_one_before_gets_what_they_cover_together_as_context():
    q = "Where did Tesla study engineering?"
    answer = "He studied engineering in Graz."

    def context(text: str) -> float:
        cands = gather(q, None, [_passage(text)], FLAT, {})
        return next(c.feature("context") for c in cands if c.sentence == answer)

    # 'studi engin' alone covers 2 of 3 terms; with 'tesla' before it, all 3
    assert context(f"Tesla left home at nineteen. {answer}") == pytest.approx(1.0 - 2.0 / 3.0)
    assert context(f"Edison left home at nineteen. {answer}") == 0.0
    assert context(f"{answer} Tesla left home at nineteen.") == 0.0  # nothing before it


def test_candidates_have_every_feature_and_only_prose_sentences():
    text = "Photo credit: Wire. The ferry sails at noon every day. Short one. It carries 220 people."
    cands = gather("How many people does the ferry carry?", None, [_passage(text, dense_score=0.4)], FLAT, {})
    assert [c.sentence for c in cands] == ["The ferry sails at noon every day.", "It carries 220 people."]
    assert all(len(c.features) == len(FEATURES) for c in cands)
    carries = cands[1]
    assert carries.feature("answer_type") == 1.0 and cands[0].feature("answer_type") == 0.0  # a number
    assert carries.feature("passage") == 0.4 == carries.feature("similarity")  # no vector: the passage's
    assert carries.feature("rank") == 1.0


def test_the_same_sentence_from_two_reports_is_stated_once_but_differing_figures_both_show():
    same = "The ferry fare rises to four dollars on Monday, the transit authority said."
    other = "The ferry fare rises to five dollars on Monday, the transit authority said."
    q = "How much will the ferry fare be on Monday?"
    cal = load("default", None)

    def answer(second: str) -> list[str]:
        texts = {"a": f"{same} Riders were angry.", "b": f"{second} Crews were told."}
        reports = [_passage(t, aid, 2.0 - i) for i, (aid, t) in enumerate(texts.items())]
        got = compose(q, gather(q, None, reports, FLAT, {}), cal, FLAT, None, len(reports))
        assert got.status == "answer"
        return [c.sentence for c in got.picked]

    assert answer(same).count(same) == 1
    assert {same, other} <= set(answer(other))


def _model(**weights: float) -> SentenceModel:
    """A sentence model with these weights (by feature name), the rest 0."""
    return SentenceModel(tuple(weights.get(f, 0.0) for f in FEATURES))


def _calibration(answer_at: float, tentative_at: float):
    """The default sentence model; confidence = sigmoid(10 x (coverage - 0.5))."""
    conf = ConfidenceModel(tuple(10.0 * (f == "coverage") for f in CONFIDENCE_FEATURES), -5.0)
    return replace(load("default", None), confidence=conf, answer_at=answer_at, tentative_at=tentative_at)


def test_three_outcomes_from_the_calibrated_confidence():
    text = "The harbour ferry timetable changed in January. Crews were told on Monday morning."
    passages = [_passage(text)]
    cal = _calibration(answer_at=0.8, tentative_at=0.3)
    sure = compose("When did the harbour ferry timetable change?", gather(
        "When did the harbour ferry timetable change?", None, passages, FLAT, {}), cal, FLAT)  # fmt: skip
    assert sure.status == "answer" and sure.confidence >= 0.8 and sure.note is None
    assert sure.picked[0].sentence.startswith("The harbour ferry timetable")
    q = "When did the island ferry fares and timetable change?"  # half the question is covered
    middling = compose(q, gather(q, None, passages, FLAT, {}), cal, FLAT)
    assert middling.status == "tentative" and 0.3 <= middling.confidence < 0.8
    assert middling.picked and "may not answer" in middling.note
    q = "Who won the chess olympiad in Budapest?"
    none = compose(q, gather(q, None, passages, FLAT, {}), cal, FLAT)
    assert none.status == "declined" and not none.picked and none.confidence < 0.3
    assert "closely enough" in none.note and "confidence" in none.reason  # plain words; figures apart
    empty = compose(q, [], cal, FLAT, passages=0)
    assert empty.status == "declined" and "Nothing in the indexed articles matches" in empty.note


def test_a_question_naming_what_no_article_holds_is_declined_however_close_the_sentences_read():
    text = "Prime Minister Carney met the president on Tuesday. Trade was the main topic of the talks."
    cal = _calibration(answer_at=0.8, tentative_at=0.3)
    q = "Who is the prime minister of the United Kingdom?"
    cands = gather(q, None, [_passage(text)], FLAT, {})
    assert compose(q, cands, replace(cal, answer_at=0.0), FLAT).status == "answer"  # the words are close
    got = compose(q, cands, replace(cal, answer_at=0.0), FLAT, unknown=["United Kingdom"])
    assert got.status == "declined" and not got.picked and got.confidence < cal.tentative_at
    assert got.note.startswith("The indexed articles never mention United Kingdom; check the spelling")
    assert "no indexed chunk holds" in got.reason and "confidence" in got.reason
    q = "What did Carney say about Ottawa?"  # a say-question says itself what the articles lack
    said = compose(q, gather(q, None, [_passage("“We will agree,” Carney said.")], FLAT, {}), cal, FLAT,
                   parse_say_question(q), unknown=["Ottawa"])  # fmt: skip
    assert said.status != "declined" and "do not mention Ottawa" in said.note


def test_a_sure_answer_holds_what_kind_of_thing_the_question_asks_for():
    cal = _calibration(answer_at=0.8, tentative_at=0.3)
    q = "How many trucks cross the border at Laredo?"

    def ask(text: str):
        return compose(q, gather(q, None, [_passage(text)], FLAT, {}), cal, FLAT)

    counted = ask("Trucks cross the border at Laredo, about 4,000 of them a day. Rail is slower.")
    assert counted.status == "answer" and counted.note is None
    uncounted = ask("Trucks cross the border at Laredo in long queues. Rail is slower.")
    assert uncounted.status == "tentative" and uncounted.confidence < 0.8  # sure of the words, not the answer
    assert "gives no count" in uncounted.note and "holds no count" in uncounted.reason
    shared = ask("About 80% of trucks cross the border at Laredo. Rail is slower.")  # a share, not a count
    assert shared.status == "tentative" and "gives no count" in shared.note
    q = "When did trucks first cross the border at Laredo?"
    dated = [_passage("Trucks first crossed the border at Laredo in 1882.")]
    assert compose(q, gather(q, None, dated, FLAT, {}), cal, FLAT).status == "answer"


def test_a_sure_answer_to_who_came_second_gives_a_second_place():
    cal = _calibration(answer_at=0.8, tentative_at=0.3)
    q = "Who came second in the Elsin robotics contest?"

    def ask(text: str):
        return compose(q, gather(q, None, [_passage(text)], FLAT, {}), cal, FLAT)

    placed = ask("Second place in the Elsin robotics contest went to Birchmont Academy.")
    assert placed.status == "answer" and placed.note is None
    unplaced = ask("Linden Ridge came out on top in the Elsin robotics contest, its second win.")
    assert unplaced.status == "tentative" and "gives no second place" in unplaced.note


def test_a_question_about_now_leads_with_the_latest_of_the_close_sentences():
    cal = _calibration(answer_at=0.8, tentative_at=0.3)
    text = (
        "The steel tariff was set at 25% in March 2018. "
        "The steel tariff doubled to 50% on June 4, 2025. "
        "Ottawa answered the steel tariff with duties of its own."
    )
    q = "What is the steel tariff right now?"
    now = compose(q, gather(q, None, [_passage(text)], FLAT, {}), cal, FLAT)
    assert now.picked[0].sentence.startswith("The steel tariff doubled to 50%")
    q = "What was the steel tariff?"  # no "now": the best-scored sentence leads
    then = compose(q, gather(q, None, [_passage(text)], FLAT, {}), cal, FLAT)
    assert not then.picked[0].sentence.startswith("The steel tariff doubled")


def test_a_clear_best_sentence_is_answered_alone_and_shared_evidence_with_more():
    text = "The ferry sails at noon. The ferry carries 220 people across the bay. Tickets cost six dollars."
    q = "How many people does the ferry carry?"
    cands = gather(q, None, [_passage(text)], FLAT, {})
    cal = _calibration(answer_at=0.0, tentative_at=0.0)
    sharp = replace(cal, sentence=_model(coverage=40.0))  # coverage alone, very sure
    got = compose(q, cands, sharp, FLAT)
    assert [c.sentence for c in got.picked] == ["The ferry carries 220 people across the bay."]
    assert got.share >= HOLD
    flat = replace(cal, sentence=SentenceModel((0.0,) * len(FEATURES)))  # no preference: up to three
    assert len(compose(q, cands, flat, FLAT).picked) == 3


def test_a_tentative_answer_has_room_for_three_long_sentences_a_sure_one_stays_short():
    filler = " ".join(["and then the crew checked the ropes on the deck"] * 3)  # 30 words
    text = " ".join(f"The ferry {verb} in the harbour {filler}." for verb in ("sailed", "docked", "waited"))
    q = "What did the ferry do in the harbour?"
    cands = gather(q, None, [_passage(text)], FLAT, {})
    flat = replace(_calibration(answer_at=0.0, tentative_at=0.0), sentence=_model())  # no preference
    sure = compose(q, cands, flat, FLAT)
    assert sure.status == "answer" and len(sure.picked) == 2  # 2 x 36 words: a third passes MAX_WORDS
    unsure = compose(q, cands, replace(flat, answer_at=1.0), FLAT)
    assert unsure.status == "tentative" and len(unsure.picked) == 3  # within MAX_WORDS_TENTATIVE
    assert sum(len(c.sentence.split()) for c in unsure.picked) <= MAX_WORDS_TENTATIVE


def test_a_say_topic_is_about_its_last_word_before_a_preposition():
    assert topic_head("Canadian oil") == "oil"
    assert topic_head("aluminum prices in the United States") == "price"
    assert topic_head("the strength of the peso") == "strength"
    assert topic_head("USMCA") == "usmca" and topic_head("the") is None


def test_a_say_answer_quotes_the_speaker_and_says_when_not_on_the_topic_asked():
    filler = "Trump spoke warmly about his guest while reporters gathered in the Oval Office."
    quote = "“We could renegotiate it, and that would be good,” he said."
    other = "Carney said the talks were “constructive” and would go on next week."
    q = "What did Trump say about USMCA?"
    unsure = ConfidenceModel((0.0,) * len(CONFIDENCE_FEATURES), -0.4)  # 0.4 whatever the evidence: tentative
    cal = replace(load("default", None), confidence=unsure, answer_at=0.5, tentative_at=0.1)
    review = "The USMCA review is due next year, officials said on Monday morning."
    cands = gather(q, None, [_passage(f"{review} {filler} {quote} {other}")], FLAT, {})
    got = compose(q, cands, cal, FLAT, parse_say_question(q))
    assert [c.sentence for c in got.picked] == [quote] and got.picked[0].speaker == "Trump"
    assert got.status == "tentative" and "none of these quotes mentions USMCA" in got.note
    q2 = "What did Trump say about dairy?"  # named nowhere: said so, even when confident
    absent = compose(q2, gather(q2, None, [_passage(f"{review} {filler} {quote}")], FLAT, {}),
                     replace(cal, answer_at=0.0), FLAT, parse_say_question(q2))  # fmt: skip
    assert absent.status == "tentative" and absent.note.startswith("The articles do not mention dairy")
    assert got.evidence[-1] == 0.5  # his words, not naming the topic
    sure = compose(q, cands, replace(cal, answer_at=0.0), FLAT, parse_say_question(q))
    # however sure the model: quotes that do not name USMCA may be about it in other words, or not
    assert sure.status == "tentative" and "none of these quotes mentions USMCA" in sure.note
    q3 = "What did Trump say about Canadian oil?"  # 'Canadian' is there, 'oil' (what it is about) is not
    canadian = "“Our Canadian friends will be fine, believe me,” he said."  # names 'Canadian', not oil
    texts = [_passage(f"{review} {filler} {canadian}")]
    sure_cal = replace(cal, answer_at=0.0)
    oil = compose(q3, gather(q3, None, texts, FLAT, {}), sure_cal, FLAT, parse_say_question(q3))
    assert "none of these quotes mentions Canadian oil" in oil.note  # though one names 'Canadian'
    assert oil.status == "tentative" and oil.confidence == 0.0  # no surer than tentative (here: from 0)
    q = "What did Carney say about the talks?"
    got = compose(q, cands, replace(cal, answer_at=0.0), FLAT, parse_say_question(q))
    assert [c.sentence for c in got.picked] == [other] and got.note is None
    q = "What did Sheinbaum say about the talks?"
    got = compose(q, cands, cal, FLAT, parse_say_question(q))
    assert got.status == "declined" and got.note == "The indexed articles do not quote Sheinbaum."


def test_a_role_asked_with_a_place_or_a_nationality_finds_whom_the_passages_introduce_so():
    intro = "Island shop owner Bram Okafor was on the first sailing with two crates of bread."
    quote = "“I used to plan my whole week around the ferry timetable,” Okafor told reporters."
    other = "“We wanted a ferry that feels like a bus,” said transit director Lena Castellanos."
    cal = _calibration(answer_at=0.0, tentative_at=0.0)
    q = "What did the shop owner on Gull Island say?"  # the passage says "Island shop owner"
    got = compose(q, gather(q, None, [_passage(f"{intro} {quote} {other}")], FLAT, {}), cal, FLAT,
                  parse_say_question(q))  # fmt: skip
    assert [c.sentence for c in got.picked] == [quote] and got.note is None
    intro = "Canadian Prime Minister Mark Carney paid his second visit to the White House."
    quote = "“We have to come to an agreement that works,” Carney said."
    q = "What did the Canadian PM say?"
    got = compose(q, gather(q, None, [_passage(f"{intro} {quote} {other}")], FLAT, {}), cal, FLAT,
                  parse_say_question(q))  # fmt: skip
    assert [c.sentence for c in got.picked] == [quote] and got.note is None


def test_reported_speech_is_the_speakers_words_by_name_or_by_the_role_asked():
    """A new user's "What did the White House spokeswoman say?" was told the articles
    quote none of her words: "Leavitt confirmed that ..." is what she said."""
    reported = "White House spokeswoman Karoline Leavitt confirmed that trade was a central topic."
    about = "Reporters asked the White House spokeswoman about the schedule."  # about her, not her words
    quote = "“We have natural conflict,” Trump said."
    cal = _calibration(answer_at=0.0, tentative_at=0.0)
    cands = gather("x", None, [_passage(f"{quote} {about} {reported}")], FLAT, {})
    assert [c.said_by for c in cands] == ["Trump", "Reporters", "Karoline Leavitt"]  # "asked": speech
    for q in ("What did the White House spokeswoman say?", "What did Leavitt say?"):
        got = compose(q, gather(q, None, [_passage(f"{quote} {about} {reported}")], FLAT, {}), cal, FLAT,
                      parse_say_question(q))  # fmt: skip
        assert [c.sentence for c in got.picked] == [reported] and got.note is None, q
        assert got.evidence[-1] == 1.0  # her words (no topic asked)
    q = "What did the spokeswoman say?"  # a role alone: whoever the passages introduce with it
    got = compose(q, gather(q, None, [_passage(f"{quote} {reported}")], FLAT, {}), cal, FLAT,
                  parse_say_question(q))  # fmt: skip
    assert [c.sentence for c in got.picked] == [reported]


def _article(article_id: str, title: str, text: str) -> Passage:
    return Passage(article_id=article_id, title=title, text=text, start=0, end=len(text), score=1.0)


def test_a_say_answer_is_only_the_speakers_quotes_naming_the_topic_when_there_are_any():
    """The README's rule: X's own quotes that name Y (in them, in the sentence before, or in
    their article's headline); X's other quotes only when none does; never another
    sentence, however well it names Y."""
    q = "What did Trump say about USMCA?"
    on_topic = "“We could renegotiate it, and that would be good,” Trump said."
    other = "“Canada is a great country and a great place to visit,” Trump said."
    naming = "Officials said the review of USMCA is due next year."  # names USMCA, quotes nobody
    cal = _calibration(answer_at=0.0, tentative_at=0.0)
    # both models rank the first retrieved passage's sentences ("other", "naming") above "on_topic"
    prefers_other = replace(cal, sentence=_model(rank=5.0))

    def answer(headline: str, calibration=cal):
        passages = [
            _article("b", "Oval Office visit", f"{other} {naming}"),  # retrieved first
            _article("a", headline, f"Trump greeted Carney at the door. {on_topic}"),
        ]
        return compose(q, gather(q, None, passages, FLAT, {}), calibration, FLAT, parse_say_question(q))

    for calibration in (cal, prefers_other):  # by headline, whatever the sentence model prefers
        plain = compose(q, gather(q, None, [_article("b", "Oval Office visit", f"{other} {naming}"),
                        _article("a", "USMCA", on_topic)], FLAT, {}), calibration, FLAT)  # fmt: skip
        assert plain.picked[0].sentence != on_topic  # not a say-question: another sentence first
        got = answer("Carney and Trump meet to talk tariffs and USMCA", calibration)
        assert [c.sentence for c in got.picked] == [on_topic] and got.evidence[-1] == 1.0
    got = answer("Carney visits Washington")  # no quote names USMCA: his other words, and so marked
    assert {c.sentence for c in got.picked} <= {on_topic, other} and got.evidence[-1] == 0.5
    assert naming not in {c.sentence for c in got.picked}


def test_the_best_sentence_leads_the_answer_whatever_its_passage_rank_and_place():
    """A factoid question wants the sentence that holds the answer first, not the
    scene-setting sentences of a better-ranked passage before it."""
    q = "How long was the library closed?"
    scene = "Several hundred residents lined up along Wren Street before the ribbon was cut."
    answer = "The renovation kept the library closed for just over two years."
    passages = [_passage(f"{scene} The mayor spoke first.", "a", 2.0), _passage(answer, "b", 1.0)]
    cands = gather(q, None, passages, FLAT, {})
    cal = _calibration(answer_at=0.0, tentative_at=0.0)
    flat = replace(cal, sentence=_model(coverage=1.0))  # coverage, not sure: three
    got = compose(q, cands, flat, FLAT)
    assert len(got.picked) == 3 and got.picked[0].sentence == answer
    assert got.scores[0] == max(got.scores)
    assert [c.sentence for c in got.picked[1:]] == [scene, "The mayor spoke first."]  # rank, then reading


def test_a_newer_report_of_the_lead_goes_first_and_other_sentences_follow():
    """Where reports disagree (the same wire copy with another figure), the latest is read
    first; a sentence that is no version of the lead never goes before it."""
    q = "How much will the ferry fare be on Monday?"
    old = "The ferry fare rises to four dollars on Monday, the transit authority said."
    new = "The ferry fare rises to five dollars on Monday, the transit authority said."
    aside = "Crews at the ferry terminal were told on Friday."
    passages = [
        _passage(old, "old", 3.0, date="2025-01-10"),
        _passage(aside, "aside", 2.0, date="2025-09-01"),
        _passage(new, "new", 1.0, date="2025-06-01"),
    ]
    cal = _calibration(answer_at=0.0, tentative_at=0.0)
    model = replace(cal, sentence=_model(coverage=1.0, rank=0.5))  # coverage, then rank: old best
    got = compose(q, gather(q, None, passages, FLAT, {}), model, FLAT)
    assert [c.sentence for c in got.picked] == [new, old, aside]


def test_a_sure_answer_that_covers_the_question_stops_before_context_far_below_it():
    """Issue 13, "Short answers": once the best sentence answers (sure, and it covers the
    question), sentences far below it are not added, though it holds under HOLD."""
    text = (
        "The ferry carries 220 people across the bay. The ferry sails at noon. "
        "Tickets for the ferry cost six dollars. The ferry crew waved from the deck."
    )
    cal = _calibration(answer_at=0.0, tentative_at=0.0)
    model = replace(cal, sentence=_model(coverage=3.0))  # coverage, three to one
    q = "Does the ferry carry people?"  # all covered by the best; the others a third, 2 log-odds below
    got = compose(q, gather(q, None, [_passage(text)], FLAT, {}), model, FLAT)
    assert got.status == "answer" and got.share < HOLD and GAP < 2.0  # the old rule would have added context
    assert [c.sentence for c in got.picked] == ["The ferry carries 220 people across the bay."]
    q = "Does the island ferry carry people?"  # the best covers three quarters: context is added
    got = compose(q, gather(q, None, [_passage(text)], FLAT, {}), model, FLAT)
    assert got.picked[0].sentence.startswith("The ferry carries") and len(got.picked) > 1


def test_a_best_sentence_that_only_restates_the_question_brings_the_next_one():
    """"What worries the parts suppliers?" is best covered by "Parts suppliers are also
    worried.", which says nothing the question does not: the sentence after it says what."""
    text = (
        "Automakers paused their Windsor and Brampton plants for two weeks. "
        "Parts suppliers are also worried. "
        "Many of them rely on a steady schedule from the assembly plants, and several cut shifts."
    )
    cal = _calibration(answer_at=0.0, tentative_at=0.0)
    model = replace(cal, sentence=_model(coverage=3.0))
    q = "Are the parts suppliers worried?"
    got = compose(q, gather(q, None, [_passage(text)], FLAT, {}), model, FLAT)
    assert [c.sentence for c in got.picked] == [
        "Parts suppliers are also worried.",
        "Many of them rely on a steady schedule from the assembly plants, and several cut shifts.",
    ]
    q = "Did automakers pause plants?"  # "Windsor", "two weeks" ...: more than the question says
    got = compose(q, gather(q, None, [_passage(text)], FLAT, {}), model, FLAT)
    assert got.picked[0].sentence.startswith("Automakers paused")
    assert not any(c.sentence.startswith("Many of them") for c in got.picked)
