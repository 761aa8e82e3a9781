"""Formatting an Answer for the UI: pure functions, no Gradio."""

import re

from qa.types import Answer, Citation, Passage
from ui.format import (
    answer_markdown,
    answer_parts,
    cite_link,
    escape_markdown,
    highlight_span,
    highlighted_passage,
    meta_html,
    notice_html,
    parse_cite_ref,
    safe_url,
    settings_summary,
    sources_html,
    uncited_passages,
    window,
)

PASSAGE = "First sentence here. <script>alert(1)</script> is the second one. Third."


def cite(n=1, sentence="<script>alert(1)</script> is the second one.", url="https://n.example/a", **kw):
    text = kw.get("passage", PASSAGE)
    start = kw.get("passage_start", 100) + text.index(sentence)
    base = dict(
        n=n,
        article_id="a",
        title="T <img src=x onerror=alert(1)>",
        date="2025-10-07",
        source="Wire",
        url=url,
        sentence=sentence,
        passage=PASSAGE,
        start=start,
        end=start + len(sentence),
        score=1.0,
        passage_start=100,
        passage_end=100 + len(PASSAGE),
    )
    base.update(kw)
    return Citation(**base)


def passage(article_id="a", start=100, text=PASSAGE, title="T", **kw):
    return Passage(article_id, title, text, start, start + len(text), 0.5, **kw)


def test_highlight_span_turns_article_offsets_into_passage_offsets():
    c = cite()
    a, b = highlight_span(c)
    assert PASSAGE[a:b] == c.sentence and a == PASSAGE.index("<script>")


def test_highlight_marks_exactly_the_cited_sentence_escaped():
    html = highlighted_passage(cite())
    assert (
        "<mark class='qa-hl' data-n='1'>&lt;script&gt;alert(1)&lt;/script&gt; is the second one.</mark>"
        in html
    )
    assert html.startswith("First sentence here. <mark") and html.endswith("</mark> Third.")
    assert "<script>" not in html


def test_misaligned_offsets_never_highlight_the_wrong_text():
    assert highlight_span(cite(start=101, end=110)) is None
    assert "<mark" not in highlighted_passage(cite(start=101, end=110))
    assert highlight_span(cite(start=90, end=95)) is None  # before the passage
    assert highlight_span(cite(end=100 + len(PASSAGE) + 5)) is None  # past its end


def test_context_window_cuts_at_spaces_and_marks_the_cut():
    text = "alpha beta gamma delta epsilon zeta eta theta"
    a = text.index("delta")
    lo, hi = window(text, a, a + 5, 8)
    assert text[lo:hi] == "gamma delta epsilon"
    long = "Lead words go here. " * 30 + "The cited sentence. " + "Tail words go here. " * 30
    start = 500 + long.index("The cited")
    c = cite(sentence="The cited sentence.", passage=long, start=start, end=start + 19, passage_start=500)
    short = highlighted_passage(c, context=60)
    assert short.startswith("…") and short.endswith("…") and len(short) < 200
    assert "<mark class='qa-hl' data-n='1'>The cited sentence.</mark>" in short


def test_answer_parts_number_each_sentence_with_a_clickable_citation():
    answer = Answer("q", "x", False, (cite(n=1), cite(n=2, sentence="Third.")))
    parts = answer_parts(answer, turn=4)
    assert len(parts) == 2
    assert parts[1] == "Third\\. " + cite_link(4, 2)
    assert "href='#qa-src-4-2'" in parts[1] and ">[2]</a>" in parts[1]
    md = answer_markdown(answer, turn=4)
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert parse_cite_ref("4-2") == (4, 2) and parse_cite_ref("4-2x") is None and parse_cite_ref("") is None


def test_a_decline_speaks_plainly_inert_and_keeps_the_figures_out():
    answer = Answer(
        "q", "No answer.", True, (), (passage(),), abstain_reason="confidence 0.05 < 0.10 [x](y)",
        status="declined", confidence=0.05, note="The indexed articles do not quote [x](y).",
    )  # fmt: skip
    (part,) = answer_parts(answer)
    assert part.startswith("The indexed articles do not quote \\[x\\]\\(y\\)\\.")
    assert "closest passages are under Sources" in part and "0.05" not in part
    bare = Answer("q", "No answer in the indexed articles.", True, status="declined", confidence=0.0)
    assert answer_parts(bare) == ["No answer in the indexed articles\\."]


def test_a_tentative_answer_says_so_and_a_pronoun_quote_names_its_speaker():
    quote = cite(n=1, sentence="Third.", speaker="Trump")
    answer = Answer("q", "Third. [1]", False, (quote,), status="tentative", confidence=0.3, note="Maybe not.")
    (part,) = answer_parts(answer)
    assert part.startswith("**Not sure:** _Maybe not\\._") and "**Trump:** Third\\." in part
    named = cite(n=1, sentence="First sentence here.", speaker="First")  # named in the sentence: no lead
    assert "**First:**" not in answer_parts(Answer("q", "x", False, (named,)))[0]
    html = sources_html(answer)
    assert "Tentative: may not answer · confidence 0.30" in html
    said = "He admitted that there is conflict."  # reported speech
    reported = cite(n=1, sentence=said, passage=said, speaker="Trump")
    (part,) = answer_parts(Answer("q", "x", False, (reported,)))
    assert part.startswith("He \\[**Trump**\\] admitted that there is conflict\\.")


def test_a_quotation_over_two_cited_sentences_names_its_speaker_once():
    text = "“We have natural conflict. We also have mutual love,” he said."
    opens, goes_on = "“We have natural conflict.", "We also have mutual love,” he said."
    first = cite(n=1, sentence=opens, passage=text, speaker="Trump")
    second = cite(n=2, sentence=goes_on, passage=text, speaker="Trump")
    parts = answer_parts(Answer("q", "x", False, (first, second)))
    assert parts[0].startswith("**Trump:** ") and not parts[1].startswith("**Trump:**")
    parts = answer_parts(Answer("q", "x", False, (second, first)))  # not in reading order: both named
    assert all(p.startswith("**Trump:** ") for p in parts)


def test_sources_escape_title_and_only_link_http():
    html = sources_html(Answer("q", "a [1]", False, (cite(url="javascript:alert(1)"),)))
    assert "<img" not in html and "&lt;img" in html
    assert "javascript:" not in html
    html = sources_html(Answer("q", "a [1]", False, (cite(),)))
    assert "href='https://n.example/a'" in html and "rel='noopener noreferrer nofollow'" in html
    assert "2025-10-07" in html and ">Wire</a>" in html


def test_sources_panel_cards_focus_and_uncited_passages():
    cited = passage()
    other = passage("b", 0, "Another <b>passage</b>.", title="Other <i>title</i>", date="2024-01-02")
    answer = Answer(
        "Who <said> it?", "a [1]", False, (cite(n=1),), (cited, other), query="Who <said> it, Trump?"
    )
    html = sources_html(
        answer, turn=2, focus=1, settings=settings_summary(5, "bm25", "2024-01-01", None, "Wire")
    )
    assert "id='qa-src-2-1'" in html and "qa-source qa-focus" in html
    assert "Who &lt;said&gt; it?" in html and "searched as “Who &lt;said&gt; it, Trump?”" in html
    assert "5 passages · bm25 · since 2024-01-01 · source contains “Wire”" in html
    assert uncited_passages(answer) == [(2, other)]
    assert "Other retrieved passages (1)" in html and "<details class='qa-more'>" in html
    assert "Other &lt;i&gt;title&lt;/i&gt;" in html and "Another &lt;b&gt;passage&lt;/b&gt;." in html
    assert ">2nd</span>" in html and "#2" not in html  # a rank, not to be read as citation [2]
    # passages of one article are told apart by their opening words, shown folded
    long = passage("c", 0, " ".join(f"w{i}" for i in range(30)), title="Other <i>title</i>")
    html = sources_html(Answer("q", "a [1]", False, (cite(n=1),), (cited, other, long)))
    assert "<div class='qa-opening'>w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 …</div>" in html
    assert "<b>passage" not in html and "<i>title" not in html


def test_citations_from_one_passage_share_one_card_with_each_sentence_marked():
    first = cite(n=1, sentence="First sentence here.")
    third = cite(n=3, sentence="Third.")
    elsewhere = cite(n=2, article_id="b", passage_start=0, start=21, end=21 + len(first.sentence[:5]))
    answer = Answer("q", "a [1] b [2] c [3]", False, (first, elsewhere, third))
    html = sources_html(answer, turn=0, focus=3)
    cards = re.findall(r"<div class='qa-source(?: qa-focus)?' id='qa-src-0-(\d+)'", html)
    assert cards == ["1", "2"]  # the passage of [1] and [3], then the one of [2]
    card = html[html.index("id='qa-src-0-1'") : html.index("id='qa-src-0-2'")]
    assert "data-cites=' 1 3 '" in html and "qa-source qa-focus' id='qa-src-0-1'" in html
    assert "<mark class='qa-hl' data-n='1'>First sentence here.</mark>" in card
    assert "<mark class='qa-hl qa-hl-focus' data-n='3'>Third.</mark>" in card
    assert "[1]</span><span class='qa-num'>[3]</span>" in card


def test_settings_line_says_when_fewer_passages_came_back():
    assert settings_summary(5, "hybrid", None, None, None, shown=5) == "5 passages · hybrid"
    assert settings_summary(5, "hybrid", "2025-10-08", None, None, shown=2) == (
        "2 passages (5 asked for) · hybrid · since 2025-10-08"
    )
    assert settings_summary(1, "bm25", None, None, None) == "1 passage · bm25"


def test_abstained_answer_offers_the_closest_passages():
    html = sources_html(Answer("q", "No answer.", True, (), (passage(),)))
    assert "nothing is cited" in html and "Closest passages (1)" in html


def test_escape_markdown_defuses_links_and_latex():
    assert escape_markdown("[click](javascript:alert(1))") == "\\[click\\]\\(javascript:alert\\(1\\)\\)"
    assert escape_markdown("$5 and $$x$$") == "\\$5 and \\$\\$x\\$\\$"
    assert escape_markdown("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert\\(1\\)&gt;"


def test_safe_url_and_meta():
    assert safe_url("ftp://x") is None and safe_url("http://x") == "http://x"
    assert safe_url("https://") is None and safe_url("javascript:alert(1)") is None
    assert meta_html(None, None, None) == "<span class='qa-muted'>no date or source</span>"
    assert "n.example</a>" in meta_html("2025-01-01", None, "https://n.example/a")
    assert notice_html("<b>x</b>", ok=False) == "<div class='qa-notice qa-error'>&lt;b&gt;x&lt;/b&gt;</div>"
    assert notice_html("") == ""
