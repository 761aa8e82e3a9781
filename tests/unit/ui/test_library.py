"""Library callbacks without a server: upload results, listing, removal, stats."""

import json

import pytest

from tests.conftest import SEED, shared
from ui import library as lib

ARTICLE = "Quillon Point lighthouse to shine again\n\nThe lamp will be lit on May 3, 2026, Ines Arden said.\n"


@pytest.fixture
def assistant(make_assistant):
    return make_assistant(model="hash:128")


def upload(tmp_path, name, data):
    """A file as Gradio hands it over: in a temporary folder of its own."""
    folder = tmp_path / "gradio-tmp" / str(len(list(tmp_path.glob("gradio-tmp/*"))))
    folder.mkdir(parents=True)
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(path)


def test_upload_types_are_the_types_the_readers_read():
    from index.sources.readers import SUFFIXES

    assert set(lib.UPLOAD_TYPES) == set(SUFFIXES)


def test_each_file_gets_a_result_and_bad_ones_say_why(assistant, tmp_path):
    progress = []
    files = [
        upload(tmp_path, "lighthouse.txt", ARTICLE),
        upload(tmp_path, "report.pdf", b"%PDF-1.4"),
        upload(tmp_path, "empty.md", b""),
        upload(tmp_path, "records.jsonl", '{"title": "A", "text": "Alpha beta gamma."}\nnot json\n'),
    ]
    rows, summary = lib.add_uploads(assistant, files, lambda f, d: progress.append((f, d)))
    by_file = {}
    for row in rows:
        by_file.setdefault(row[0], []).append(row)
    assert by_file["lighthouse.txt"][0][1:3] == ["added", "Quillon Point lighthouse to shine again"]
    assert (
        by_file["report.pdf"][0][1] == "rejected"  # read as a PDF now: this one is only a header
        and "damaged PDF" in by_file["report.pdf"][0][3]
    )
    assert by_file["empty.md"][0][1:] == ["rejected", "", "the file is empty"]
    assert sorted(r[1] for r in by_file["records.jsonl"]) == ["added", "rejected"]
    assert any(r[3].startswith("line 2: ") for r in by_file["records.jsonl"])
    assert summary == "2 added, 3 rejected"
    assert progress[0] == (0.0, "Adding lighthouse.txt (1 of 4)") and progress[-1] == (1.0, "Done")
    kept = sorted(p.name for p in lib.uploads_dir(assistant).iterdir())
    assert kept == ["lighthouse.txt", "records.jsonl"]  # refused files are not kept


def test_same_file_again_is_unchanged_and_an_edit_replaces(assistant, tmp_path):
    lib.add_uploads(assistant, [upload(tmp_path, "lighthouse.txt", ARTICLE)])
    rows, summary = lib.add_uploads(assistant, [upload(tmp_path, "lighthouse.txt", ARTICLE)])
    assert summary == "1 unchanged"
    rows, summary = lib.add_uploads(assistant, [upload(tmp_path, "lighthouse.txt", ARTICLE + "More.\n")])
    assert summary == "1 replaced" and len(assistant.articles()) == 1
    rows, summary = lib.add_uploads(assistant, [upload(tmp_path, "copy.txt", ARTICLE + "More.\n")])
    assert rows[0][1] == "duplicate" and "same text as article" in rows[0][3]


def test_size_and_count_limits(assistant, tmp_path, monkeypatch):
    monkeypatch.setattr(lib, "MAX_FILE_BYTES", 10)
    rows, _ = lib.add_uploads(assistant, [upload(tmp_path, "big.txt", ARTICLE)])
    assert rows[0][1] == "rejected" and "limit per file" in rows[0][3]
    monkeypatch.setattr(lib, "MAX_FILES", 1)
    rows, _ = lib.add_uploads(assistant, [upload(tmp_path, "a.txt", "x"), upload(tmp_path, "b.txt", "y")])
    assert ["b.txt", "rejected", "", "more than 1 files at once"] in rows
    assert lib.add_uploads(assistant, None) == ([], "Choose one or more files first.")


def test_safe_name_keeps_uploads_inside_their_folder():
    assert lib.safe_name("../../etc/passwd") == "passwd"
    assert lib.safe_name("my <article>.md") == "my _article_.md"
    assert lib.safe_name("...") == "upload"


def test_list_pick_and_remove(assistant, tmp_path):
    assistant.add([shared(SEED)])
    lib.add_uploads(assistant, [upload(tmp_path, "lighthouse.txt", ARTICLE)])
    articles = assistant.articles()
    rows = lib.article_rows(articles)
    assert [r[0] for r in rows] == [a.title for a in articles] and all(len(r) == 4 for r in rows)
    lighthouse = next(a for a in articles if a.title.startswith("Quillon"))
    row = next(r for r in rows if r[0].startswith("Quillon"))
    assert lib.article_for_row(articles, row) == lighthouse.id
    assert (
        lib.article_for_row(articles, ["nope", "", "", 1]) is None
        and lib.article_for_row(articles, []) is None
    )
    assert any(lighthouse.id == value for _, value in lib.article_choices(articles))

    assert lib.remove_article(assistant, lighthouse.id) == (True, f"Removed “{lighthouse.title}”.")
    assert [a.id for a in assistant.articles()] == [a.id for a in articles if a is not lighthouse]
    assert not (lib.uploads_dir(assistant) / "lighthouse.txt").exists()  # its kept copy went too
    removed, message = lib.remove_article(assistant, lighthouse.id)
    assert not removed and message.startswith("No article with id")
    assert lib.remove_article(assistant, None) == (False, "Pick an article to remove first.")
    assert shared(SEED).exists()  # a file added from elsewhere is never deleted
    seed_id = assistant.articles()[0].id
    assert lib.remove_article(assistant, seed_id)[0]
    assert shared(SEED).exists() and list(shared(SEED).iterdir())


def test_stats_and_sources_are_shown_escaped(assistant, tmp_path):
    record = {"title": "<b>T</b>", "text": "Some text here.", "source": "<i>Wire</i>", "date": "2025-01-02"}
    lib.add_uploads(assistant, [upload(tmp_path, "r.jsonl", json.dumps(record))])
    html = lib.stats_html(assistant.stats())
    assert ">1</div><div class='qa-stat-k'>articles" in html and "hash" in html and "<b>" not in html
    assert lib.source_choices(assistant.articles()) == ["<i>Wire</i>"]  # shown as text by the dropdown
    assert lib.human_size(512) == "512 B" and lib.human_size(1536) == "1.5 KB"
    assert lib.human_size(3 * 1024**3) == "3.0 GB"


def test_upload_results_are_an_escaped_table_of_whole_words():
    html = lib.results_html(
        [["a<b>.txt", "unchanged", "T <i>x</i>", "id-1"], ["n.pdf", "rejected", "", "why"]]
    )
    assert "<td>a&lt;b&gt;.txt</td><td>unchanged</td>" in html and "<i>" not in html
    assert "<tr class='qa-result-rejected'>" in html and lib.results_html([]) == ""


def test_upload_results_give_the_title_room_and_wrap_long_paths():
    """Fixed column widths: a long URL in File wraps in its column; the title keeps the most room."""
    url = "https://example.org/news/" + "a-very-long-story-name-" * 6 + ".html"
    html = lib.results_html([[url, "added", "Quillon Point lighthouse to shine again", "quillon-1"]])
    widths = [w for w in lib.RESULT_WIDTHS if w]
    assert html.count("<col") - html.count("<colgroup") == len(lib.RESULT_HEADERS) and all(
        f"width: {w}" in html for w in widths
    )
    percent = {
        h: float(w[:-1])
        for h, w in zip(lib.RESULT_HEADERS, lib.RESULT_WIDTHS, strict=True)
        if w and w.endswith("%")
    }
    assert max(percent, key=percent.get) == "Title" and sum(percent.values()) < 100  # Details gets the rest
    from ui.assets import CSS

    assert "table.qa-results { width: 100%; table-layout: fixed;" in CSS
    assert "overflow-wrap: break-word" in CSS


def test_the_article_table_has_balanced_widths_and_wraps():
    widths = [float(w[:-1]) for w in lib.ARTICLE_WIDTHS]
    assert len(widths) == len(lib.ARTICLE_HEADERS) and sum(widths) == 100
    assert max(zip(widths, lib.ARTICLE_HEADERS, strict=True))[1] == "Title"
