"""Measurements for ``qa bench``: ingest throughput against the model's raw
encode rate, and serving one index in a fresh process (cold start, latency,
memory, recall@10 of the vector index against exact search).

The serving side runs as ``python -m eval.benchmeasure --index DIR --questions
FILE`` so that each index is measured in a process of its own: its peak RSS is
that of serving this index alone. It prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from eval import metrics
from eval.benchrecall import RECALL_K, exact_top_k, forced_ivf_recall, recall_at_k, stored_batches
from index.errors import QAError
from index.storage import queries
from index.storage.vectors import probe_lists


def percentiles(ms: Sequence[float]) -> dict[str, float]:
    """p50 and p95 of a list of milliseconds, rounded (the evaluation's own percentile)."""
    return {"p50": round(metrics.percentile(ms, 50), 3), "p95": round(metrics.percentile(ms, 95), 3)}


def stored_texts(index_dir: Path) -> list[str]:
    """The indexed text (title line + chunk) of every stored chunk, in id order,
    read from the SQLite records: exactly what the model was given."""
    with queries.reading(index_dir) as conn:
        return queries.indexed_texts(conn)


# -- ingest --------------------------------------------------------------------


def measure_ingest(
    name: str,
    paths: Sequence[Path],
    index_dir: Path,
    embedder: Any,
    fp32: Any | None,
    precision_chunks: int = 1000,
    progress: bool = False,
) -> dict[str, Any]:
    """Time ``ingest()`` into a fresh index, then ``embedder.encode`` of exactly the
    stored chunk texts (the raw bound), and the selected precision against fp32 on
    the first ``precision_chunks`` texts (``fp32``: an fp32 embedder, or None to skip)."""
    from qa import Assistant

    shutil.rmtree(index_dir, ignore_errors=True)
    embedder.encode(["warm up"] * 8)  # both sides timed with a warm model (cold start is measured apart)
    with Assistant.open(index_dir, embedder=embedder) as assistant:
        started = time.perf_counter()
        report = assistant.add(paths, progress=progress)
        seconds = time.perf_counter() - started
    texts = stored_texts(index_dir)
    tokens = sum(sum(embedder.count_tokens(texts[i : i + 1000])) for i in range(0, len(texts), 1000))
    started = time.perf_counter()
    embedder.encode(texts, progress=progress)
    encode_seconds = time.perf_counter() - started
    articles = len(report.added) + len(report.replaced)
    return {
        "corpus": name,
        "articles": articles,
        "chunks": len(texts),
        "tokens": tokens,
        "rejected": len(report.rejected),
        "seconds": round(seconds, 3),
        "articles_per_s": round(articles / seconds, 2),
        "chunks_per_s": round(len(texts) / seconds, 2),
        "tokens_per_s": round(tokens / seconds, 1),
        "encode_seconds": round(encode_seconds, 3),
        "encode_chunks_per_s": round(len(texts) / encode_seconds, 2),
        "encode_tokens_per_s": round(tokens / encode_seconds, 1),
        "overhead_pct": round(100.0 * (seconds - encode_seconds) / encode_seconds, 1),
        "precision": precision_speedup(texts[:precision_chunks], embedder, fp32),
    }


def precision_speedup(texts: Sequence[str], embedder: Any, fp32: Any | None) -> dict[str, Any] | None:
    """Passages per second of an fp32 embedder and of ``embedder`` on the same texts
    (each warmed up first); None when there is nothing to compare (no precision)."""
    selected = getattr(embedder, "precision", "n/a")
    if fp32 is None or selected == "n/a" or not texts:
        return None
    rates = {}
    for label, model in (("fp32", fp32), (selected, embedder)):
        if label in rates:
            continue
        model.encode(list(texts[:16]))
        started = time.perf_counter()
        model.encode(list(texts))
        rates[label] = len(texts) / (time.perf_counter() - started)
    return {
        "passages": len(texts),
        "selected": selected,
        "fp32_per_s": round(rates["fp32"], 2),
        "selected_per_s": round(rates[selected], 2),
        "speedup": round(rates[selected] / rates["fp32"], 3),
    }


# -- a one-off question from the command line --------------------------------------


def cold_ask(
    index_dir: Path, questions: Sequence[str], precision: str | None = None, runs: int = 5
) -> dict[str, Any]:
    """Wall time of ``qa ask QUESTION --index DIR`` as a new process, once per question
    (``runs`` of them): imports, opening the index, loading the model, the answer, the
    exit. The index's files are in the page cache (they were just served): these are
    warm-cache figures, which is what a user's second and later commands see."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    if precision:
        env["QA_PRECISION"] = precision
    times = []
    for question in list(questions)[:runs]:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "ui.cli", "ask", question, "--index", str(index_dir)],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise QAError(f"qa ask on {index_dir} failed: {' '.join(done.stderr.split())[-600:]}")
    times.sort()
    return {
        "runs": len(times),
        "p50_s": round(times[len(times) // 2], 3),
        "min_s": round(times[0], 3),
        "max_s": round(times[-1], 3),
        "page_cache": "warm",
    }


def precision_choice(embedder: Any) -> dict[str, Any] | None:
    """What ``auto`` picked and why, with the figures it picked from (None unless auto)."""
    profile = getattr(embedder, "profile", None)
    if profile is None:
        return None
    return {
        "query": asdict(profile.choose("query")),
        "bulk": asdict(profile.choose("bulk")),
        "measured": [asdict(m) for m in profile.measured],
        "machine": profile.machine,
    }


# -- serving (in a fresh process) ------------------------------------------------


def serve_in_subprocess(
    index_dir: Path,
    questions_file: Path,
    model: str | None,
    precision: str | None,
    ivf_recall: bool = False,
    timeout: float | None = None,
    store: str | None = None,
    source: Path | None = None,
) -> dict[str, Any]:
    """Run :func:`measure_serving` on ``index_dir`` in a new Python process (spawned,
    not forked: its memory and start-up are its own)."""
    import multiprocessing

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    questions = json.loads(questions_file.read_text(encoding="utf-8"))
    args = (index_dir, questions, model, precision, ivf_recall, store, source)
    with multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        try:
            return pool.apply_async(measure_serving, args).get(timeout)
        except multiprocessing.TimeoutError as exc:
            raise QAError(f"measuring {index_dir} took over {timeout} s; try fewer --queries") from exc
        except Exception as exc:
            raise QAError(
                f"measuring {index_dir} failed in its own process ({exc}); "
                f"run: python -m eval.benchmeasure --index {index_dir} --questions {questions_file}"
            ) from exc


def _status(field: str) -> int | None:
    """A ``kB`` field of ``/proc/self/status`` in bytes (None off Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def rss_now() -> int:
    """Resident set size of this process now, in bytes (Linux; else the peak so far)."""
    return _status("VmRSS") or rss_peak()


def rss_peak() -> int:
    """Peak resident set size of this process, in bytes: ``VmHWM`` where Linux has it
    (it can be reset, see :func:`reset_rss_peak`), else ``getrusage``'s ``ru_maxrss``.
    (``ru_maxrss`` of a process started by a big parent begins at the parent's size.)"""
    hwm = _status("VmHWM")
    if hwm:
        return hwm
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def reset_rss_peak() -> bool:
    """Start measuring the peak afresh from the current RSS (Linux >= 4.0); False where not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure_serving(
    index_dir: Path,
    questions: Sequence[str],
    model: str | None,
    precision: str | None,
    ivf_recall: bool,
    store: str | None = None,
    source: Path | None = None,
) -> dict[str, Any]:
    """Start-up, latency and memory of serving ``index_dir``, then recall@10. Start-up is
    this fresh process's, on a warm page cache (the index was just built or served): not
    a first start after a reboot, which also reads the index from disk.

    ``store``: another engine's copy of the local index ``source`` (see
    :mod:`eval.benchengine`); its vector search is exact, so no recall@10 is measured,
    and its sizes are its folder's. Every run also keeps each question's top 10 passages
    (``top10``: article id and start offset) for comparing engines."""
    from index.config import Config
    from index.embed import load_embedder
    from qa import Assistant
    from qa.retrieve import retrieve
    from qa.sentences import sentences

    started = time.perf_counter()
    embedder = load_embedder(model, precision)
    load_model = time.perf_counter() - started
    model_rss, load_peak = rss_now(), rss_peak()
    reset_rss_peak()  # the peak while serving, without the model's loading
    started = time.perf_counter()
    assistant = Assistant.open(index_dir, embedder=embedder, config=Config(store=store))
    open_index = time.perf_counter() - started
    started = time.perf_counter()
    assistant.ask(questions[0])
    first_answer = time.perf_counter() - started
    ask_ms, embed_ms, retrieve_ms, qvecs = [], [], [], []
    snap = assistant.snapshot()
    for q in questions:
        started = time.perf_counter()
        qvecs.append(embedder.encode([q])[0])
        embed_ms.append((time.perf_counter() - started) * 1000)
    # retrieve, then ask, each over the questions from an empty passage-sentence cache, so
    # that neither is timed on passages the other has just analysed (within a loop, a
    # passage an earlier question brought is cached, as it is while serving)
    sentences.cache_clear()
    for q, v in zip(questions, qvecs, strict=True):
        started = time.perf_counter()
        retrieve(snap, q, v, k=5, mode="hybrid")
        retrieve_ms.append((time.perf_counter() - started) * 1000)
    sentences.cache_clear()
    for q in questions:
        started = time.perf_counter()
        assistant.ask(q)
        ask_ms.append((time.perf_counter() - started) * 1000)
    peak_rss = rss_peak()  # before the recall measurement, which reads every vector
    process_peak = max(load_peak, peak_rss)
    top10 = [
        [(p.article_id, p.start) for p in retrieve(snap, q, v, k=RECALL_K, mode="hybrid")]
        for q, v in zip(questions, qvecs, strict=True)
    ]
    q = np.asarray(qvecs, dtype=np.float32)
    n = len(snap)
    if store is None:
        found = [snap.dense(v).top(RECALL_K) for v in q]
        vector_kind, nlist = snap.view.vectors.kind, snap.view.vectors.nlist
    else:
        vector_kind, nlist = "exact (FLAT)", None
    assistant.close()
    recall = None
    if store is None:
        recall = recall_at_k(found, exact_top_k(stored_batches(index_dir, q.shape[1]), q, RECALL_K), RECALL_K)
    result = {
        "chunks": n,
        "dim": int(q.shape[1]),
        "store": store or "local",
        "vector_index": vector_kind,
        "nlist": nlist,  # what the served index really has (its lists may predate the last adds)
        "nprobe": None if nlist is None else probe_lists(nlist),
        "precision": getattr(embedder, "precision", "n/a"),
        "queries": len(questions),
        "ask_ms": percentiles(ask_ms),
        "retrieve_ms": percentiles(retrieve_ms),
        "timing_order": "embed, retrieve, ask: each loop from an empty sentence cache",
        "embed_ms_p50": percentiles(embed_ms)["p50"],
        "recall_at_10": recall,
        "top10": top10,
        "cold_start_s": {
            "open_index": round(open_index, 3),
            "load_model": round(load_model, 3),
            "first_answer": round(first_answer, 3),
        },
        "start_page_cache": "warm",  # a fresh process, but the index was just written or served
        "memory": {
            "model_rss_bytes": model_rss,
            "peak_rss_bytes": peak_rss,
            "process_peak_rss_bytes": process_peak,
            **_sizes(index_dir, n, q.shape[1], source or index_dir),
        },
    }
    result["memory"]["index_rss_bytes"] = peak_rss - model_rss
    data = result["memory"]["vector_bytes"] + result["memory"]["text_bytes"]
    result["memory"]["rss_ratio"] = round(peak_rss / data, 3) if data else None
    result["memory"]["index_rss_ratio"] = round((peak_rss - model_rss) / data, 3) if data else None
    if ivf_recall:
        result["ivf_forced"] = forced_ivf_recall(index_dir, q)
    return result


def _sizes(index_dir: Path, n: int, dim: int, records_dir: Path) -> dict[str, int]:
    with queries.reading(records_dir) as conn:
        text_bytes = queries.chunk_text_bytes(conn)
    disk = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file())
    return {
        "disk_bytes": disk,
        "disk_bytes_per_chunk": round(disk / n) if n else 0,
        "vector_bytes": n * dim * 4,
        "text_bytes": text_bytes,
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m eval.benchmeasure",
        description="Serve one index in this process and print its measurements as one JSON line "
        "(run by 'qa bench' for each index).",
    )
    p.add_argument("--index", required=True, type=Path, metavar="DIR")
    p.add_argument("--questions", required=True, type=Path, metavar="FILE", help="a JSON list of questions")
    p.add_argument("--model", metavar="PATH")
    p.add_argument("--precision", choices=("auto", "fp32", "bf16", "int8"))
    p.add_argument("--ivf-recall", action="store_true", help="also recall@10 of a forced IVF copy")
    p.add_argument("--store", metavar="STORE", help="the engine holding --index (default: local)")
    p.add_argument("--source", type=Path, metavar="DIR", help="with --store: the local index it copies")
    args = p.parse_args(argv)
    questions = json.loads(args.questions.read_text(encoding="utf-8"))
    try:
        result = measure_serving(
            args.index, questions, args.model, args.precision, args.ivf_recall, args.store, args.source
        )
    except QAError as exc:
        print(f"bench: error: {' '.join(str(exc).splitlines())}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
