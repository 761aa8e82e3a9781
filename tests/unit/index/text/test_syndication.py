"""Syndicated copies: the detector on the built set (python -m eval.syndication),
and groups kept in the index: stored, reopened, handed over on removal, cited once."""

from __future__ import annotations

import json
import random
import sqlite3

import pytest

from eval import syndication as ev
from index.text import syndication
from qa.types import Citation
from ui.format import also_in_html
from ui.library import groups_html
from ui.terminal import format_answer, format_stats


@pytest.fixture(scope="module")
def built():
    items = ev.build_set()
    sigs = {it.id: syndication.signature(it.text) for it in items}
    return items, syndication.group(sigs)


def test_edited_copies_are_grouped_with_their_original(built):
    items, groups = built
    group_of = {aid: i for i, g in enumerate(groups) for aid in g}
    originals = {it.story: it.id for it in items if it.kind == "original"}
    copies = [it for it in items if it.kind not in ("original", "markets-wrap")]
    assert len(copies) == 60
    for it in copies:
        assert group_of.get(it.id) is not None and group_of.get(it.id) == group_of.get(originals[it.story]), (
            it.id
        )


def test_stories_sharing_a_template_or_boilerplate_are_not_grouped(built):
    items, groups = built
    story = {it.id: it.story for it in items}
    for g in groups:
        assert len({story[aid] for aid in g}) == 1, g  # never two stories in one group
    wraps = {it.id for it in items if it.kind == "markets-wrap"}
    assert len(wraps) == 10 and not wraps & {aid for g in groups for aid in g}


def test_measure_reports_precision_and_recall(built):
    result = ev.measure(built[0])
    assert result["precision"] == 1.0 and result["recall"] == 1.0
    assert result["highest_different_story_similarity"] < syndication.THRESHOLD


def test_representative_is_earliest_then_most_metadata_then_id():
    rep = syndication.representative
    assert rep([{"id": "b", "date": "2025-01-02"}, {"id": "a", "date": "2025-01-03"}]) == "b"
    assert rep([{"id": "b", "date": None}, {"id": "a", "date": "2025-01-03"}]) == "a"  # undated last
    full = {"id": "z", "date": "2025-01-02", "source": "S", "url": "u", "author": "A"}
    assert rep([{"id": "a", "date": "2025-01-02"}, full]) == "z"
    assert rep([{"id": "b", "date": None}, {"id": "a", "date": None}]) == "a"


STORY = "port-elsin-ferry"


def _records(tmp_path, name, items):
    path = tmp_path / name
    rows = [
        {"id": it.id, "title": it.title, "text": it.text, "date": it.date, "source": it.source}
        for it in items
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def story_copies():
    stories = {it.story: it for it in ev.demo_stories()}
    original = stories[STORY]
    copies = ev.edited_copies(original, random.Random(3))[:3]
    return original, copies, stories["mount-kessar-alert"]


def test_groups_are_stored_cited_once_and_handed_over(make_assistant, tmp_path, story_copies):
    original, copies, other = story_copies
    a = make_assistant()
    a.add([_records(tmp_path, "first.jsonl", [*copies, other])])
    (group,) = a.copy_groups()
    assert sorted(m["article_id"] for m in group["members"]) == sorted(c.id for c in copies)
    earliest = min(copies, key=lambda c: (c.date, c.id))
    assert group["representative"] == earliest.id

    answer = a.ask("How long does the new ferry trip between Port Elsin and Gull Island take?")
    ferry = [c for c in answer.citations if c.article_id in {x.id for x in copies}]
    assert ferry and {c.article_id for c in ferry} == {earliest.id}  # one copy is cited
    also = {m["article_id"] for m in ferry[0].also_in}
    assert also == {c.id for c in copies} - {earliest.id}
    assert json.loads(json.dumps(answer.to_dict()))["citations"][0]["also_in"]
    assert "also in: " in format_answer(answer)

    # the original, dated earlier than its copies, joins and represents the group
    a.add([_records(tmp_path, "second.jsonl", [original])])
    (group,) = a.copy_groups()
    assert group["representative"] == original.id and len(group["members"]) == 4
    a.close()

    again = make_assistant()  # reopened from disk
    assert again.copy_groups()[0]["representative"] == original.id
    again.remove(original.id)  # a removed representative hands over to the next copy
    (group,) = again.copy_groups()
    assert group["representative"] == earliest.id and len(group["members"]) == 3
    for c in copies[1:]:
        again.remove(c.id)
    assert again.copy_groups() == []  # one copy left: no group
    assert "copy groups: 0" in format_stats(again.stats().to_dict())


def test_an_index_made_before_groups_gets_them_on_its_next_write(make_assistant, tmp_path, story_copies):
    original, copies, other = story_copies
    a = make_assistant()
    a.add([_records(tmp_path, "all.jsonl", [original, *copies])])
    directory = a.store.directory
    a.close()
    conn = sqlite3.connect(directory / "records.sqlite")
    with conn:
        for table in ("article_pages", "article_copies", "article_bands"):
            conn.execute(f"DROP TABLE {table}")
    conn.close()
    old = make_assistant()
    assert old.copy_groups() == [] and old.store.page_starts(original.id) is None  # reads, no error
    old.add([_records(tmp_path, "more.jsonl", [other])])
    (group,) = old.copy_groups()
    assert group["representative"] == original.id and len(group["members"]) == 4


def test_copies_are_shown_escaped():
    c = Citation(
        n=1, article_id="a", title="T", date=None, source=None, url=None, sentence="S.", passage="S.",
        start=0, end=2, score=1.0,
        also_in=({"article_id": "b", "title": "T", "source": "<b>Wire</b>", "date": "2025-01-02",
                  "url": None},),
    )  # fmt: skip
    html = also_in_html(c)
    assert "Also in: 2025-01-02 · &lt;b&gt;Wire&lt;/b&gt;" in html and "<b>" not in html
    group = {"representative": "b", "title": "<i>T</i>", "members": list(c.also_in)}
    shown = groups_html([group])
    assert "1 story run by several outlets" in shown and "<i>" not in shown
    assert groups_html([]) == ""
