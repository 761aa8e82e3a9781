"""The bad-input catalogue: one row per kind of bad input.

Every row checks three things: the error (or the skipped file's reason) is one
line and says what to do; the CLI exits non-zero (1 for an error, 3 when some
files were skipped); and the index that was there before is intact and still
answers the same. Rows run on a fresh copy of one small index (hashing
embedder), so they are independent and fast."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from index.errors import IndexCorruptError, IndexMismatchError, InputError, QAError
from qa import Assistant
from tests.conftest import ROOT, run_qa

QUESTION = "Who won the regional robotics contest?"
ARTICLES = {
    "steel.txt": "Steel tariffs rise\n\nWashington raised steel tariffs to 50 percent. Canada objected.",
    "ferry.txt": "Ferry line opens\n\nA new ferry line opened between the two islands on Monday.",
    "robots.txt": "School robots win\n\nThe robotics team from Lakeside won the regional contest.",
}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("catalogue")
    for name, text in ARTICLES.items():
        (root / "articles").mkdir(exist_ok=True)
        (root / "articles" / name).write_text(text)
    with Assistant.open(root / "index", model="hash:64") as a:
        a.add(root / "articles")
    return root / "index"


@pytest.fixture
def index(base, tmp_path) -> Path:
    """A private copy of the base index."""
    return Path(shutil.copytree(base, tmp_path / "index"))


def fingerprint(index_dir: Path) -> tuple[list[tuple[str, int]], str]:
    """What must survive: the articles (id, chunks) and the answer to one question."""
    with Assistant.open(index_dir) as a:
        return sorted((x["id"], x["chunks"]) for x in a.articles()), a.ask(QUESTION).answer


def qa(*args: object) -> subprocess.CompletedProcess[str]:
    return run_qa(*args, timeout=120)


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qa: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


# -- questions ----------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    name: str
    question: object
    error: str | None  # part of the message; None when it must be answered
    k: object = None
    mode: str = "hybrid"


ASKS = [
    Ask("empty", "", "the question is empty; type a question"),
    Ask("whitespace only", " \t\n\r  \u3000 ", "the question is empty"),
    Ask("only control characters", "\x00\x01\x07\x1b\x7f", "the question is empty"),
    Ask("100,000 characters", "robots " * 14_286, "characters long; the limit is 2000: shorten it"),
    Ask("NUL and ANSI escapes inside", "Who won the\x00 regional\x1b[31m robotics contest?", None),
    Ask("lone surrogate inside", "Who won the \ud800 robotics contest?", None),
    Ask("markup inside", "<script>alert(1)</script> Who won the robotics contest?", None),
    Ask("not text", None, "the question must be text"),
    Ask("k = 0", QUESTION, "not a positive whole number; ask for k >= 1", k=0),
    Ask("k < 0", QUESTION, "not a positive whole number", k=-3),
    Ask("k a string", QUESTION, "not a positive whole number", k="3"),
    Ask("k a bool", QUESTION, "not a positive whole number", k=True),
    Ask("k larger than the index", QUESTION, "ask for k <= 3", k=10_000),
    Ask("unknown mode", QUESTION, "retrieval mode 'magic' is unknown; use one of", mode="magic"),
]


@pytest.mark.parametrize("case", ASKS, ids=lambda c: c.name)
def test_bad_questions_get_a_one_line_error_and_change_nothing(index, case):
    before = fingerprint(index)
    with Assistant.open(index) as a:
        if case.error is None:
            answer = a.ask(case.question, k=case.k, mode=case.mode)  # type: ignore[arg-type]
            assert "\x00" not in answer.question and "\x1b" not in answer.question
            json.dumps(answer.to_dict())  # the answer is still valid JSON (no lone surrogates)
        else:
            with pytest.raises(InputError) as err:
                a.ask(case.question, k=case.k, mode=case.mode)  # type: ignore[arg-type]
            assert case.error in str(err.value) and "\n" not in str(err.value)
            with pytest.raises(InputError):
                a.search(case.question, k=case.k, mode=case.mode)  # type: ignore[arg-type]
    assert fingerprint(index) == before


CLI_ASKS = [
    (["ask", "   "], "the question is empty"),
    (["ask", "robots " * 14_286], "the limit is 2000"),
    (["ask", "\x1b\x07\x01 \x7f"], "the question is empty"),
    (["ask", QUESTION, "-k", "0"], "ask for k >= 1"),
    (["ask", QUESTION, "-k", "999"], "ask for k <= 3"),
    (["search", QUESTION, "-k", "-1"], "ask for k >= 1"),
    (["remove", "no-such-article"], "list them with 'qa stats --articles'"),
]


@pytest.mark.parametrize(("args", "message"), CLI_ASKS, ids=[" ".join(a)[:30] for a, _ in CLI_ASKS])
def test_cli_bad_requests_exit_1_with_one_line(index, args, message):
    before = fingerprint(index)
    proc = qa(*args, "--index", index)
    assert proc.returncode == 1
    assert message in one_line_error(proc.stderr)
    assert fingerprint(index) == before


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
        art = next(x for x in a.articles() if x["title"] == title)
        stored = a.store.article(art["id"])
        assert stored is not None and needle in stored.text

    return check


def _check_markup_is_text(a: Assistant) -> None:
    art = next(x for x in a.articles() if "<b>" in x["title"])
    stored = a.store.article(art["id"])
    assert stored is not None and "<script>alert('x')</script>" in stored.text  # kept as text, never run
    hits = a.search("alert script markup", k=1, mode="bm25")
    assert hits and hits[0].article_id == art["id"]


def _check_safe_ids(a: Assistant) -> None:
    for art in a.articles():
        assert "/" not in art["id"] and ".." not in art["id"].split("-")[0]


def _check_clean_text(a: Assistant) -> None:
    art = next(x for x in a.articles() if x["title"].startswith("Odd"))
    stored = a.store.article(art["id"])
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
    art = next(x for x in a.articles() if x["title"] == title)
    stored = a.store.article(art["id"])
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
        ids = {x["id"] for x in a.articles()}
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
    (tmp_path / "huge.txt").write_text("Harbour lantern census\n\n" + body + "The census ended well.")
    assert (tmp_path / "huge.txt").stat().st_size >= 10 * 1024 * 1024
    before = fingerprint(index)
    with Assistant.open(index) as a:
        report = a.add(tmp_path / "huge.txt")
        assert len(report.added) == 1 and report.chunks_added > 1000
        assert a.search("lanterns harbour wall 149999", k=1, mode="bm25")
        assert a.ask(QUESTION).answer == before[1]


# -- file names -------------------------------------------------------------------


def test_paths_with_dot_dot_and_absolute_paths_name_the_same_article(index, tmp_path):
    folder = tmp_path / "in" / "sub"
    folder.mkdir(parents=True)
    (folder / "lamp.txt").write_text("Lamp lit again\n\nThe old lamp was lit again on Friday evening.")
    tricky = tmp_path / "in" / "sub" / ".." / "sub" / "lamp.txt"
    with Assistant.open(index) as a:
        assert len(a.add(str(tricky)).added) == 1
        again = a.add(str((folder / "lamp.txt").resolve()))
        assert len(again.unchanged) == 1 and not again.added and not again.duplicates


def test_odd_file_names_are_reported_on_one_line(index, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad\nname\x1b[2J.txt").write_bytes(b"\x00binary")
    (folder / "good\tname ünï.txt").write_text("Odd names work\n\nA file with an odd name is still read.")
    proc = qa("ingest", folder, "--index", index, "--quiet")
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad\\nname\\x1b[2J.txt: binary file" in lines[0]
    assert proc.stdout.startswith("1 added")


def test_missing_paths_are_reported_and_the_rest_is_added(index, tmp_path):
    (tmp_path / "ok.txt").write_text("Present\n\nThis article is present and fine.")
    with Assistant.open(index) as a:
        report = a.add([tmp_path / "nope", tmp_path / "ok.txt"])
    assert [p.reason for p in report.rejected] == ["no such file or folder"] and len(report.added) == 1


# -- index directories ------------------------------------------------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not what you think it is\x00\xff" * 100)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _derived_folder(index: Path) -> Path:
    return index / json.loads((index / "derived.json").read_text())["folder"]


@dataclass(frozen=True)
class Damage:
    name: str
    damage: Callable[[Path], None]
    error: type[QAError] | None  # None: the index repairs itself and answers as before
    message: str = ""


DAMAGES = [
    Damage("manifest is not JSON", lambda d: (d / "manifest.json").write_text("{broken"), IndexCorruptError,
           "manifest.json is damaged; the articles are safe in records.sqlite: delete manifest.json"),
    Damage("manifest of a future version", lambda d: (d / "manifest.json").write_text(
        json.dumps({"settings": {"format_version": 99}})), IndexMismatchError,
           "format version 99, this program reads version 1; rebuild"),
    Damage("manifest deleted", lambda d: (d / "manifest.json").unlink(), None),
    Damage("records are garbage", lambda d: _garbage(d / "records.sqlite"), IndexCorruptError,
           "records.sqlite is damaged (file is not a database); restore it from a backup"),
    Damage("records truncated", lambda d: _truncate(d / "records.sqlite"), IndexCorruptError,
           "restore it from a backup"),
    Damage("records deleted", lambda d: (d / "records.sqlite").unlink(), IndexCorruptError,
           "records.sqlite is missing"),
    Damage("derived.json is garbage", lambda d: _garbage(d / "derived.json"), None),
    Damage("derived.json deleted", lambda d: (d / "derived.json").unlink(), None),
    Damage("derived.json points outside", lambda d: (d / "derived.json").write_text(
        json.dumps({"folder": "../../etc", "generation": 1})), None),
    Damage("FAISS file is garbage", lambda d: _garbage(_derived_folder(d) / "vectors.faiss"), None),
    Damage("FAISS file truncated", lambda d: _truncate(_derived_folder(d) / "vectors.faiss"), None),
    Damage("BM25 files deleted", lambda d: shutil.rmtree(_derived_folder(d) / "bm25"), None),
    Damage("derived folder deleted", lambda d: shutil.rmtree(_derived_folder(d)), None),
    Damage("lock file is garbage", lambda d: _garbage(d / "write.lock"), None),
]  # fmt: skip


@pytest.mark.parametrize("case", DAMAGES, ids=lambda c: c.name)
def test_damaged_indexes_fail_clearly_or_repair_themselves(index, case):
    before = fingerprint(index)
    case.damage(index)
    if case.error is None:
        assert fingerprint(index) == before  # rebuilt from the records, nothing embedded again
        with Assistant.open(index) as a:  # and writable again
            assert a.articles() and a.add([]).rejected == ()
        return
    snapshot = {p.name: p.read_bytes() for p in index.iterdir() if p.is_file()}
    with pytest.raises(case.error) as err:
        Assistant.open(index)
    assert case.message in str(err.value) and "\n" not in str(err.value)
    proc = qa("ask", QUESTION, "--index", index)
    assert proc.returncode == 1 and case.message in one_line_error(proc.stderr)
    after = {p.name: p.read_bytes() for p in index.iterdir() if p.is_file() and p.name in snapshot}
    assert after == snapshot  # a failed open changes nothing on disk


def test_missing_index_for_asking(tmp_path):
    proc = qa("ask", QUESTION, "--index", tmp_path / "nope")
    assert proc.returncode == 1
    assert "no index at" in one_line_error(proc.stderr) and "qa ingest PATH --index" in proc.stderr
    assert not (tmp_path / "nope").exists()


def test_foreign_folder_is_never_used_as_an_index(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "letter.txt").write_text("Dear reader")
    (tmp_path / "article.txt").write_text("A title\n\nSome article text for the index.")
    proc = qa("ingest", tmp_path / "article.txt", "--index", tmp_path / "docs", "--model", "hash:64")
    assert proc.returncode == 1
    assert "is not empty, but is not an index; pick an empty or new folder" in one_line_error(proc.stderr)
    assert [p.name for p in (tmp_path / "docs").iterdir()] == ["letter.txt"]
    proc = qa("ingest", tmp_path / "article.txt", "--index", tmp_path / "article.txt", "--model", "hash:64")
    assert proc.returncode == 1 and "not a folder" in one_line_error(proc.stderr)


def test_wrong_model_is_refused_naming_both(index, tmp_path):
    (tmp_path / "a.txt").write_text("A title\n\nSome article text for the index.")
    before = fingerprint(index)
    proc = qa("ingest", tmp_path / "a.txt", "--index", index, "--model", "hash:32")
    assert proc.returncode == 1
    line = one_line_error(proc.stderr)
    assert "'hash:64' (dimension 64)" in line and "'hash:32' (dimension 32)" in line
    assert "open it with the same model" in line
    assert fingerprint(index) == before


def test_an_index_folder_that_cannot_be_created_is_one_line(tmp_path):
    (tmp_path / "a.txt").write_text("A title\n\nSome article text for the index.")
    (tmp_path / "file").write_text("x")
    proc = qa("ingest", tmp_path / "a.txt", "--index", tmp_path / "file" / "sub", "--model", "hash:64")
    assert proc.returncode == 1 and "qa: error: " in one_line_error(proc.stderr)


def test_lost_manifest_and_damaged_records_are_refused_not_overwritten(index):
    (index / "manifest.json").unlink()
    _garbage(index / "records.sqlite")
    damaged = (index / "records.sqlite").read_bytes()
    with pytest.raises(
        IndexCorruptError, match=r"manifest\.json is missing and whose records\.sqlite is damaged"
    ):
        Assistant.open(index, model="hash:64")
    assert (index / "records.sqlite").read_bytes() == damaged
    proc = qa("ingest", ROOT / "eval/demo/articles", "--index", index, "--model", "hash:64")
    assert proc.returncode == 1 and "is damaged" in one_line_error(proc.stderr)
