"""The answer's text from its picked sentences: the speaker's label where the sentence
names them only as "he" or "she", once per quotation."""

from qa.citations import answer_text, labelled, named_subject, shown
from qa.evidence import gather
from qa.quotes import missing_marks
from qa.types import Citation, Passage

FLAT = lambda _t: 1.0  # noqa: E731 - every term weighs the same


def _cands(text: str):
    p = Passage(article_id="a", title="Notes", text=text, start=0, end=len(text), score=1.0)
    return gather("What did Trump say?", None, [p], FLAT, {})


def _cite(n: int) -> Citation:
    return Citation(n=n, article_id="a", title="Notes", date=None, source=None, url=None, sentence="",
                    passage="", start=0, end=0, score=0.0)  # fmt: skip


def test_a_he_said_quote_gets_its_speakers_label_once_per_quotation():
    opens = "“We have natural conflict."
    goes_on = "We also have mutual love,” he said."
    cands = _cands(f"Trump met Carney at the White House on Tuesday. {opens} {goes_on}")
    first, second = (c for c in cands if c.sentence in (opens, goes_on))
    assert first.speaker == second.speaker == "Trump"
    assert labelled(first).startswith("Trump: ") and labelled(second).startswith("Trump: ")  # alone: named
    assert labelled(second, first) == goes_on  # right after the sentence that opens the quotation: no repeat
    text = answer_text([first, second], [_cite(1), _cite(2)])
    assert text == f"Trump: {opens} [1] {goes_on} [2]"
    # out of order, each half gets the quotation mark it lacks
    assert answer_text([second, first], [_cite(1), _cite(2)]) == f"Trump: “{goes_on} [1] Trump: {opens}” [2]"


def test_half_a_quotation_shown_alone_gets_the_mark_it_lacks():
    """A new user saw '... for each other,” he said' with no opening mark when only the
    second sentence of a two-sentence quotation was cited."""
    opens = "“We have natural conflict."
    goes_on = "We also have mutual love,” he said."
    cands = _cands(f"Trump met Carney. {opens} {goes_on}")
    first, second = (c for c in cands if c.sentence in (opens, goes_on))
    assert shown(second) == "“" + goes_on
    assert shown(first) == opens + "”"
    assert shown(second, first) == goes_on  # right after its opening: nothing added
    assert shown(first, None, second) == opens
    assert missing_marks('"I told myself to wait," he said.') == ("", "")
    assert missing_marks('Runners got a fast course," Tollefsen said.') == ('"', "")
    assert missing_marks('He said: "We waited years.') == ("", '"')
    assert missing_marks("Plain words, no quotation.") == ("", "")


def test_reported_speech_that_opens_with_he_names_the_speaker_in_brackets():
    """A new user read 'Trump: He admitted that ...' as Trump speaking of someone else."""
    reported = "He admitted that the neighbours have “natural conflict” but insisted on “mutual love.”"
    cands = _cands(f"Trump met Carney at the White House on Tuesday. {reported}")
    (c,) = (c for c in cands if c.sentence == reported)
    assert c.speaker == "Trump"
    assert answer_text([c], [_cite(1)]) == f"He [Trump] {reported[3:]} [1]"
    assert named_subject("“We could renegotiate it,” he said.", "[Trump]") is None  # a quote: name first
