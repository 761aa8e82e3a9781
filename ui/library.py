"""Library callbacks: upload articles, list them, remove one, index stats.

Uploads are checked here (type and size, with a message that says what to do),
copied to ``INDEX/uploads/`` under their own file name and handed to
``Assistant.add``. The stable copy matters: an article's id comes from its file
path, so uploading the same file again is reported as unchanged, and an edited
file of the same name replaces its article. No Gradio import here."""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qa import Assistant, IndexStats, QAError, StoredArticle

# The types index.sources.readers reads (tests/unit/ui/test_library.py checks they match).
UPLOAD_TYPES = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".pdf")
MAX_FILE_MB = 10
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
MAX_FILES = 50
MAX_URLS = 50  # web addresses typed at once (a feed's entries are not counted)
UPLOADS = "uploads"
RESULT_HEADERS = ["File", "Result", "Title", "Details"]
# The results table's columns: file and title a quarter each, the one-word result just
# wide enough; Details (a rejection's reason, the longest text) takes the third left. Fixed
# widths (ui/assets.py: table-layout: fixed), so a long path or URL wraps inside its
# column instead of squeezing the others (in the Library's half-width panel, 26% + 40%
# for file and title left Details a syllable a line).
RESULT_WIDTHS = ["22%", "5.5em", "24%", None]
ARTICLE_HEADERS = ["Title", "Date", "Source", "Chunks"]
ARTICLE_WIDTHS = ["50%", "15%", "22%", "13%"]  # gr.Dataframe column_widths, % of the table

Progress = Callable[[float, str], None]
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


def uploads_dir(assistant: Assistant) -> Path:
    """Where uploaded files are kept: ``uploads/`` inside the index folder."""
    return assistant.directory / UPLOADS


def check_upload(path: Path) -> str | None:
    """Why this file cannot be added, or None when it may be."""
    suffix = path.suffix.lower()
    if suffix not in UPLOAD_TYPES:
        kind = f"{suffix} files" if suffix else "files without an extension"
        return f"{kind} are not articles this reads; upload one of {', '.join(UPLOAD_TYPES)}"
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return (
            f"the file is {size / 1024 / 1024:.1f} MB, over the {MAX_FILE_MB} MB limit per file; "
            "split it (a .jsonl can be cut into several files) or add it with 'qa ingest'"
        )
    if size == 0:
        return "the file is empty"
    return None


def safe_name(name: str) -> str:
    """A plain file name (no folders, no odd characters) that keeps the extension."""
    base = _UNSAFE_NAME.sub("_", Path(name).name).strip(" .") or "upload"
    return base[-120:]


def keep_upload(src: Path, folder: Path) -> Path:
    """Copy an upload to ``folder/<its name>``, replacing an older file of that name."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / safe_name(src.name)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    os.close(fd)
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)
    return dest


def report_rows(name: str, report: Any) -> list[list[str]]:
    """One row per article of an :class:`IngestReport`: file, result, title, details."""
    rows = []
    for result in ("added", "replaced", "unchanged"):
        rows += [[name, result, e.get("title", ""), e.get("id", "")] for e in getattr(report, result)]
    for e in report.duplicates:
        rows.append([name, "duplicate", e.get("title", ""), f"same text as article {e.get('duplicate_of')}"])
    for p in report.rejected:
        where = f"line {p.line}: " if p.line is not None else ""
        rows.append([name, "rejected", "", where + p.reason])
    return rows or [[name, "rejected", "", "no article found in the file"]]


def add_uploads(
    assistant: Assistant, files: Sequence[str | Path] | None, progress: Progress | None = None
) -> tuple[list[list[str]], str]:
    """Add uploaded files one by one: a result row per article (or per refused
    file) and a one-line summary. Bad files never stop the others."""
    paths = [Path(f) for f in files or []]
    if not paths:
        return [], "Choose one or more files first."
    rows: list[list[str]] = []
    if len(paths) > MAX_FILES:
        rows += [[p.name, "rejected", "", f"more than {MAX_FILES} files at once"] for p in paths[MAX_FILES:]]
        paths = paths[:MAX_FILES]
    for i, path in enumerate(paths):
        if progress:
            progress(i / len(paths), f"Adding {path.name} ({i + 1} of {len(paths)})")
        reason = check_upload(path)
        if reason:
            rows.append([path.name, "rejected", "", reason])
            continue
        kept = keep_upload(path, uploads_dir(assistant))
        try:
            report = assistant.add([kept], progress=True)
        except QAError as exc:
            rows.append([path.name, "rejected", "", str(exc)])
            continue
        if not (report.added or report.replaced or report.unchanged):
            _forget(assistant, kept)
        rows += report_rows(path.name, report)
    if progress:
        progress(1.0, "Done")
    return rows, results_summary(rows)


def add_urls(
    assistant: Assistant, text: str | None, feeds: bool = False, progress: Progress | None = None
) -> tuple[list[list[str]], str]:
    """Fetch the web addresses typed in the Library tab (one per line): pages, or
    (``feeds``) RSS, Atom or sitemap URLs whose entries are added. A result row per
    article and per failure, named by its URL, and a one-line summary. Only http(s)
    addresses are taken: a path typed here never reads a file on the server."""
    words = (text or "").split()
    if not words:
        return [], "Type one or more web addresses (http:// or https://) first."
    web = [w for w in words if w.lower().startswith(("http://", "https://"))]
    rows = [
        [w, "rejected", "", "not a web address; give an http:// or https:// URL"]
        for w in words
        if w not in web
    ]
    rows += [[w, "rejected", "", f"more than {MAX_URLS} addresses at once"] for w in web[MAX_URLS:]]
    urls = web[:MAX_URLS]
    if progress and urls:
        progress(0.0, f"Fetching {len(urls)} address(es)")
    try:
        report = (
            assistant.add([] if feeds else urls, feeds=urls if feeds else (), progress=True) if urls else None
        )
    except QAError as exc:
        report, rows = None, rows + [[u, "rejected", "", str(exc)] for u in urls]
    for result in ("added", "replaced", "unchanged", "duplicates") if report else ():
        for e in getattr(report, result):
            details = f"same text as article {e.get('duplicate_of')}" if result == "duplicates" else e["id"]
            rows.append([e.get("path", ""), result.rstrip("s"), e.get("title", ""), details])
    rows += [[p.path, "rejected", "", p.reason] for p in (report.rejected if report else ())]
    return rows, results_summary(rows)


def results_html(rows: Sequence[Sequence[str]]) -> str:
    """The upload results as an escaped HTML table (whole words, never cut mid-word)."""
    if not rows:
        return ""
    cols = "".join(f"<col style='width: {w}'>" if w else "<col>" for w in RESULT_WIDTHS)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in RESULT_HEADERS)
    cells = ["".join(f"<td>{html.escape(str(x))}</td>" for x in r) for r in rows]
    body = "".join(
        f"<tr class='qa-result-{html.escape(str(r[1]))}'>{c}</tr>" for r, c in zip(rows, cells, strict=True)
    )
    return (
        f"<table class='qa-results'><colgroup>{cols}</colgroup>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def results_summary(rows: Sequence[Sequence[str]]) -> str:
    """E.g. ``"2 added, 1 rejected"`` from result rows."""
    order = ("added", "replaced", "unchanged", "duplicate", "rejected")
    counts = {k: sum(1 for r in rows if r[1] == k) for k in order}
    text = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    return text or "Nothing was added."


def article_rows(articles: Sequence[StoredArticle]) -> list[list[Any]]:
    """The library table: title, date, source, chunks (shown as plain text)."""
    return [[a.title, a.date or "", a.source or "", a.chunks] for a in articles]


def article_for_row(articles: Sequence[StoredArticle], row: Sequence[Any] | None) -> str | None:
    """The id of the article a clicked table row shows (the first, if two look alike)."""
    if not row:
        return None
    shown = [str(x) for x in row[:3]]
    for a, cells in zip(articles, article_rows(articles), strict=True):
        if [str(x) for x in cells[:3]] == shown:
            return a.id
    return None


def article_choices(articles: Sequence[StoredArticle]) -> list[tuple[str, str]]:
    """``(label, id)`` pairs for the remove menu."""
    return [(f"{a.title} ({a.date or 'no date'}) · {a.id}", a.id) for a in articles]


def source_choices(articles: Sequence[StoredArticle]) -> list[str]:
    """The distinct sources in the library, for the source filter."""
    return sorted({a.source for a in articles if a.source}, key=str.lower)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def stats_html(stats: IndexStats) -> str:
    """Articles, chunks, model and size on disk, escaped."""
    items = [
        ("articles", f"{stats.articles:,}"),
        ("chunks", f"{stats.chunks:,}"),
        ("model", f"{stats.model} ({stats.dimension} dims)"),
        ("on disk", human_size(stats.bytes_on_disk)),
    ]
    cells = "".join(
        f"<div class='qa-stat'><div class='qa-stat-v'>{html.escape(v)}</div>"
        f"<div class='qa-stat-k'>{html.escape(k)}</div></div>"
        for k, v in items
    )
    box = f"<div class='qa-stats' title='{html.escape(stats.index)}'>{cells}</div>"
    return box + groups_html(stats.copy_groups)


def groups_html(groups: Sequence[dict[str, Any]], limit: int = 20) -> str:
    """The groups of syndicated copies (the same story from several outlets), escaped:
    the copy answers cite first, then the others; empty when there are none."""
    if not groups:
        return ""
    items = []
    for g in groups[:limit]:
        outlets = ", ".join(
            html.escape(" ".join(x for x in (m.get("source") or "no source", m.get("date") or "") if x))
            for m in g["members"]
        )
        items.append(f"<li><b>{html.escape(g['title'])}</b>: {outlets}</li>")
    more = f"<li>and {len(groups) - limit} more</li>" if len(groups) > limit else ""
    return (
        f"<details class='qa-groups'><summary>{len(groups)} {'story' if len(groups) == 1 else 'stories'} "
        "run by several outlets "
        f"(answers cite the first copy)</summary><ul>{''.join(items)}{more}</ul></details>"
    )


def remove_article(assistant: Assistant, article_id: str | None) -> tuple[bool, str]:
    """Remove one article (and its kept upload, when no other article comes from
    it): whether it was removed, and a message saying so or why not."""
    if not article_id:
        return False, "Pick an article to remove first."
    known = {a.id: a for a in assistant.articles()}
    if article_id not in known:
        return False, f"No article with id {article_id} (it may have been removed already)."
    try:
        assistant.remove(article_id)
    except QAError as exc:
        return False, str(exc)
    origin = known[article_id].origin
    if origin and not any(a.origin == origin for a in assistant.articles()):
        _forget(assistant, Path(origin))
    return True, f"Removed “{known[article_id].title}”."


def _forget(assistant: Assistant, path: Path) -> None:
    """Delete a kept upload; only ever a file inside the uploads folder."""
    folder = uploads_dir(assistant).resolve()
    try:
        if path.resolve().parent == folder:
            path.unlink(missing_ok=True)
    except OSError:  # pragma: no cover - a kept copy that cannot be deleted is harmless
        pass
