from index.text.sentences import clean_text, is_prose, sentence_spans
from tests.conftest import SEED, shared


def sentences(text):
    return [text[a:b] for a, b in sentence_spans(text)]


def test_splits_on_terminal_punctuation_and_lines():
    text = "First one. Second one!  Third?\nA heading\nLast line."
    assert sentences(text) == ["First one.", "Second one!", "Third?", "A heading", "Last line."]


def test_keeps_abbreviations_initials_and_decimals_together():
    text = "U.S. President Trump met Mr. Carney. J. Smith paid $3.5 million, e.g. to Dr. Jones."
    assert sentences(text) == [
        "U.S. President Trump met Mr. Carney.",
        "J. Smith paid $3.5 million, e.g. to Dr. Jones.",
    ]


def test_closing_quotes_stay_with_their_sentence():
    text = "“We could renegotiate it,” Trump stated. “In areas where we compete,” he said."
    assert sentences(text) == [
        "“We could renegotiate it,” Trump stated.",
        "“In areas where we compete,” he said.",
    ]


def test_spans_map_back_exactly_with_offset_window():
    text = "  Alpha beta.   Gamma delta.  "
    spans = sentence_spans(text, 2, 20)
    assert [text[a:b] for a, b in spans] == ["Alpha beta.", "Gamm"]


def test_is_prose_rejects_captions_credits_and_fragments():
    assert is_prose("Carney met Trump on Tuesday to discuss trade.")
    assert not is_prose("White House")
    assert not is_prose("See All")
    assert not is_prose("Photo credit: The White House's official X account.")


def test_credit_lines_are_found_by_the_word_credit_or_courtesy_not_by_a_listed_typo():
    credits = [
        "Photo credit: The White House's official X account",
        "Canadian Prime Minister Mark Carney and U.S. President Donald Trump hoto credit: The White House",
        "Trump and Carney in the Oval Office. Credit: Reuters/Kevin Lamarque",
        "Images courtesy of the Harbour Museum",
        "Video source: city council livestream",
        "Credits: Jane Doe for the Lakeside Courier",
    ]
    for line in credits:
        assert clean_text(f"The council met on Monday.\n{line}\nThe vote was close.") == (
            "The council met on Monday.\nThe vote was close."
        ), line
        assert not is_prose(line + "."), line
    # a sentence that speaks of photos or credit is not a credit line
    for prose in ("The bank cut credit to small firms.", "She took a photo of the ferry at dawn."):
        assert is_prose(prose) and prose in clean_text(f"{prose}\nThe vote was close.")


def test_seed_furniture_is_removed():
    raw = (shared(SEED) / "carney-trump-white-house.txt").read_text()
    cleaned = clean_text(raw)
    assert "Photo credit" not in cleaned
    assert "hoto credit" not in cleaned
    assert "Most popular" not in cleaned
    assert not cleaned.rstrip().endswith("See All")
    assert "different deals" in cleaned
    assert "\n\n\n" not in cleaned


def test_clean_text_normalises_newlines_and_keeps_paragraphs():
    assert (
        clean_text("Title\r\n\r\n\r\nBody one.\r\nBody two.\n\nRead more\n")
        == "Title\n\nBody one.\nBody two."
    )
