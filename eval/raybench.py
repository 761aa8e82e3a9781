"""``python -m eval.raybench``: ingest on Ray with 1 and 2 local workers beside plain ingest.

The same SciFact abstracts (the first ``--limit`` of ``../shared/data/scifact/corpus.jsonl``,
copied into one JSONL file) go into a fresh index each time, with the precision the
``QA_*`` settings ask for (``auto``: what was measured fastest here):

* ``plain``: :meth:`qa.Assistant.add` in this process, the model on all this machine's cores;
* ``ray N``: ``Assistant.add(..., ray=True, workers=N)`` on a local Ray of N CPUs started
  beforehand (its start-up is printed apart), N embedding workers of one thread each.

Each row's seconds are the ingest's own (``IngestReport.seconds``: reading, chunking,
embedding, storing, the final FAISS/BM25 build; for Ray also starting the workers and
loading the model in each). A row per run, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.machine import cpu_name
from qa import Assistant, Config

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
DEFAULT_SCIFACT = SHARED / "scifact" / "corpus.jsonl"




def subset(corpus: Path, limit: int, work: Path) -> Path:
    """The first ``limit`` records of ``corpus`` in their own file."""
    out = work / f"scifact-first-{limit}.jsonl"
    with open(corpus, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for n, line in enumerate(src):
            if n >= limit:
                break
            dst.write(line)
    return out


def run_plain(data: Path, index: Path, config: Config, model: str | None) -> dict[str, Any]:
    with Assistant.open(index, model=model, config=config) as a:
        report = a.add(data)
    return {"method": "plain", "workers": 1, "threads": os.cpu_count() or 1, **figures(report)}


def run_ray(data: Path, index: Path, config: Config, model: str | None, workers: int) -> dict[str, Any]:
    import ray

    import index as package

    started = time.perf_counter()
    ray.init(
        num_cpus=workers,
        include_dashboard=False,
        object_store_memory=500 * 1024 * 1024,
        logging_level="WARNING",
        runtime_env={"env_vars": {"PYTHONPATH": str(Path(package.__file__).resolve().parent.parent)}},
    )
    ray_start = time.perf_counter() - started
    try:
        with Assistant.open(index, model=model, config=config) as a:
            report = a.add(data, ray=True, workers=workers)
    finally:
        ray.shutdown()
    return {
        "method": f"ray {workers}", "workers": workers, "threads": 1, "ray_start_s": round(ray_start, 1),
        **figures(report),
    }  # fmt: skip


def figures(report: Any) -> dict[str, Any]:
    seconds = report.seconds
    return {
        "articles": len(report.added),
        "chunks": report.chunks_added,
        "embedded": report.chunks_embedded,
        "seconds": round(seconds, 1),
        "articles_per_s": round(len(report.added) / seconds, 2),
        "chunks_per_s": round(report.chunks_added / seconds, 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.raybench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_SCIFACT, help="a JSONL corpus (default: the shared SciFact)"
    )
    parser.add_argument("--limit", type=int, default=1000, metavar="N", help="first N records (default 1000)")
    parser.add_argument("--workers", default="1,2", metavar="N,M", help="Ray worker counts (default 1,2)")
    parser.add_argument("--model", metavar="PATH", help="model folder or hash:DIM (default: packaged MiniLM)")
    parser.add_argument("--skip-plain", action="store_true", help="only the Ray runs")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    config = Config.from_env()
    work = Path(tempfile.mkdtemp(prefix="raybench-"))
    rows: list[dict[str, Any]] = []
    try:
        data = subset(args.corpus, args.limit, work)
        print(f"{cpu_name()}, {os.cpu_count()} cores; {args.limit} records of {args.corpus}; "
              f"precision {config.precision}")  # fmt: skip
        header = f"{'method':<8} {'threads':>7} {'seconds':>8} {'articles/s':>10} {'chunks/s':>9} "
        print(header + f"{'per worker':>10} {'vs plain':>8} {'ray start':>9} {'load':>5}")
        runs: list[tuple[str, int]] = [] if args.skip_plain else [("plain", 0)]
        runs += [("ray", int(w)) for w in args.workers.split(",") if w.strip()]
        for method, workers in runs:
            index = work / f"index-{method}-{workers}"
            load = os.getloadavg()[0]  # other work on this machine slows every row: say how much there was
            row = (
                run_plain(data, index, config, args.model)
                if method == "plain"
                else run_ray(data, index, config, args.model, workers)
            )
            plain = rows[0]["chunks_per_s"] if rows and rows[0]["method"] == "plain" else None
            row["load_before"] = round(load, 1)
            row["per_worker_chunks_per_s"] = round(row["chunks_per_s"] / row["workers"], 2)
            row["vs_plain"] = round(row["chunks_per_s"] / plain, 2) if plain else None
            rows.append(row)
            print(
                f"{row['method']:<8} {row['threads']:>7} {row['seconds']:>8.1f} "
                f"{row['articles_per_s']:>10.1f} {row['chunks_per_s']:>9.1f} "
                f"{row['per_worker_chunks_per_s']:>10.1f} "
                f"{row['vs_plain'] if row['vs_plain'] is not None else '-':>8} "
                f"{row.get('ray_start_s', '-'):>9} {row['load_before']:>5.1f}",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"cpu": cpu_name(), "cores": os.cpu_count(), "limit": args.limit, "rows": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
