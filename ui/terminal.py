"""What the ``qa`` command prints: answers and stats as plain text, and ``qa doctor``."""

from __future__ import annotations

import errno
import json
import os
import sys
from typing import Any


def doctor(model: str | None, remeasure: bool, as_json: bool, config: Any = None) -> int:
    from dataclasses import asdict

    from index.config import Config
    from index.embed import check_folder, default_model_path
    from index.embed.precision import profile

    config = config or Config()
    path = model or default_model_path()
    check_folder(path)
    found = profile(path, config.cache_dir, remeasure=remeasure)
    query, bulk = found.choose("query"), found.choose("bulk")
    wanted = config.precision
    if as_json:
        chosen = {"model_path": path, "requested": wanted, "query": asdict(query), "bulk": asdict(bulk)}
        print(json.dumps(found.to_dict() | chosen, indent=2))
        return 0
    lines = [f"machine: {found.machine}", f"model: {path}",
             f"measured {found.measured_at} (qa doctor --remeasure measures again):",
             "  precision   start-up   a question   passages/s"]  # fmt: skip
    for m in found.measured:
        if m.error:
            lines.append(f"  {m.precision:<9}   cannot run here: {m.error}")
        else:
            lines.append(
                f"  {m.precision:<9} {m.startup_s:>8.2f} s {m.query_ms:>9.1f} ms {m.passages_per_s:>12.1f}"
            )
    lines.append(f"auto: {query.precision} for questions and small additions ({query.reason})")
    if bulk.precision != query.precision:
        lines.append(f"      {bulk.precision} for large ingests ({bulk.reason}), switched to once the work "
                     "left repays its start-up")  # fmt: skip
    lines.append(f"in use: {wanted}" + (" (set by $QA_PRECISION)" if wanted != "auto" else ""))
    print("\n".join(lines))
    return 0


def format_answer(answer: Any) -> str:
    """Plain-text rendering of an Answer for the terminal: the answer, what kind of
    answer it is in plain words, its sources; a decline lists the closest passages."""
    from qa.citations import shown

    lines = []
    if answer.status == "tentative":
        lines.append(f"Not sure: {answer.note}" if answer.note else "Not sure:")
    lines.append(answer.note if answer.status == "declined" and answer.note else answer.answer)
    if answer.status == "declined":
        if answer.passages:
            lines += ["", "Closest passages:"]
            for p in answer.passages[:3]:
                lines.append(f"  {p.title}: {' '.join(p.text.split())[:160]}…")
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
    for c in answer.citations:
        meta = ", ".join(x for x in (c.date, c.source) if x)
        lines.append(f"[{c.n}] {c.title}" + (f" ({meta})" if meta else "") + (f" {c.url}" if c.url else ""))
        who = f" ({c.speaker})" if c.speaker else ""
        page = f"p. {c.page}, " if c.page is not None else ""
        text = shown(c)  # a quotation's half gets the mark it lacks
        text = text if text[:1] in "\"\u201c" else f'"{text}"'
        lines.append(f"    {text}{who}  [{page}chars {c.start}-{c.end} of {c.article_id}]")
        if c.also_in:
            lines.append("    also in: " + "; ".join(_outlet(m) for m in c.also_in))
    lines.append(f"(confidence {answer.confidence:.2f}: {_STATUS[answer.status]})")
    return "\n".join(lines)


def _outlet(m: dict[str, Any]) -> str:
    """``Source (date)`` of another copy of a cited story, or its title when it names no source."""
    meta = ", ".join(x for x in (m.get("date"), m.get("article_id")) if x)
    return f"{m.get('source') or m.get('title')} ({meta})"


_STATUS = {
    "answer": "an answer",
    "tentative": "tentative, the sentences may not answer",
    "declined": "declined",
}


def format_stats(stats: dict[str, Any]) -> str:
    lines = [f"{k}: {v}" for k, v in stats.items() if k not in ("articles_list", "copy_groups")]
    groups = stats.get("copy_groups", [])
    lines.append(f"copy groups: {len(groups)} (the same story from several outlets; answers cite the first)")
    for g in groups:
        lines.append(f"  {g['title']}")
        lines += [f"    {m['article_id']}  {m['date'] or '-'}  {m['source'] or '-'}" for m in g["members"]]
    for a in stats.get("articles_list", []):
        lines.append(
            f"  {a['id']}  {a['date'] or '-'}  {a['source'] or '-'}  {a['chunks']} chunks  {a['title']}"
        )
    return "\n".join(lines)


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # pragma: no cover - stdout already gone
        pass


def os_error_message(exc: OSError) -> str:
    """What failed, in plain words, with what to do when there is something to do."""
    where = f"{exc.filename}" if exc.filename else "a file"
    if exc.errno == errno.ENOSPC:
        return f"no space left on the disk holding {where}; free some space and run it again"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied for {where}; check its permissions, or use another folder"
    if exc.errno == errno.EROFS:
        return f"{where} is on a read-only file system; use a writable folder"
    if exc.errno == errno.ENOENT:
        return f"{where} does not exist"
    if exc.errno == errno.ENOTDIR:
        return f"a part of {where} is a file, not a folder"
    return f"{where}: {exc.strerror or exc}"
