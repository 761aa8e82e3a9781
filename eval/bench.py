"""``qa bench``: speed, memory and recall in one run.

1. **Ingest**: the shared SQuAD articles and SciFact abstracts each into a fresh
   index through ``ingest()``, then the raw bound: ``embedder.encode`` of exactly
   the stored chunk texts; and the selected precision (bf16 where the CPU has it)
   against fp32 on the first chunks.
2. **Query**: the real SciFact index (SQuAD with ``--quick``) and synthetic indexes
   of the requested sizes (see :mod:`eval.benchdata`), each served in a fresh
   process (see :mod:`eval.benchmeasure`): ``Assistant.ask`` and ``retrieve``
   latency over real questions, recall@10 of the vector index against exact
   search, and the same for a forced IVF copy of the real vectors.
3. **Memory and size**: peak RSS while serving, RSS with only the model loaded,
   index bytes on disk, and peak RSS over the bytes of the vectors and texts.
4. **Start-up** in a fresh process, on a warm page cache (the index was just written):
   opening the index, loading the model, the first answer.

``retrieve`` is timed before ``ask``, each loop from an empty sentence cache. Synthetic
indexes copy each real vector many times with noise: they show latency, memory, disk and
update cost at their size, not answer quality; their recall@10 is flattered.

It prints a table (:mod:`eval.benchreport`) and, last, one JSON line (also ``--out DIR/bench.json``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.benchdata import (
    BasePool,
    Corpus,
    data_dir,
    measure_update,
    pool_from_index,
    pool_from_model,
    say,
    scifact_corpus,
    squad_corpus,
    synthetic_index,
)
from eval.benchengine import check_bench_store, measure_beside
from eval.benchmeasure import cold_ask, measure_ingest, precision_choice, serve_in_subprocess
from eval.benchreport import format_report
from index.errors import InputError
from index.storage import queries
from index.storage.manifest import IndexSettings
from index.storage.store import IndexStore

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_WORK = Path(".qa/bench")
UPDATE_CHUNKS = 1000  # chunks added then removed on each synthetic index
FORMAT = 1
_ENV = ("QA_PRECISION", "QA_VECTOR_INDEX", "QA_NPROBE", "OMP_NUM_THREADS")  # settings that change the figures


@dataclass(frozen=True)
class BenchConfig:
    """What to measure. ``sizes=None`` means :data:`DEFAULT_SIZES`, or only the
    real index with ``quick``."""

    sizes: tuple[int, ...] | None = None
    queries: int = 200
    work: Path = DEFAULT_WORK
    out: Path | None = None
    quick: bool = False
    precision: str | None = None
    model: str | None = None
    skip_ingest: bool = False
    rebuild: bool = False
    data: Path | None = None
    precision_chunks: int = 1000
    store: str | None = None  # a second engine, measured beside the local one (eval.benchengine)
    progress: bool = field(default_factory=sys.stderr.isatty)


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"10000,100k,1M"`` -> ``(10000, 100000, 1000000)``."""
    sizes = []
    for part in (p.strip().lower() for p in text.split(",")):
        scale = {"k": 1_000, "m": 1_000_000}.get(part[-1:], 1)
        digits = part[:-1] if scale > 1 else part
        if not digits.isdigit() or int(digits) * scale < 1:
            raise InputError(f"--sizes takes chunk counts like 10000,100k,1M; {part!r} is not one")
        sizes.append(int(digits) * scale)
    return tuple(sizes)


def plan_sizes(sizes: Sequence[int], real_chunks: int | None) -> list[tuple[str, int | None]]:
    """``(label, requested size)`` per index to measure, smallest first. The real
    index is always measured (``requested`` None unless it stands for a size); a
    size within a factor of two of it is taken to mean it and not built synthetically."""
    plan: list[tuple[str, int | None]] = []
    stands_for = None
    for size in sorted(set(sizes)):
        if real_chunks and stands_for is None and real_chunks / 2 <= size <= real_chunks * 2:
            stands_for = size
            continue
        plan.append(("synthetic", size))
    if real_chunks:
        plan.insert(0, ("real", stands_for))
    return plan


def run(config: BenchConfig) -> dict[str, Any]:
    """Measure everything the config asks for; the result is what the JSON line holds."""
    if config.queries < 1:
        raise InputError(f"--queries {config.queries}: ask for at least 1 question (200 for the figures)")
    if config.precision_chunks < 1:
        raise InputError(f"--precision-chunks {config.precision_chunks}: use at least 1 (default 1000)")
    store = check_bench_store(config.store) if config.store else None
    data = data_dir(config.data)
    machine = _machine()
    if machine["load_avg_start"] > 0.5 * (machine["cpus"] or 1):
        say(f"load average {machine['load_avg_start']} on {machine['cpus']} CPUs: timings will be noisy")
    work = Path(config.work)
    work.mkdir(parents=True, exist_ok=True)
    corpora = [squad_corpus(data)] + ([] if config.quick else [scifact_corpus(data, work / "corpora")])
    main_corpus = corpora[-1]  # its real index and questions are used for the query part

    @functools.cache
    def embedder() -> Any:  # loaded on first use: --skip-ingest with cached indexes needs none
        from index.embed import load_embedder

        return load_embedder(config.model, config.precision)

    ingest = [] if config.skip_ingest else _ingest_all(corpora, work, embedder, config)
    real_dir = work / f"real-{main_corpus.name}"
    real_chunks = _chunk_count(real_dir)
    sizes = config.sizes if config.sizes is not None else (() if config.quick else DEFAULT_SIZES)
    plan = plan_sizes(sizes, real_chunks)
    if not plan:
        raise InputError(
            f"nothing to measure: no real index in {work} (run without --skip-ingest) and no --sizes"
        )
    if not real_chunks:
        say(f"no real index at {real_dir}: synthetic chunks copy windows of {main_corpus.name} embedded now")
    questions = list(main_corpus.questions[: config.queries])
    qfile = work / f"questions-{main_corpus.name}.json"
    qfile.write_text(json.dumps(questions), encoding="utf-8")

    @functools.cache
    def make_pool() -> tuple[BasePool, IndexSettings]:
        if real_chunks:
            return pool_from_index(real_dir)
        return pool_from_model(main_corpus.paths, embedder())

    query, ivf_real, engines = [], None, []
    for label, size in plan:
        if label == "real" or size is None:
            index_dir, info = real_dir, {"cached": None, "build_seconds": None}
        else:
            model_key = config.model or "default"
            index_dir, info = synthetic_index(
                work, main_corpus.name, size, model_key, make_pool,
                bases="index" if real_chunks else "model", rebuild=config.rebuild, progress=config.progress,
            )  # fmt: skip
        say(f"serving the {label} index {index_dir} in a fresh process ({len(questions)} questions)")
        measured = serve_in_subprocess(
            index_dir, qfile, config.model, config.precision, ivf_recall=label == "real"
        )
        top10 = measured.pop("top10")  # compared with another engine's, not reported
        if "ivf_forced" in measured:
            ivf_real = {"corpus": main_corpus.name, **measured.pop("ivf_forced")}
        row = {"label": label, "requested": size, "corpus": main_corpus.name, "index": str(index_dir)}
        if label == "synthetic":  # (the real index is left as ingest made it)
            n = min(UPDATE_CHUNKS, measured["chunks"])
            say(f"adding and removing {n:,} chunks in {index_dir}, 3 times")
            pool, settings = make_pool()
            row["update"] = measure_update(index_dir, pool, settings, chunks=n)
            row["bases"] = len(pool)  # real vectors, each copied chunks/bases times with noise
        query.append(row | info | measured)
        if store:
            engines.append(
                measure_beside(store, index_dir, work, label, measured["chunks"], top10, qfile,
                               config.model, config.precision, config.progress)
            )  # fmt: skip
    cold = None
    if real_chunks:
        say(f"asking {min(5, len(questions))} questions with 'qa ask' as new processes ({real_dir})")
        cold = cold_ask(real_dir, questions, config.precision)
    choice = precision_choice(embedder()) if config.model is None else None
    return {
        "format": FORMAT,
        "machine": machine | {"load_avg_end": round(os.getloadavg()[0], 2)},
        "config": {
            "model": config.model or "default",
            "precision": query[0]["precision"] if query else None,
            "queries": len(questions),
            "question_set": main_corpus.name,
            "sizes": list(sizes),
            "quick": config.quick,
            "work": str(work),
            "env": {k: os.environ.get(k) for k in _ENV},
        },
        "ingest": ingest,
        "query": query,
        "ivf_real": ivf_real,
        "cold_ask": cold,
        "precision_choice": choice,
        "engines": engines,
    }


def _ingest_all(
    corpora: list[Corpus], work: Path, embedder: Callable[[], Any], config: BenchConfig
) -> list[dict[str, Any]]:
    from index.embed import load_embedder

    model = embedder()
    selected = getattr(model, "precision", "n/a")
    fp32 = None if selected == "n/a" else model if selected == "fp32" else load_embedder(config.model, "fp32")
    out = []
    for corpus in corpora:
        say(f"ingesting {corpus.name} into a fresh index in {work / ('real-' + corpus.name)}")
        out.append(
            measure_ingest(
                corpus.name, corpus.paths, work / f"real-{corpus.name}", model, fp32,
                precision_chunks=config.precision_chunks,
            )
        )  # fmt: skip
    return out


def _chunk_count(index_dir: Path) -> int | None:
    if not IndexStore.exists(index_dir):
        return None
    with queries.reading(index_dir) as conn:
        return queries.chunk_count(conn) or None


def _machine() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    from index.embed.precision import machine_key

    versions = {}
    for pkg in ("torch", "sentence-transformers", "onnxruntime", "faiss-cpu", "numpy"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return {
        "cpus": os.cpu_count(),
        "machine": machine_key(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg_start": round(os.getloadavg()[0], 2),  # 1-minute load: other work on the same cores
        "versions": versions,
    }


def run_from_args(args: argparse.Namespace) -> int:
    """The ``qa bench`` command: run, print the table and the JSON line, write ``--out``."""
    config = BenchConfig(
        sizes=parse_sizes(args.sizes) if args.sizes else None,
        queries=args.queries,
        work=Path(args.work),
        out=Path(args.out) if args.out else None,
        quick=args.quick,
        precision=args.precision or args.config.precision,
        model=args.model,
        skip_ingest=args.skip_ingest,
        rebuild=args.rebuild,
        data=Path(args.data) if args.data else None,
        precision_chunks=args.precision_chunks,
        store=args.store,
    )
    result = run(config)
    print(format_report(result))
    line = json.dumps(result)
    if config.out:
        config.out.mkdir(parents=True, exist_ok=True)
        (config.out / "bench.json").write_text(line + "\n", encoding="utf-8")
        say(f"wrote {config.out / 'bench.json'}")
    print(line)
    return 0
