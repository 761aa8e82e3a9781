"""The bad-input catalogue, bad files: skipped with a reason, the rest added."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from qa import Assistant
from tests.conftest import ROOT
from tests.promises.catalogue.common import ARTICLES, QUESTION, fingerprint, qa

# -- files ----------------------------------------------------------------------

LONG_BODY = "The council met on Monday and approved the plan. " * 20


@dataclass(frozen=True)
class FileCase:
    name: str
    files: dict[str, bytes]
    rejected: tuple[str, ...] = ()  # reasons, each part of one problem line
    added: int = 0
    duplicates: int = 0
    line: int | None = None  # the line number reported, for records files
    check: Callable[[Assistant], None] | None = None


def _utf16le_without_bom() -> bytes:
    return ("Harbour news\n\nThe harbour reopened after repairs on Monday. " * 3).encode("utf-16-le")


def _bomb(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def _check_text(title: str, needle: str) -> Callable[[Assistant], None]:
    def check(a: Assistant) -> None:
        art = next(x for x in a.articles() if x.title == title)
        stored = a.store.article(art.id)
        assert stored is not None and needle in stored.text

    return check


def _check_markup_is_text(a: Assistant) -> None:
    art = next(x for x in a.articles() if "<b>" in x.title)
    stored = a.store.article(art.id)
    assert stored is not None and "<script>alert('x')</script>" in stored.text  # kept as text, never run
    hits = a.search("alert script markup", k=1, mode="bm25")
    assert hits and hits[0].article_id == art.id


def _check_safe_ids(a: Assistant) -> None:
    for art in a.articles():
        assert "/" not in art.id and ".." not in art.id.split("-")[0]


def _check_clean_text(a: Assistant) -> None:
    art = next(x for x in a.articles() if x.title.startswith("Odd"))
    stored = a.store.article(art.id)
    assert stored is not None
    for ch in ("\x00", "\x1b", "\ud800", "\x85"):
        assert ch not in stored.text and ch not in stored.title
    stored.text.encode("utf-8")  # storable and printable as UTF-8


FILES = [
    FileCase("binary with NUL bytes", {"x.txt": b"\x00\x01\x02binary\x00data"}, ("binary file",)),
    FileCase(
        "PNG named .md", {"photo.md": b"\x89PNG\r\n\x1a\n" + bytes(200)}, ("binary file (a PNG image)",)
    ),
    FileCase("PDF named .txt", {"doc.txt": b"%PDF-1.7\n%\xe2\xe3"}, ("binary file (a PDF)",)),
    FileCase("unprintable bytes", {"noise.txt": bytes(range(1, 32)) * 40}, ("binary file",)),
    FileCase(
        "cp1252 text",
        {"latin.txt": ("Café news\n\nThe café reopened on Monday. " + LONG_BODY).encode("cp1252")},
        added=1,
        check=_check_text("Café news", "The café reopened"),
    ),
    FileCase(
        "UTF-16 with BOM",
        {"u16.txt": ("Bücher news\n\nThe library lends Bücher again. " + LONG_BODY).encode("utf-16")},
        added=1,
        check=_check_text("Bücher news", "Bücher again"),
    ),
    FileCase(
        "UTF-16 without BOM",
        {"u16le.txt": _utf16le_without_bom()},
        added=1,
        check=_check_text("Harbour news", "harbour reopened"),
    ),
    FileCase(
        "KOI8-R",
        {
            "ru.txt": "Новости города\n\nВ понедельник в городе открылась новая библиотека, сказал мэр. "
            "Жители пришли на открытие рано утром и остались до вечера.".encode("koi8-r")
        },
        added=1,
        check=_check_text("Новости города", "библиотека"),
    ),
    FileCase("empty file", {"empty.txt": b""}, ("empty file",)),
    FileCase("whitespace only", {"blank.md": b" \n\t\r\n  \n"}, ("empty file",)),
    FileCase("title but no text", {"title.txt": b"Only a title\n\n\n"}, ("no article text",)),
    FileCase(
        "malformed JSONL lines",
        {
            "feed.jsonl": b'{"title": "One", "text": "First story text here."}\n{oops\n'
            b'{"title": "Two"}\n{"title": "Three", "text": "Third story text here."}\n'
        },
        ("malformed JSON", "field 'text' is missing"),
        added=2,
        line=2,
    ),
    FileCase("JSON nested 100,000 deep", {"deep.json": _bomb(100_000)}, ("nested too deeply",)),
    FileCase(
        "JSONL line with a 5,000-digit number",
        {"big.jsonl": b'{"title": "N", "text": "x", "id": ' + b"9" * 5000 + b"}\n"},
        ("a number has thousands of digits",),
        line=1,
    ),
    FileCase("JSON of the wrong shape", {"list.json": b'"just a string"'}, ("must be a JSON object",)),
    FileCase(
        "duplicate under another name",
        {"copy-of-steel.txt": ARTICLES["steel.txt"].replace("Steel tariffs rise", "Another title").encode()},
        duplicates=1,
    ),
    FileCase(
        "unsupported .docx", {"notes.docx": b"PK\x03\x04"}, ("unsupported file type .docx; supported:",)
    ),
    FileCase("damaged .pdf", {"paper.pdf": b"%PDF-1.4"}, ("damaged PDF",)),
    FileCase("no extension", {"README": b"hello"}, ("unsupported file type (no extension)",)),
    FileCase(
        "HTML and JS in title and text",
        {
            "markup.txt": b"<b>Bold</b> <img src=x onerror=alert(1)> markup\n\n"
            b"Before <script>alert('x')</script> after the markup test. " + LONG_BODY.encode()
        },
        added=1,
        check=_check_markup_is_text,
    ),
    FileCase(
        "HTML page with scripts",
        {
            "page.html": b"<html><head><title>Budget passes</title><script>alert(1)</script></head>"
            b"<body><article><h1>Budget passes</h1><p>The council approved a new budget on Monday "
            b"after a long debate about roads.</p><p>The mayor said the plan would create jobs, "
            b"officials added.</p><script>document.write('x')</script></article></body></html>"
        },
        added=1,
        check=lambda a: _check_no_script(a, "Budget passes"),
    ),
    FileCase(
        "record ids with path tricks",
        {
            "ids.jsonl": b'{"id": "../../etc/passwd", "title": "Trick one", "text": "First trick text."}\n'
            b'{"id": "/abs/path", "title": "Trick two", "text": "Second trick text."}\n'
        },
        added=2,
        check=_check_safe_ids,
    ),
    FileCase(
        "control characters and lone surrogates in a record",
        {
            "odd.jsonl": b'{"title": "Odd\\u0000 title\\u001b[31m", "text": "Text with NUL \\u0000, '
            b'escape \\u001b[2J, a lone \\ud800 surrogate and NEL \\u0085 inside it."}\n'
        },
        added=1,
        check=_check_clean_text,
    ),
    FileCase(
        "YAML front matter that tries to run code",
        {"evil.md": b'---\ntitle: !!python/object/apply:os.system ["touch pwned-by-yaml"]\n---\n\nBody.\n'},
        ("front matter is not valid YAML",),
    ),
    FileCase(
        "front matter with a mapping for a field",
        {"meta.md": b"---\ntitle: Fine\nsource: {a: 1}\n---\n\nThe body is here.\n"},
        ("field 'source' must be a single value",),
    ),
]


def _check_no_script(a: Assistant, title: str) -> None:
    art = next(x for x in a.articles() if x.title == title)
    stored = a.store.article(art.id)
    assert stored is not None and "approved a new budget" in stored.text
    assert "alert(" not in stored.text and "document.write" not in stored.text


def _write(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


@pytest.mark.parametrize("case", FILES, ids=lambda c: c.name)
def test_bad_files_are_skipped_with_a_reason_and_the_rest_is_added(index, tmp_path, case):
    before_articles, before_answer = fingerprint(index)
    _write(tmp_path / "in", case.files)
    with Assistant.open(index) as a:
        report = a.add(tmp_path / "in")
        problems = [str(p) for p in report.rejected]
        assert len(problems) == len(case.rejected), problems
        for reason, line in zip(case.rejected, problems, strict=True):
            assert reason in line and "\n" not in line
        if case.line is not None:
            assert report.rejected[0].line == case.line and f":{case.line}: " in problems[0]
        assert (len(report.added), len(report.duplicates)) == (case.added, case.duplicates)
        if case.check:
            case.check(a)
        assert a.ask(QUESTION).answer == before_answer
        ids = {x.id for x in a.articles()}
    assert {i for i, _ in before_articles} <= ids
    assert not (ROOT / "pwned-by-yaml").exists() and not (tmp_path / "in" / "pwned-by-yaml").exists()


def test_cli_ingest_of_bad_files_exits_3_with_one_line_each_and_adds_the_rest(index, tmp_path):
    names = {}
    for case in FILES:
        for name, data in case.files.items():
            safe = f"{case.name[:16].replace(' ', '_')}-{name}"
            names[safe] = data
    _write(tmp_path / "in", names)
    proc = qa("ingest", tmp_path / "in", "--index", index, "--quiet")
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    rejected = [ln for ln in lines if ln.startswith("qa: rejected ")]
    duplicates = [ln for ln in lines if ln.startswith("qa: duplicate ") and "not added again" in ln]
    assert len(rejected) + len(duplicates) == len(lines)  # nothing but one line per file or record
    assert len(rejected) == sum(len(c.rejected) for c in FILES)
    assert len(duplicates) == sum(c.duplicates for c in FILES)
    assert "feed.jsonl:2: malformed JSON" in proc.stderr
    assert proc.stdout.startswith(f"{sum(c.added for c in FILES)} added")
    ids = {i for i, _ in fingerprint(index)[0]}
    assert len(ids) == len(ARTICLES) + sum(c.added for c in FILES)


def test_a_10_mb_article_is_added_and_answered(index, tmp_path):
    sentence = "Inspectors counted {n} lanterns along the old harbour wall on Tuesday. "
    body = "".join(sentence.format(n=i) for i in range(150_000))[: 10 * 1024 * 1024]
    middle = body.index(". ", len(body) // 2) + 2  # a fact only this article holds, 5 MB in
    fact = "The oldest lantern on the wall was forged by the blacksmith Orla Finch in 1887. "
    body = body[:middle] + fact + body[middle:]
    (tmp_path / "huge.txt").write_text("Harbour lantern census\n\n" + body + "The census ended well.")
    assert (tmp_path / "huge.txt").stat().st_size >= 10 * 1024 * 1024
    before = fingerprint(index)
    with Assistant.open(index) as a:
        report = a.add(tmp_path / "huge.txt")
        assert len(report.added) == 1 and report.chunks_added > 1000
        ans = a.ask("Which blacksmith forged the oldest lantern on the harbour wall?")
        assert ans.citations and "Orla Finch" in ans.answer
        huge = a.store.article(report.added[0]["id"])
        assert huge is not None and huge.title == "Harbour lantern census"
        cited = [c for c in ans.citations if c.article_id == huge.id]
        assert [c.sentence for c in cited] == [fact.strip()]
        assert huge.text[cited[0].start : cited[0].end] == fact.strip()
        assert a.ask(QUESTION).answer == before[1]  # the other articles answer as before
