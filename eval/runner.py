"""``qa eval``: index the articles, ask every question through ``Assistant.ask``
exactly as a user does (the default number of passages), score the answers, and
write summary.json, results.jsonl and report.md.

Retrieval metrics need a longer ranked list than an answer shows (hit@k up to 20):
that list comes from ``Assistant.search`` with the question as the answer searched
it (follow-ups rewritten), which ranks the same way (its first five are the
answer's passages), so the answer itself is what users get."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from eval import metrics
from eval.formats import Question, load
from eval.gold import Judged, Resolver
from index.errors import InputError
from index.sources.readers import find_files
from qa import MODES, Answer, Assistant, Config, Passage

log = logging.getLogger(__name__)

CURVE_K = 20
_MARKER = re.compile(r"\s*\[\d+\]")


def run(
    articles: str | Path | None,
    questions: str | Path,
    out: str | Path,
    fmt: str = "auto",
    index: str | Path | None = None,
    k: int = 10,
    compare: Sequence[str] = ("hybrid",),
    model: str | None = None,
    limit: int | None = None,
    progress: bool | None = None,
    calibration: str | Path | None = None,
    config: Config | None = None,
    leave_out: int | None = None,
) -> dict[str, Any]:
    """Evaluate and write the three outputs into ``out``; returns the summary.
    ``calibration``: a calibration file to answer with instead of the model's own;
    ``leave_out``: index all article files but every ``leave_out``-th (sorted by path), and
    count the questions about a left-out article as unanswerable (do answers decline what
    the index does not hold?)."""
    modes = [m.strip() for m in compare if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise InputError(f"--compare takes a comma-separated list of {', '.join(MODES)}; got {bad or modes}")
    if k < 1:
        raise InputError(f"k of {k} must be at least 1")
    progress = sys.stderr.isatty() if progress is None else progress
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    qset = load(questions, articles, fmt, work=out_dir / "work")
    qs = list(qset.questions[:limit] if limit else qset.questions)
    if not qs:
        raise InputError(f"{questions}: no questions found")
    index_dir = Path(index) if index else out_dir / "index"
    with Assistant.open(index_dir, model=model, config=config) as assistant:
        if calibration is not None:
            assistant.use_calibration(Path(calibration))
        kept, left = _kept_files(qset.articles, leave_out)
        started = time.perf_counter()
        report = assistant.add(kept, progress=progress)
        index_seconds = time.perf_counter() - started
        for problem in report.rejected[:20]:
            log.warning("skipped %s", problem)
        resolver = Resolver(assistant)
        held = [f for f in left if resolver.article_id(f.name) is not None]
        if held:
            raise InputError(
                f"the index {index_dir} already holds {held[0].name}, which --leave-out leaves out; "
                "give a new --index"
            )
        judged = [resolver.judge(q) for q in qs]
        # a question whose every gold article was left out: the index does not answer it
        gone = [
            bool(left) and bool(q.gold) and not j.grades and not q.unanswerable
            for q, j in zip(qs, judged, strict=True)
        ]
        qs = [replace(q, unanswerable=True) if g else q for q, g in zip(qs, gone, strict=True)]
        depth = min(max(k, CURVE_K), assistant.counts().chunks)
        blocks, rows = [], []
        for mode in modes:
            results = _ask_all(assistant, qs, judged, mode, depth, k, progress)
            rows.extend(results)
            blocks.append(
                summarize(results, k)
                | {
                    "index_seconds": round(index_seconds, 2),
                    "index": {
                        "articles_added": len(report.added) + len(report.replaced),
                        "chunks_embedded": report.chunks_embedded,
                        "rejected": len(report.rejected),
                    },
                    "unresolved_gold": sum(j.unresolved for j, g in zip(judged, gone, strict=True) if not g),
                    "left_out": _left_out(results, qs, gone, len(left)) if left else None,
                    "config": {
                        "mode": mode,
                        "k": k,
                        "format": qset.format,
                        "questions_file": str(questions),
                        "articles": [str(a) for a in qset.articles],
                        **_settings(assistant),
                    },
                }
            )
    summary = blocks[0] | {"configurations": blocks}
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    with (out_dir / "results.jsonl").open("w", encoding="utf-8") as fh:
        for row in sorted(rows, key=lambda r: (r["config"], not r["failed"])):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    from eval.report import write_report

    write_report(out_dir, blocks, rows)
    return summary


def _left_out(
    results: Sequence[dict[str, Any]], qs: Sequence[Question], gone: Sequence[bool], articles: int
) -> dict[str, Any]:
    """How ``--leave-out`` went: of the questions whose article was left out, the share
    declined and declined or tentative; of the answerable ones whose article stayed, the
    share declined (questions unanswerable to begin with are in neither)."""
    removed = [r["status"] for r, g in zip(results, gone, strict=True) if g]
    kept = [r["status"] for r, q, g in zip(results, qs, gone, strict=True) if not g and not q.unanswerable]

    def share(statuses: list[str], *among: str) -> float | None:
        return round(sum(s in among for s in statuses) / len(statuses), 4) if statuses else None

    return {
        "articles": articles,
        "questions": len(removed),
        "declined": share(removed, "declined"),
        "declined_or_tentative": share(removed, "declined", "tentative"),
        "kept_answerable": len(kept),
        "kept_declined": share(kept, "declined"),
    }


def _kept_files(articles: Sequence[Path], leave_out: int | None) -> tuple[list[Any], list[Path]]:
    """What to index, and which article files were left out (every ``leave_out``-th)."""
    if leave_out is None:
        return list(articles), []
    if isinstance(leave_out, bool) or leave_out < 2:
        raise InputError(f"--leave-out of {leave_out} must be 2 or more (2: every other article file)")
    files, _ = find_files(articles)
    if len(files) < 2:
        names = ", ".join(str(a) for a in articles)
        raise InputError(f"--leave-out needs the articles as a folder of two or more files; {names} is not")
    left = files[leave_out - 1 :: leave_out]
    return [f for f in files if f not in left], left


def _settings(assistant: Assistant) -> dict[str, Any]:
    s = assistant.settings
    return {
        "model": s.model_name,
        "precision": getattr(assistant.embedder, "precision", None),
        "calibration": assistant.calibration.source,
        "chunk_size": s.chunk.size,
        "chunk_overlap": s.chunk.overlap,
    }


def _ask_all(
    assistant: Assistant,
    qs: list[Question],
    judged: list[Judged],
    mode: str,
    depth: int,
    k: int,
    progress: bool,
) -> list[dict[str, Any]]:
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(qs), desc=f"asking ({mode})", unit="q")
    rows = []
    for q, j in zip(qs, judged, strict=True):
        t0 = time.perf_counter()
        answer = assistant.ask(q.question, history=list(q.history), mode=mode)
        latency = (time.perf_counter() - t0) * 1000
        ranked = assistant.search(answer.query, k=depth, mode=mode) if depth > len(answer.passages) else None
        rows.append(score_question(q, j, answer, latency, mode, k, ranked))
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return rows


def score_question(
    q: Question,
    j: Judged,
    answer: Answer,
    latency_ms: float,
    mode: str,
    k: int,
    ranked: Sequence[Passage] | None = None,
) -> dict[str, Any]:
    """One results.jsonl row: what was asked, what came back, and its metrics.
    ``ranked`` is the longer list retrieval metrics are taken from (else the answer's)."""
    passages = list(ranked) if ranked is not None else list(answer.passages)
    hits = [j.passage_hit(p.article_id, p.start, p.end) for p in passages]
    rank = metrics.first_hit_rank(hits)
    has_gold = bool(j.grades)
    docs = metrics.dedupe([p.article_id for p in passages])
    text = _MARKER.sub("", answer.answer)
    cites = [
        {
            "n": c.n,
            "article_id": c.article_id,
            "sentence": c.sentence,
            "correct": j.passage_hit(c.article_id, c.passage_start, c.passage_end),
        }
        for c in answer.citations
    ]
    row: dict[str, Any] = {
        "config": mode,
        "id": q.id,
        "question": q.question,
        "query": answer.query,
        "history": list(q.history),
        "unanswerable": q.unanswerable,
        "gold": {
            "answers": list(q.answers),
            "articles": j.grades,
            "spans": {a: s for a, s in j.spans.items()},
        },
        "retrieved": [
            {
                "rank": i + 1,
                "article_id": p.article_id,
                "start": p.start,
                "end": p.end,
                "score": round(p.score, 5),
                "hit": h,
            }
            for i, (p, h) in enumerate(zip(passages, hits, strict=True))
        ],
        "first_hit_rank": rank,
        "answer": answer.answer,
        "status": answer.status,
        "confidence": round(answer.confidence, 4),
        "note": answer.note,
        "abstained": answer.abstained,
        "abstain_reason": answer.abstain_reason,
        "citations": cites,
        "latency_ms": round(latency_ms, 2),
    }
    if has_gold:
        row |= {f"hit@{n}": metrics.hit_at_k(rank, n) for n in (1, 5, 10)}
        row["mrr@10"] = metrics.reciprocal_rank(rank, 10)
        row["ndcg@10"] = metrics.ndcg_at_k(docs, j.grades, 10)
        row["curve"] = [metrics.hit_at_k(rank, n) for n in range(1, CURVE_K + 1)]
    if q.answerable and q.answers:
        row["answer_contains"] = (not answer.abstained) and metrics.answer_contains(text, q.answers)
        lead = cites[0]["sentence"] if cites and not answer.abstained else ""  # the sentence cited [1]
        row["lead_contains"] = bool(lead) and metrics.answer_contains(lead, q.answers)
    row["failed"] = _failed(row, q, k)
    return row


def _failed(row: dict[str, Any], q: Question, k: int) -> bool:
    if q.unanswerable:
        return not row["abstained"]
    if row.get("answer_contains") is False or row["abstained"]:
        return True
    return row.get("first_hit_rank") is None or row["first_hit_rank"] > min(k, 5)


def summarize(rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """The summary block of one configuration (metric definitions: README)."""
    judged = [r for r in rows if "hit@1" in r and not r["unanswerable"]]
    answerable = [r for r in rows if not r["unanswerable"]]
    unanswerable = [r for r in rows if r["unanswerable"]]
    contains = [r["answer_contains"] for r in rows if "answer_contains" in r]
    leads = [r["lead_contains"] for r in rows if "lead_contains" in r]
    cites = [c["correct"] for r in judged for c in r["citations"]]
    latencies = [r["latency_ms"] for r in rows]
    answered = [r for r in rows if not r["abstained"]]

    def avg(key: str) -> float | None:
        return round(metrics.mean([r[key] for r in judged]), 4) if judged else None

    curve = (
        [round(metrics.mean([r["curve"][i] for r in judged]), 4) for i in range(CURVE_K)] if judged else []
    )
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit@1": avg("hit@1"),
        "hit@5": avg("hit@5"),
        "hit@10": avg("hit@10"),
        "mrr@10": avg("mrr@10"),
        "ndcg@10": avg("ndcg@10"),
        "answer_contains": round(metrics.mean([float(c) for c in contains]), 4) if contains else None,
        "lead_contains": round(metrics.mean([float(c) for c in leads]), 4) if leads else None,
        "citation_precision": round(metrics.mean([float(c) for c in cites]), 4) if cites else None,
        "abstain_rate": round(metrics.mean([float(r["abstained"]) for r in answerable]), 4)
        if answerable
        else None,
        "abstain_correct": (
            round(metrics.mean([float(r["abstained"]) for r in unanswerable]), 4) if unanswerable else None
        ),
        "tentative_rate": _share([r["status"] == "tentative" for r in answerable]),
        "unanswerable_not_confident": _share([r["status"] != "answer" for r in unanswerable]),
        "answer_sentences": round(metrics.mean([float(len(r["citations"])) for r in answered]), 3)
        if answered
        else None,
        "confidence": _reliability(rows),
        "latency_ms_p50": round(metrics.percentile(latencies, 50), 2),
        "latency_ms_p95": round(metrics.percentile(latencies, 95), 2),
        "hit_curve": curve,
    }


def _share(flags: Sequence[bool]) -> float | None:
    return round(metrics.mean([float(f) for f in flags]), 4) if flags else None


def right(row: dict[str, Any]) -> bool:
    """An answer holding a gold answer (an unanswerable question is never answered right)."""
    return not row["unanswerable"] and bool(row.get("answer_contains"))


def _reliability(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """How often answers of each confidence were right, over questions with answer strings
    or none to give (the calibration's own measure: ``eval.fit.reliability``)."""
    from eval.fit import expected_calibration_error, reliability

    scored = [r for r in rows if r["unanswerable"] or "answer_contains" in r]
    if not scored:
        return None
    p = [r["confidence"] for r in scored]
    ok = [right(r) for r in scored]
    return {
        "questions": len(scored),
        "ece": round(expected_calibration_error(p, ok), 4),
        "bins": [
            {
                "low": round(b.low, 2),
                "high": round(b.high, 2),
                "count": b.count,
                "predicted": round(b.predicted, 3),
                "observed": round(b.observed, 3),
            }
            for b in reliability(p, ok)
        ],
    }
