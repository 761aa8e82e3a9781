import json

from index.sources.readers import find_files, iter_articles, read_file
from tests.conftest import SEED, shared

HTML = """<html><head><title>Council passes budget - City Paper</title>
<meta name="author" content="Jane Doe"><meta property="og:site_name" content="City Paper">
<meta property="article:published_time" content="2025-10-07T10:00:00Z">
<link rel="canonical" href="https://paper.example/budget"></head>
<body><nav>Home | World | Sports</nav><article><h1>Council passes budget</h1>
<p>The council approved a new budget on Monday after a long debate about roads and schools.</p>
<p>The mayor said the plan would create many jobs over the next five years, officials added.</p>
</article><footer>Copyright 2025 City Paper. All rights reserved.</footer></body></html>"""


def test_txt_title_is_first_line_and_furniture_is_dropped():
    (article,), problems = read_file(shared(SEED) / "carney-trump-white-house.txt")
    assert problems == []
    assert article.title.startswith("Prime Minister Carney holds trade talks")
    assert not article.text.startswith("Prime Minister Carney holds")
    assert "Most popular" not in article.text and "credit" not in article.text


def test_markdown_front_matter(tmp_path):
    p = tmp_path / "a.md"
    p.write_text(
        "---\ntitle: Ferry line opens\ndate: 2025-03-04\nsource: Harbor Times\n"
        "url: https://h.example/ferry\nauthor: A. Writer\n---\n\nThe ferry opened today.\n"
    )
    (a,), problems = read_file(p)
    assert problems == []
    assert (a.title, a.date, a.source, a.url, a.author) == (
        "Ferry line opens",
        "2025-03-04",
        "Harbor Times",
        "https://h.example/ferry",
        "A. Writer",
    )
    assert a.text == "The ferry opened today."


def test_markdown_heading_is_the_title(tmp_path):
    p = tmp_path / "b.md"
    p.write_text("# Library reopens\n\nThe library reopened on Friday.\n\n## Hours\n\nIt opens at nine.\n")
    (a,), _ = read_file(p)
    assert a.title == "Library reopens"
    assert "#" not in a.text and "Hours" in a.text


def test_html_main_text_and_metadata(tmp_path):
    p = tmp_path / "page.html"
    p.write_text(HTML)
    (a,), problems = read_file(p)
    assert problems == []
    assert a.title == "Council passes budget"
    assert a.date == "2025-10-07" and a.author == "Jane Doe" and a.source == "City Paper"
    assert a.url == "https://paper.example/budget"
    assert "approved a new budget" in a.text
    assert "Home | World" not in a.text and "Copyright" not in a.text


def test_jsonl_bad_lines_are_reported_with_line_numbers_and_the_rest_is_read(tmp_path):
    p = tmp_path / "news.jsonl"
    p.write_text(
        "\n".join(
            [
                json.dumps({"title": "One", "text": "First story text here.", "date": "2025-01-02"}),
                "{not json",
                json.dumps({"title": "Two"}),
                json.dumps(["not", "an", "object"]),
                json.dumps(
                    {"title": "Three", "text": "Third story text here.", "url": "https://x.example/3"}
                ),
            ]
        )
    )
    articles, problems = read_file(p)
    assert [a.title for a in articles] == ["One", "Three"]
    assert [(pr.line, pr.reason.split(":")[0]) for pr in problems] == [
        (2, "malformed JSON"),
        (3, "field 'text' is missing or not a non-empty string"),
        (4, "each record must be a JSON object with 'title' and 'text'"),
    ]
    assert str(problems[0]).startswith(f"{p}:2: ")


def test_json_list_of_records(tmp_path):
    p = tmp_path / "news.json"
    p.write_text(json.dumps([{"title": "A", "text": "Alpha text."}, {"title": "B", "text": "Beta text."}]))
    articles, problems = read_file(p)
    assert [a.title for a in articles] == ["A", "B"] and problems == []


def test_unreadable_files_are_skipped_with_reasons(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    (tmp_path / "ok.txt").write_text("Fine title\n\nFine body text.")
    (tmp_path / "latin.txt").write_bytes("Café news\n\nThe café reopened on Monday.".encode("cp1252"))
    out = list(iter_articles([tmp_path]))
    articles = [x for x in out if hasattr(x, "title")]
    problems = {type(x).__name__ + ":" + str(x) for x in out if not hasattr(x, "title")}
    assert sorted(a.title for a in articles) == ["Café news", "Fine title"]
    assert any("bin.txt: binary file" in p for p in problems)
    assert any("empty.txt: empty file" in p for p in problems)
    assert any("notes.docx: unsupported file type .docx" in p for p in problems)


def test_ids_are_stable_and_follow_the_source_not_the_text(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Title\n\nVersion one.")
    (a1,), _ = read_file(p)
    p.write_text("Title\n\nVersion two, edited.")
    (a2,), _ = read_file(p)
    assert a1.id == a2.id and a1.content_hash != a2.content_hash
    q = tmp_path / "b.txt"
    q.write_text("Title\n\nVersion one.")
    (b,), _ = read_file(q)
    assert b.id != a1.id and b.text_hash == a1.text_hash


def test_missing_path_is_a_problem_not_a_crash(tmp_path):
    files, problems = find_files([tmp_path / "nope"])
    assert files == [] and "no such file or folder" in problems[0].reason


def test_records_keep_their_own_plain_ids(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text(
        json.dumps({"id": "4983", "title": "A", "text": "Alpha text."})
        + "\n"
        + json.dumps({"id": "has spaces/and slashes", "title": "B", "text": "Beta text."})
    )
    (a, b), _ = read_file(p)
    assert a.id == "4983"
    assert b.id.startswith("b-") and len(b.id) == 12


def test_the_html_readers_imports_resolve_here():
    """trafilatura -> jusText -> lxml.html.clean: a separate package since lxml 5.2, declared
    directly; without it every .html file failed."""
    import lxml.html.clean  # noqa: F401
    import trafilatura

    doc = trafilatura.bare_extraction(HTML, with_metadata=True)
    assert "approved a new budget" in doc.text


def test_a_missing_reader_library_is_one_line_per_file_and_the_rest_is_read(tmp_path, monkeypatch):
    import sys

    (tmp_path / "page.html").write_text(HTML)
    (tmp_path / "note.txt").write_text("Harbour note\n\nThe harbour opened at dawn.")
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # as if it were not installed
    out = list(iter_articles([tmp_path]))
    problems = [x for x in out if not hasattr(x, "title")]
    articles = [x for x in out if hasattr(x, "title")]
    assert [a.title for a in articles] == ["Harbour note"]
    (problem,) = problems
    assert problem.path.endswith("page.html") and "cannot read .html files here" in problem.reason
    assert "pip install trafilatura" in problem.reason and "\n" not in str(problem)


def test_the_lxml_split_names_the_package_to_install():
    from index.sources.readers import missing_library

    exc = ImportError(
        "lxml.html.clean module is now a separate project lxml_html_clean.\n"
        "Install lxml[html_clean] or lxml_html_clean directly."
    )
    reason = missing_library(".html", exc)
    assert "pip install lxml lxml_html_clean" in reason and "\n" not in reason
