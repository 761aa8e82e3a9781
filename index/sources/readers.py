"""Read articles from files: .txt, .md, .html/.htm, .json, .jsonl, .pdf (index/sources/pdf.py).

A file or record that cannot be read becomes a :class:`Problem` naming the
path (and line) and the reason; everything else is still read. Nothing read
here is ever executed: JSON with ``json``, front matter with ``yaml.safe_load``,
HTML only parsed for its text. Text is cleaned of control characters and
unpaired surrogates, which no later stage could store or show safely.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from index.sources.article import Article, make_article_id
from index.text.sentences import clean_text

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".pdf")
MAX_FILE_MB = 256  # per file; a bigger JSONL can be split (articles have no limit of their own)
_OPTIONAL = ("date", "url", "author", "source")
# C0 controls but tab and newlines, DEL, C1 controls, unpaired surrogates, noncharacters.
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ESCAPE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_MAGIC = (
    (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive (e.g. .docx)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "gzip-compressed"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"SQLite format 3", "an SQLite database"),
    (b"\x7fELF", "a program"),
)


@dataclass(frozen=True)
class Problem:
    """Why one file, or one record of it, was skipped."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        """One line, whatever odd characters the file name holds."""
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return printable(f"{where}: {self.reason}")

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "reason": self.reason}


class _Skip(Exception):
    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


def printable(text: str) -> str:
    """``text`` with control characters (newlines too) shown as ``\\xNN`` escapes."""
    return _ESCAPE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode(), text)


def find_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Expand folders recursively (hidden files skipped) into readable files."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and not any(part.startswith(".") for part in rel):
                    if f.suffix.lower() in SUFFIXES:
                        files.append(f)
                    else:
                        problems.append(Problem(str(f), _unsupported(f)))
        elif p.is_file():
            if p.suffix.lower() in SUFFIXES:
                files.append(p)
            else:
                problems.append(Problem(str(p), _unsupported(p)))
        else:
            problems.append(Problem(str(p), "no such file or folder"))
    return files, problems


def _unsupported(p: Path) -> str:
    kind = p.suffix or "(no extension)"
    return f"unsupported file type {kind}; supported: {', '.join(SUFFIXES)}"


def read_file(path: Path) -> tuple[list[Article], list[Problem]]:
    """All articles in one file, plus the problems met on the way."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_MB * 1024 * 1024:
            raise _Skip(
                f"the file is {size / 1024 / 1024:.0f} MB, over the {MAX_FILE_MB} MB limit per file; "
                "split it into several files"
            )
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            return [_read_pdf(path)], []
        text = decode(path.read_bytes())
        if suffix in (".json", ".jsonl"):
            return _read_records(path, text, suffix == ".jsonl")
        if suffix in (".html", ".htm"):
            return [_read_html(path, text)], []
        if suffix in (".md", ".markdown"):
            return [_read_markdown(path, text)], []
        return [_read_txt(path, text)], []
    except _Skip as skip:
        return [], [Problem(str(path), skip.reason, skip.line)]
    except OSError as exc:
        return [], [Problem(str(path), f"cannot read file: {exc.strerror or exc}")]
    except ImportError as exc:  # a reader's library is missing or broken: this file only, say what to install
        return [], [Problem(str(path), missing_library(path.suffix.lower(), exc))]


# Import names whose pip package is called otherwise.
_PIP_NAMES = {"yaml": "pyyaml", "dateutil": "python-dateutil", "lxml": "lxml lxml_html_clean"}


def missing_library(suffix: str, exc: ImportError) -> str:
    """One line: which library the reader of ``suffix`` files could not import, and what to install."""
    name = (exc.name or "").split(".")[0]
    message = " ".join(str(exc).split())
    if "lxml_html_clean" in message:
        name, message = "lxml", "lxml.html.clean is a separate package now"
    package = _PIP_NAMES.get(name, name) or "the project's dependencies"
    return f"cannot read {suffix or 'these'} files here: {message}; install it with: pip install {package}"


def iter_articles(paths: Iterable[str | Path]) -> Iterator[Article | Problem]:
    """Articles and problems for files and folders, in a stable order."""
    files, problems = find_files(paths)
    yield from problems
    for f in files:
        articles, probs = read_file(f)
        yield from probs
        yield from articles


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 or UTF-32 (with BOM, or UTF-16 without
    one when every other byte is zero); else the best guess of charset-normalizer.
    Binary data (known formats, NUL bytes, mostly unprintable) is refused."""
    if not data.strip():
        raise _Skip("empty file")
    for magic, kind in _MAGIC:
        if data.startswith(magic) and kind == "a PDF":
            raise _Skip("binary file (a PDF) under another name; name it .pdf to have it read as a PDF")
        if data.startswith(magic):
            raise _Skip(f"binary file ({kind}); convert it to text, Markdown, HTML or JSON first")
    text = _decode_unicode(data)
    if text is None:
        if b"\x00" in data:
            raise _Skip("binary file (contains NUL bytes); give text, Markdown, HTML or JSON")
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise _Skip("not text in any known encoding; save it as UTF-8")
        log.info("decoded with %s (not UTF-8)", best.encoding)
        text = str(best)
    sample = text[:100_000]
    if sum(1 for _ in _UNSAFE_CHARS.finditer(sample)) + sample.count("\ufffd") > len(sample) // 20:
        raise _Skip("binary file (mostly unprintable characters); give text, Markdown, HTML or JSON")
    if not text.strip():
        raise _Skip("empty file")
    return text


def _decode_unicode(data: bytes) -> str | None:
    """The text when ``data`` is Unicode: by its BOM, by the zero bytes of BOM-less
    UTF-16, or as plain UTF-8 without NUL bytes; else None."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                return None
    head = data[:4096]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    guess = "utf-16-le" if odd > len(head) // 4 and not even else None
    guess = "utf-16-be" if even > len(head) // 4 and not odd else guess
    for enc in (guess, "utf-8"):
        if enc is None or (enc == "utf-8" and b"\x00" in data):
            continue
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def _finish(path: Path, key: str, title: str, body: str, meta: dict[str, Any]) -> Article:
    title = " ".join(_safe(title).split())
    text = clean_text(_safe(body))
    if not title:
        raise _Skip("no title found")
    if not text:
        raise _Skip("no article text left after removing page furniture")
    fields = {f: _clean_meta(f, meta.get(f)) for f in _OPTIONAL}
    return Article(
        id=make_article_id(title, _safe(key), meta.get("id")),
        title=title,
        text=text,
        origin=str(path),
        **fields,
    )


def _safe(text: str) -> str:
    """Control characters become spaces, unpaired surrogates U+FFFD."""
    return _UNSAFE_CHARS.sub(lambda m: "\ufffd" if "\ud800" <= m.group() <= "\udfff" else " ", text)


def _clean_meta(field: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int, float, date)):
        raise _Skip(f"field '{field}' must be a single value, not {type(value).__name__}")
    if field == "date":
        return normalize_date(value)
    return " ".join(_safe(str(value)).split())[:1000] or None


def normalize_date(value: Any) -> str | None:
    """ISO ``YYYY-MM-DD`` when the value parses as a date; else the value as text."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raw = " ".join(_safe(str(value)).split())[:100]
    try:
        from dateutil import parser

        return parser.parse(raw, fuzzy=False).date().isoformat()
    except (ValueError, OverflowError):
        return raw or None


def _read_txt(path: Path, text: str) -> Article:
    lines = text.replace("\r\n", "\n").split("\n")
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        raise _Skip("empty file")
    body = "\n".join(lines[first + 1 :])
    return _finish(path, _path_key(path), lines[first], body, {})


_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def _read_markdown(path: Path, text: str) -> Article:
    text = text.replace("\r\n", "\n")
    meta: dict[str, Any] = {}
    m = _FRONT.match(text)
    if m:
        import yaml

        try:
            loaded = yaml.safe_load(m.group(1))  # plain data only: no tags, nothing run
        except yaml.YAMLError as exc:
            raise _Skip(f"front matter is not valid YAML: {exc}".split("\n")[0], 2) from exc
        if not isinstance(loaded, dict):
            raise _Skip("front matter must be 'key: value' lines", 2)
        meta = {str(k).lower(): v for k, v in loaded.items()}
        text = text[m.end() :]
    title = str(meta.get("title") or "")
    if not title:
        h = _HEADING.search(text)
        if h is None:
            return _read_txt(path, text) if not meta else _finish(path, _path_key(path), "", text, meta)
        title, text = h.group(1), text[: h.start()] + text[h.end() :]
    body = _HEADING.sub(lambda hm: hm.group(1), text)
    key = str(meta.get("id") or meta.get("url") or _path_key(path))
    return _finish(path, key, title, body, meta)


def _read_html(path: Path, text: str) -> Article:
    import trafilatura

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False, include_tables=False)
    body = getattr(doc, "text", None) if doc is not None else None
    if not body:
        raise _Skip("no article text found in the HTML")
    title = getattr(doc, "title", None) or ""
    lines = body.split("\n")
    if lines and title and lines[0].strip() == title.strip():
        lines = lines[1:]
    meta = {
        "date": getattr(doc, "date", None),
        "author": getattr(doc, "author", None),
        "source": getattr(doc, "sitename", None) or getattr(doc, "hostname", None),
        "url": getattr(doc, "url", None),
    }
    key = meta["url"] or _path_key(path)
    return _finish(path, key, title or path.stem, "\n\n".join(lines), meta)


def _read_pdf(path: Path) -> Article:
    from index.sources.pdf import PdfError, join_pages, read_pdf, title_and_pages

    data = path.read_bytes()
    if not data.strip():
        raise _Skip("empty file")
    try:
        pdf = read_pdf(data)
    except PdfError as exc:
        raise _Skip(exc.reason) from exc
    title, pages = title_and_pages(pdf, path.stem)
    text, starts = join_pages(pages)
    art = _finish(path, _path_key(path), title, text, {"author": pdf.author, "date": pdf.date})
    return replace(art, pages=starts) if art.text == text else art  # cleaning kept the offsets, or no pages


def _read_records(path: Path, text: str, lines: bool) -> tuple[list[Article], list[Problem]]:
    records: list[tuple[int | None, Any]] = []
    problems: list[Problem] = []
    if lines:
        for no, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append((no, json.loads(line)))
            except json.JSONDecodeError as exc:
                problems.append(Problem(str(path), f"malformed JSON: {exc.msg} (column {exc.colno})", no))
            except (ValueError, RecursionError) as exc:  # huge numbers, absurd nesting
                problems.append(Problem(str(path), _json_trouble(exc), no))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _Skip(f"malformed JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
        except (ValueError, RecursionError) as exc:  # huge numbers, absurd nesting
            raise _Skip(_json_trouble(exc)) from exc
        if isinstance(data, dict) and isinstance(data.get("articles"), list):
            data = data["articles"]
        records = [(None, r) for r in (data if isinstance(data, list) else [data])]
    articles: list[Article] = []
    for index, (no, rec) in enumerate(records):
        try:
            articles.append(_from_record(path, rec))
        except _Skip as skip:
            where = f"record {index + 1}: " if no is None else ""
            problems.append(Problem(str(path), where + skip.reason, no))
    if not articles and not problems:
        problems.append(Problem(str(path), "no records in file"))
    return articles, problems


def _from_record(path: Path, rec: Any) -> Article:
    if not isinstance(rec, dict):
        raise _Skip("each record must be a JSON object with 'title' and 'text'")
    for field in ("title", "text"):
        value = rec.get(field)
        if not isinstance(value, str) or not value.strip():
            raise _Skip(f"field '{field}' is missing or not a non-empty string")
    for field in _OPTIONAL:
        value = rec.get(field)
        if value is not None and not isinstance(value, (str, int, float)):
            raise _Skip(f"field '{field}' must be a string")
    key = str(rec.get("id") or rec.get("url") or f"{_path_key(path)}#{rec['title'].strip()}")
    return _finish(path, key, rec["title"], rec["text"], rec)


def _json_trouble(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "unusable JSON: nested too deeply to read; give one flat object per article"
    if "digits" in str(exc):
        return "unusable JSON: a number has thousands of digits; fix or remove that value"
    return "unusable JSON: " + (str(exc) or type(exc).__name__).split("\n")[0][:200]


def _path_key(path: Path) -> str:
    return str(path.resolve())
