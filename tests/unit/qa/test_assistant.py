import pytest

from index.errors import InputError
from tests.unit.index.storage.test_store import write

CONTRACT = {"question", "answer", "abstained", "citations", "passages", "timings_ms"}
CITATION = {
    "n",
    "article_id",
    "title",
    "date",
    "source",
    "url",
    "sentence",
    "passage",
    "start",
    "end",
    "score",
}
PASSAGE = {"article_id", "title", "text", "start", "end", "score"}


@pytest.fixture
def assistant(tmp_path, make_assistant):
    d = tmp_path / "a"
    write(
        d,
        "steel.txt",
        "Steel tariffs rise",
        "Washington raised steel tariffs to 50 percent on Monday. Canada objected to the steel tariffs.",
    )
    write(
        d,
        "ferry.txt",
        "Ferry line opens",
        "A new ferry line opened between the two islands on Monday. The crossing takes forty minutes.",
    )
    a = make_assistant()
    a.add(d)
    return a


def test_answer_follows_the_contract(assistant):
    d = assistant.ask("How many minutes does the ferry crossing take?").to_dict()
    assert CONTRACT <= d.keys()
    assert not d["abstained"] and d["citations"]
    for c in d["citations"]:
        assert CITATION <= c.keys()
        assert f"[{c['n']}]" in d["answer"]
    for p in d["passages"]:
        assert PASSAGE <= p.keys()
    assert "forty minutes" in d["answer"]


def test_citation_offsets_point_at_the_sentence_in_the_article(assistant):
    ans = assistant.ask("How many minutes does the ferry crossing take?")
    for c in ans.citations:
        article = assistant.store.article(c.article_id)
        assert article.text[c.start : c.end] == c.sentence
        assert article.text[c.passage_start : c.passage_end] == c.passage


def test_answer_is_short_sentences_not_chunks(assistant):
    ans = assistant.ask("What happened to steel tariffs?")
    assert len(ans.citations) <= 3 and len(ans.answer.split()) <= 80 + 3
    assert all(c.sentence != c.passage for c in ans.citations if c.passage.count(".") > 1)


def test_off_topic_question_abstains_without_inventing(assistant):
    ans = assistant.ask("Who won the 1998 football world cup final?")
    assert ans.abstained and ans.citations == () and ans.abstain_reason
    assert "could not find" in ans.answer


@pytest.mark.parametrize(
    ("question", "k", "message"),
    [
        ("", None, "empty"),
        ("   \x00\x07  ", None, "empty"),
        ("x" * 100_000, None, "100000 characters"),
        ("ferry", 0, "positive whole number"),
        ("ferry", 500, "ask for k <= "),
    ],
)
def test_bad_requests_get_clear_errors(assistant, question, k, message):
    with pytest.raises(InputError, match=message):
        assistant.ask(question, k=k)


def test_empty_index_says_what_to_do(make_assistant):
    with pytest.raises(InputError, match="index is empty"):
        make_assistant("empty").ask("anything?")


def test_unknown_article_cannot_be_removed(assistant):
    with pytest.raises(InputError, match="no article with id 'nope'"):
        assistant.remove("nope")


def test_modes_all_answer(assistant):
    for mode in ("hybrid", "dense", "bm25"):
        ps = assistant.search("ferry islands", k=2, mode=mode)
        assert ps and ps[0].title == "Ferry line opens"
    with pytest.raises(InputError, match="unknown"):
        assistant.search("ferry", mode="magic")


@pytest.fixture
def dated(tmp_path, make_assistant):
    d = tmp_path / "dated-articles"
    d.mkdir()
    for day, src, word in (("2025-01-10", "Harbor Times", "old"), ("2025-06-01", "Demo Wire", "new")):
        (d / f"{word}.md").write_text(
            f"---\ntitle: Tariff report {word}\ndate: {day}\nsource: {src}\n---\n\n"
            f"The {word} report says steel tariffs reached a new level this month.\n"
        )
    (d / "undated.txt").write_text("Undated tariff note\n\nSteel tariffs were discussed again today.")
    a = make_assistant("dated-index")
    a.add(d)
    return a


@pytest.mark.parametrize(
    ("kwargs", "titles"),
    [
        ({}, {"Tariff report old", "Tariff report new", "Undated tariff note"}),
        ({"since": "2025-03-01"}, {"Tariff report new"}),
        ({"until": "2025-03-01"}, {"Tariff report old"}),
        ({"since": "2025-01-10", "until": "2025-06-01"}, {"Tariff report old", "Tariff report new"}),
        ({"source": "harbor"}, {"Tariff report old"}),
        ({"source": "undated"}, {"Undated tariff note"}),  # title matches too
        ({"since": "2026-01-01"}, set()),
    ],
)
def test_date_and_source_filters(dated, kwargs, titles):
    for mode in ("hybrid", "bm25", "dense"):
        got = {p.title for p in dated.search("steel tariffs", k=3, mode=mode, **kwargs)}
        assert got == titles, (mode, kwargs)


def test_filtered_ask_cites_only_matching_articles(dated):
    ans = dated.ask("What did the report say about steel tariffs?", since="2025-03-01")
    assert ans.citations and {c.title for c in ans.citations} == {"Tariff report new"}
    assert dated.ask("steel tariffs?", since="2030-01-01").abstained


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": "yesterday"}, "since must be a date"),
        ({"since": "2025-05-01", "until": "2025-01-01"}, "swap"),
    ],
)
def test_bad_filters_are_explained(dated, kwargs, message):
    with pytest.raises(InputError, match=message):
        dated.search("steel", **kwargs)


def test_a_model_without_a_calibration_of_its_own_uses_the_default(tmp_path):
    from qa import Assistant

    with Assistant.open(tmp_path / "h", model="hash:64") as a:
        assert a.calibration.source == "default.json" and a.calibration.rerank_similarity == 0


@pytest.mark.slow
def test_the_packaged_model_uses_its_fitted_calibration_and_declines_off_topic(seed_assistant):
    """The index built with the real model answers with the thresholds fitted for that
    model in the precision it runs in (its own file, else the model's other precision's),
    not the default's, and they decline an off-topic question."""
    import json

    from qa.calibration import FOLDER, Calibration, file_for

    model = seed_assistant.store.settings.model_name
    precision = seed_assistant.embedder.precision
    own = file_for(model, precision)
    expected = own if own.is_file() else sorted(FOLDER.glob(f"{model}-*.json"))[0]
    fitted = Calibration.from_dict(json.loads(expected.read_text(encoding="utf-8")), expected.name)
    default = Calibration.from_dict(json.loads((FOLDER / "default.json").read_text(encoding="utf-8")))
    cal = seed_assistant.calibration
    assert model == "all-MiniLM-L6-v2" and cal.source == expected.name and cal.model == model
    assert cal == fitted and (cal.answer_at, cal.tentative_at) == (fitted.answer_at, fitted.tentative_at)
    assert (cal.answer_at, cal.tentative_at) != (default.answer_at, default.tentative_at)
    ans = seed_assistant.ask("What is the boiling point of water at sea level?")
    assert ans.status == "declined" and ans.abstained and ans.confidence < cal.tentative_at
    # the model alone was sure of this one (Carney is a prime minister): the name decides
    near = seed_assistant.ask("Who is the prime minister of the United Kingdom?")
    assert near.status == "declined" and near.abstained and near.confidence < cal.tentative_at
    assert "never mention the United Kingdom" in near.note and near.passages  # the closest passages stay
    assert seed_assistant.ask("Where did Trump and Carney meet?").status != "declined"
    slip = seed_assistant.ask("What did Carny say about USMCA?")  # the passages' Carney, not a decline
    assert slip.status != "declined" and slip.citations and all(c.speaker == "Carney" for c in slip.citations)
    sure = seed_assistant.ask("What did Trump say about USMCA?")
    assert sure.status == "answer" and sure.confidence >= cal.answer_at


def test_abstain_reason_names_the_numbers_and_the_note_says_it_in_words(assistant):
    ans = assistant.ask("Who won the 1998 football world cup final?")
    assert ans.abstained and ans.status == "declined"
    assert "confidence" in ans.abstain_reason and "covers" in ans.abstain_reason
    assert ans.note and not any(ch.isdigit() for ch in ans.note)


def test_newest_article_is_cited_first(dated):
    ans = dated.ask("What did the report say about steel tariffs?")
    dates = [c.date or "" for c in ans.citations]
    assert len(set(dates)) > 1 and dates == sorted(dates, reverse=True)


PAGE = """<html><head><title>{title}</title><link rel="canonical" href="https://paper.example/ferry">
</head><body><article><h1>{title}</h1><p>{body}</p></article></body></html>"""


def test_one_rule_for_the_same_article_within_a_run_and_across_runs(make_assistant, tmp_path):
    """Copies of a page with one canonical URL are one article: the same text is unchanged
    (in one folder or uploaded later), a changed text replaces it, another id is a duplicate."""
    body = "The ferry to Gull Island now sails twice a day, the operator said on Monday morning."
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.html").write_text(PAGE.format(title="Ferry sails twice a day", body=body))
    (folder / "b.html").write_text(PAGE.format(title="Ferry sails twice a day", body=body))
    a = make_assistant()
    report = a.add(folder)
    assert (len(report.added), len(report.unchanged), len(report.rejected)) == (1, 1, 0)
    (folder / "c.html").write_text(
        PAGE.format(title="Ferry sails twice a day", body=body + " Fares rise by one dollar in June.")
    )
    report = a.add(folder)
    assert (len(report.unchanged), len(report.replaced), len(report.rejected)) == (2, 1, 0)  # a, b; then c
    assert [x.chunks for x in a.articles()] == [1]
    assert "one dollar" in a.search("fares", k=1)[0].text


def test_what_the_only_article_is_about_is_its_headline_s_answer(seed_assistant):
    ans = seed_assistant.ask("What is this article about?")
    title = seed_assistant.articles()[0].title
    assert ans.query == title and ans.status == "answer" and ans.citations  # searched as its headline
    assert "Carney" in ans.answer and "Trump" in ans.answer


def test_what_several_articles_are_about_is_declined_with_where_to_look(assistant):
    ans = assistant.ask("Can you summarize the article?")
    assert ans.status == "declined" and "as a whole" in ans.note and "qa stats --articles" in ans.note
