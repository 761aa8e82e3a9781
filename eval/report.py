"""report.md with one table per configuration, failures first, and PNG plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

KEYS = (
    "questions",
    "hit@1",
    "hit@5",
    "hit@10",
    "mrr@10",
    "ndcg@10",
    "answer_contains",
    "lead_contains",
    "citation_precision",
    "abstain_rate",
    "abstain_correct",
    "tentative_rate",
    "unanswerable_not_confident",
    "answer_sentences",
    "latency_ms_p50",
    "latency_ms_p95",
    "index_seconds",
)
MAX_FAILURES = 25


def write_report(out: Path, blocks: list[dict[str, Any]], rows: list[dict[str, Any]]) -> Path:
    """Write ``report.md`` (and its plots) into ``out``; returns the report path."""
    plots = _plots(out, blocks, rows)
    lines = ["# Evaluation report", ""]
    first = blocks[0]["config"]
    lines += [
        f"Questions: `{first['questions_file']}` ({first['format']}), articles: "
        + ", ".join(f"`{a}`" for a in first["articles"]),
        f"Model `{first['model']}`, chunks of {first['chunk_size']} tokens "
        f"(overlap {first['chunk_overlap']}), k = {first['k']}.",
        "",
        "| metric | " + " | ".join(b["config"]["mode"] for b in blocks) + " |",
        "|---|" + "---:|" * len(blocks),
    ]
    for key in KEYS:
        lines.append(f"| {key} | " + " | ".join(_fmt(b.get(key)) for b in blocks) + " |")
    lines.append("")
    lines += [f"![{name}]({name})" for name in plots]
    for block in blocks:
        rel = block.get("confidence")
        if rel:
            mode = block["config"]["mode"]
            lines += [
                "",
                f"## {mode}: is the confidence calibrated? (ECE {rel['ece']:.3f})",
                "",
                "| confidence | questions | mean confidence | share right |",
                "|---|---:|---:|---:|",
            ]
            lines += [
                f"| {b['low']:.1f}-{b['high']:.1f} | {b['count']} | {b['predicted']:.3f} "
                f"| {b['observed']:.3f} |"
                for b in rel["bins"]
            ]
    for block in blocks:
        mode = block["config"]["mode"]
        failures = [r for r in rows if r["config"] == mode and r["failed"]]
        lines += [
            "",
            f"## {mode}: failures ({len(failures)} of {block['questions']}; first {MAX_FAILURES})",
            "",
        ]
        for r in failures[:MAX_FAILURES]:
            gold = ", ".join(r["gold"]["answers"]) or ("(unanswerable)" if r["unanswerable"] else "-")
            lines += [
                f"- **{_md(r['question'])}** (id `{r['id']}`, first hit rank {r['first_hit_rank']})",
                f"  - gold: {_md(gold)}",
                f"  - answer: {_md(r['answer'])}",
            ]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:.1f}"
    return str(value)


def _md(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _plots(out: Path, blocks: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    if any(b["hit_curve"] for b in blocks):
        fig, ax = plt.subplots(figsize=(6, 4))
        for b in blocks:
            if b["hit_curve"]:
                ks = range(1, len(b["hit_curve"]) + 1)
                ax.plot(ks, b["hit_curve"], marker="o", markersize=3, label=b["config"]["mode"])
        ax.set(xlabel="k", ylabel="passage hit@k", title="Hit@k", ylim=(0, 1.02))
        ax.set_xticks([1, 5, 10, 15, 20])
        names.append(_save(fig, ax, out / "hit_at_k.png"))
    if any(b.get("confidence") for b in blocks):
        fig, ax = plt.subplots(figsize=(5, 5))
        ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="calibrated")
        for b in blocks:
            rel = b.get("confidence")
            if rel:
                ax.plot([x["predicted"] for x in rel["bins"]], [x["observed"] for x in rel["bins"]],
                        marker="o", label=b["config"]["mode"])  # fmt: skip
        ax.set(
            xlabel="confidence",
            ylabel="share of answers right",
            title="Reliability",
            xlim=(0, 1),
            ylim=(0, 1),
        )
        names.append(_save(fig, ax, out / "reliability.png"))
    fig, ax = plt.subplots(figsize=(6, 4))
    for b in blocks:
        lat = [r["latency_ms"] for r in rows if r["config"] == b["config"]["mode"]]
        ax.hist(lat, bins=40, alpha=0.5, label=b["config"]["mode"])
    ax.set(xlabel="Assistant.ask latency (ms)", ylabel="questions", title="Latency")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)
    names.append("latency.png")
    return names


def _save(fig: Any, ax: Any, path: Path) -> str:
    """Grid, legend, write ``path``; its name, for the report."""
    import matplotlib.pyplot as plt

    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name
