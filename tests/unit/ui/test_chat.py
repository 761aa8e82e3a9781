"""Chat callbacks without a server: streaming, history, settings, citation clicks."""

import re

import pytest

from tests.conftest import SEED, shared
from ui.chat import Settings, fit_k, new_chat, respond, show_source, start_k

SMALL = Settings(k=3)  # the seed article is 3 chunks


@pytest.fixture
def assistant(make_assistant):
    a = make_assistant(model="hash:128")
    a.add([shared(SEED)])
    return a


def run(assistant, message, chat=None, turns=None, settings=None):
    """All the states one turn streams, and the last one."""
    steps = list(respond(assistant, message, chat, turns, settings or SMALL))
    return steps, steps[-1]


def test_answer_streams_in_after_the_question_shows(assistant):
    steps, (chat, sources, turns, box) = run(assistant, "What did Trump say about USMCA?")
    first_chat = steps[0][0]
    assert first_chat[0] == {"role": "user", "content": "What did Trump say about USMCA?"}
    assert "Searching" in first_chat[1]["content"]
    assert len(steps) == 1 + len(turns[0].answer.citations)  # one step per cited sentence
    assert [len(s[0][-1]["content"]) for s in steps[1:]] == sorted(
        len(s[0][-1]["content"]) for s in steps[1:]
    )
    assert "href='#qa-src-0-1'" in chat[-1]["content"] and box == ""
    assert "<mark class='qa-hl" in sources and "id='qa-src-0-1'" in sources
    assert turns[0].settings == "3 passages · hybrid"


def test_follow_up_sends_the_earlier_questions_as_history(assistant, monkeypatch):
    seen = []
    real_ask = assistant.ask

    def spy(question, **kw):
        seen.append((question, kw))
        return real_ask(question, **kw)

    monkeypatch.setattr(assistant, "ask", spy)
    _, (chat, _, turns, _) = run(assistant, "What did Trump say about USMCA?")
    _, (chat, _, turns, _) = run(assistant, "And what did Carney say?", chat, turns)
    assert seen[1][1]["history"] == ["What did Trump say about USMCA?"]
    assert turns[1].answer.query == "What did Carney say about USMCA?"
    assert "Carney" in chat[-1]["content"] and len(chat) == 4
    assert "href='#qa-src-1-1'" in chat[-1]["content"]  # second turn's citations


def test_settings_reach_ask_and_bad_ones_come_back_as_a_message(assistant, monkeypatch):
    seen = []
    real_ask = assistant.ask
    monkeypatch.setattr(assistant, "ask", lambda q, **kw: seen.append(kw) or real_ask(q, **kw))
    settings = Settings.parse(3, "bm25", " 2025-01-01 ", "", "  ")
    assert settings == Settings(3, "bm25", "2025-01-01", None, None)
    run(assistant, "What did Trump say about USMCA?", settings=settings)
    assert seen[0] | {"history": None} == {
        "k": 3,
        "mode": "bm25",
        "since": "2025-01-01",
        "until": None,
        "source": None,
        "history": None,
    }
    _, (chat, sources, turns, box) = run(
        assistant, "What did Trump say?", settings=Settings.parse(3, "hybrid", "last week")
    )
    assert chat[-1]["content"].startswith("⚠️") and "since must be a date" in chat[-1]["content"]
    assert turns == [] and box == "What did Trump say?"  # the question stays to be fixed
    assert "not asked" in sources


def test_empty_question_and_markup_in_the_question_are_inert(assistant):
    _, (chat, sources, turns, _) = run(assistant, "   ")
    assert chat == [] and turns == [] and "Ask a question" in sources
    _, (chat, before, turns, _) = run(assistant, "What did Trump say about USMCA?")
    _, (after_chat, after, after_turns, box) = run(assistant, " \n ", chat, turns)
    assert after_chat == chat and after_turns == turns and box == ""
    assert after == before  # the last answer's sources stay in the panel
    _, (chat, _, _, _) = run(assistant, "<img src=x onerror=alert(1)> [a](javascript:x)")
    assert chat[0]["content"] == "&lt;img src=x onerror=alert\\(1\\)&gt; \\[a\\]\\(javascript:x\\)"


def test_clicking_a_citation_shows_that_answers_sources(assistant):
    _, (chat, _, turns, _) = run(assistant, "What did Trump say about USMCA?")
    _, (chat, _, turns, _) = run(assistant, "Who is the White House spokeswoman?", chat, turns)
    html = show_source(turns, "0-2:1712345")
    focused = re.search(r"<div class='qa-source qa-focus' id='qa-src-0-(\d+)' data-cites='([ \d]+)'>", html)
    assert focused and "2" in focused.group(2).split()  # the card of the passage [2] quotes
    assert "<mark class='qa-hl qa-hl-focus' data-n='2'>" in html
    assert "Sources for “What did Trump say about USMCA?”" in html
    assert "cleared" in show_source(turns, "7-1:1") and "cleared" in show_source([], "0-1")
    assert "cleared" in show_source(turns, "nonsense")


def test_new_chat_forgets_everything():
    chat, sources, turns, box = new_chat()
    assert chat == [] and turns == [] and box == "" and "Ask a question" in sources


def test_the_passages_setting_means_up_to_that_many_on_a_one_article_index(assistant):
    """The seed article alone is 3 chunks: a setting of 5 (the default) or 20 still answers."""
    for k in (5, 20):
        _, (chat, _, turns, _) = run(assistant, "What did Trump say about USMCA?", settings=Settings(k=k))
        assert turns and not chat[-1]["content"].startswith("⚠️"), chat[-1]["content"]
        assert turns[0].settings == f"3 passages ({k} asked for) · hybrid"


def test_the_header_says_how_many_passages_a_filter_left(assistant):
    _, (_, sources, turns, _) = run(
        assistant, "What did Trump say about USMCA?", settings=Settings(k=3, since="2030-01-01")
    )
    assert turns[0].settings == "0 passages (3 asked for) · hybrid · since 2030-01-01"
    assert "0 passages (3 asked for)" in sources


def test_passages_never_exceed_the_index():
    # (slider maximum, k): k is cut to the index; the maximum never drops below the
    # browser's value, or a question sent before the update arrives would be refused
    assert fit_k(3, 3) == (3, 3) and fit_k(10, 500) == (20, 10) and fit_k(None, 0) == (5, 1)
    assert fit_k(5, 3) == (5, 3) and fit_k("7", 50) == (20, 7) and fit_k(99, 50) == (20, 20)
    # Gradio refuses a slider whose minimum (1) is not below its maximum: an empty or one-chunk index
    assert fit_k(1, 1) == (2, 1) and fit_k(1, 0) == (2, 1)
    # a page served now: fitted to the index, 5 passages when it has them
    assert start_k(0) == (2, 1) and start_k(3) == (3, 3) and start_k(100) == (20, 5)


def test_an_unexpected_failure_is_reported_not_left_searching(assistant, monkeypatch):
    def broken(question, **kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(assistant, "ask", broken)
    _, (chat, _, turns, box) = run(assistant, "What did Trump say?")
    assert "Something went wrong" in chat[-1]["content"] and turns == [] and box == "What did Trump say?"
