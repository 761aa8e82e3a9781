"""The report of ``qa bench``: the readable tables of a :func:`eval.bench.run` result
(ingest, query, memory and size, update, engines, then one line each for cold ``qa ask``,
precision auto and forced IVF). Pure: a result dict in, text out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _mb(n: float | None) -> str:
    return "-" if n is None else f"{n / 1e6:,.0f}"


def format_report(result: dict[str, Any]) -> str:
    """The readable table of a :func:`eval.bench.run` result."""
    cfg = result["config"]
    lines = [
        f"qa bench: model {cfg['model']}, precision {cfg['precision']}, {result['machine']['cpus']} CPUs"
    ]
    if result["ingest"]:
        lines += ["", "Ingest (fresh index, whole ingest() path) vs raw encode of the same chunk texts"]
        head = ("corpus", "articles", "chunks", "tokens", "ingest s", "articles/s", "chunks/s", "tokens/s",
                "encode s", "encode chunks/s", "encode tokens/s", "overhead")  # fmt: skip
        rows = [
            (r["corpus"], r["articles"], r["chunks"], r["tokens"], r["seconds"], r["articles_per_s"],
             r["chunks_per_s"], f"{r['tokens_per_s']:,.0f}", r["encode_seconds"], r["encode_chunks_per_s"],
             f"{r['encode_tokens_per_s']:,.0f}", f"{r['overhead_pct']:+.0f}%")
            for r in result["ingest"]
        ]  # fmt: skip
        lines += _table(head, rows)
        for r in result["ingest"]:
            p = r["precision"]
            if p:
                lines.append(
                    f"precision on the first {p['passages']} chunks of {r['corpus']}: fp32 "
                    f"{p['fp32_per_s']:.1f} passages/s, {p['selected']} {p['selected_per_s']:.1f} "
                    f"passages/s: x{p['speedup']:.2f}"
                )
    if result["query"]:
        lines += ["", f"Query: {cfg['queries']} {cfg['question_set']} questions, k=5 hybrid, ms p50/p95 "
                  "(retrieve timed before ask, each loop from an empty sentence cache)"]  # fmt: skip
        head = ("chunks", "label", "vector index", "ask ms", "retrieve ms", "embed ms", "recall@10")
        rows = [
            (f"{r['chunks']:,}", _label(r), _kind(r),
             f"{r['ask_ms']['p50']:.1f}/{r['ask_ms']['p95']:.1f}",
             f"{r['retrieve_ms']['p50']:.2f}/{r['retrieve_ms']['p95']:.2f}", f"{r['embed_ms_p50']:.1f}",
             f"{r['recall_at_10']:.3f}")
            for r in result["query"]
        ]  # fmt: skip
        lines += _table(head, rows)
        for r in result["query"]:
            if r["label"] == "synthetic" and r.get("bases"):
                lines.append(
                    f"synthetic {r['chunks']:,}: {r['chunks'] / r['bases']:.1f} noisy copies of each of "
                    f"{r['bases']:,} real vectors on average; it shows latency, memory, disk and "
                    "update cost at this size, not answer quality, and its recall@10 is flattered "
                    "(a question's neighbours are near-copies of one vector, which IVF finds together)"
                )
        lines += ["", "Memory serving (MB), size on disk, start in a fresh process (warm page cache; s)"]
        head = ("chunks", "label", "model", "peak", "index", "peak/data", "disk", "bytes/chunk",
                "open index", "load model", "1st answer")  # fmt: skip
        rows = []
        for r in result["query"]:
            m, c = r["memory"], r["cold_start_s"]
            rows.append(
                (f"{r['chunks']:,}", _label(r), _mb(m["model_rss_bytes"]), _mb(m["peak_rss_bytes"]),
                 _mb(m["index_rss_bytes"]), "-" if m["rss_ratio"] is None else f"{m['rss_ratio']:.2f}",
                 _mb(m["disk_bytes"]), f"{m['disk_bytes_per_chunk']:,}", f"{c['open_index']:.2f}",
                 f"{c['load_model']:.2f}", f"{c['first_answer']:.2f}")
            )  # fmt: skip
        lines += _table(head, rows)
    updates = [r for r in result["query"] if r.get("update")]
    if updates:
        lines += ["", "Update (s, median of 3; embedding aside): SQLite commit, then FAISS + BM25 in step"]
        head = ("chunks", "added", "commit", "FAISS+BM25", "remove", "BM25 segments")
        rows = [
            (f"{r['chunks']:,}", f"{u['chunks']:,}", f"{u['commit_s']:.2f}", f"{u['derive_s']:.2f}",
             f"{u['remove_s']:.2f}", u["bm25_segments"])
            for r in updates
            for u in [r["update"]]
        ]  # fmt: skip
        lines += _table(head, rows)
    engines = result.get("engines") or []
    if engines:
        lines += ["", "Engines on the same chunks: write = apply in batches + derive, vectors given (model "
                  "aside); ask/retrieve ms p50/p95 as above; agree@10 = share of the local engine's hybrid "
                  "top 10 also in the engine's"]  # fmt: skip
        head = ("chunks", "label", "engine", "write chunks/s", "ask ms", "retrieve ms", "agree@10",
                "peak MB", "disk MB", "open s")  # fmt: skip
        rows = []
        local = {r["label"] + str(r["chunks"]): r for r in result["query"]}
        for e in engines:
            mine = local.get(e["label"] + str(e["chunks"]))
            if mine:
                rows.append(_engine_row(e["label"], "local", e["write_local"], mine, None))
            rows.append(_engine_row(e["label"], e["engine"], e["write"], e, e["agreement_at_10"]))
        lines += _table(head, rows)
    cold = result.get("cold_ask")
    if cold:
        lines.append(
            f"qa ask as a new process (imports, open, model, answer; {cold['page_cache']} page cache): "
            f"p50 {cold['p50_s']:.2f} s, {cold['min_s']:.2f}-{cold['max_s']:.2f} s "
            f"over {cold['runs']} questions"
        )
    choice = result.get("precision_choice")
    if choice:
        lines.append(f"precision auto on {choice['machine']}:")
        lines.append(f"  questions: {choice['query']['precision']} ({choice['query']['reason']})")
        lines.append(f"  large ingests: {choice['bulk']['precision']} ({choice['bulk']['reason']})")
    ivf = result.get("ivf_real")
    if ivf:
        lines.append(
            f"IVF forced on the real {ivf['corpus']} vectors ({ivf['chunks']:,}, nprobe {ivf['nprobe']} of "
            f"{ivf['nlist']} lists): recall@10 {ivf['recall_at_10']:.3f}"
        )
    return "\n".join(lines)


def _engine_row(
    label: str, engine: str, write: dict[str, Any], served: dict[str, Any], agree: float | None
) -> tuple[Any, ...]:
    m = served["memory"]
    return (
        f"{served['chunks']:,}", label, engine, f"{write['chunks_per_s']:,.0f}",
        f"{served['ask_ms']['p50']:.1f}/{served['ask_ms']['p95']:.1f}",
        f"{served['retrieve_ms']['p50']:.1f}/{served['retrieve_ms']['p95']:.1f}",
        "-" if agree is None else f"{agree:.3f}", _mb(m["peak_rss_bytes"]), _mb(m["disk_bytes"]),
        f"{served['cold_start_s']['open_index']:.2f}",
    )  # fmt: skip


def _kind(row: dict[str, Any]) -> str:
    return row["vector_index"] + (f" nprobe {row['nprobe']}/{row['nlist']}" if row["nlist"] else "")


def _label(row: dict[str, Any]) -> str:
    return row["label"] + (" (cached)" if row["cached"] else "")


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    cells = [[str(x) for x in head]] + [[str(x) for x in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    return [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]
