"""``python -m eval.milvusbench``: the Milvus engine (milvus-lite) beside the local one
on the same real index.

Both engines are filled from one source index built with the real model (for example
the index ``qa eval`` built for SciFact), through ``ingest()`` with an embedder that
replays the source's stored vectors (chunk and sentence vectors, found by chunk hash):
so the two ingest rates are the storage engines' own, without the model (whose
rate ``qa bench`` measures). Then, in this one process, each engine answers the same
questions: ``search`` (retrieve, k=10) and ``ask`` latency p50/p95 (the question's
embedding included, the model loaded once), and how many of the local engine's top 10
passages the Milvus engine also returns (its recall@10 against the local engine).
Memory: this process's RSS after each engine answered (milvus-lite 3 runs inside the
process, as Python threads serving gRPC on 127.0.0.1, so its memory is in that figure;
``server_rss_bytes`` counts child processes, 0 for it). One process and machine; the
local engine's figures here are for comparison, not its own benchmark (``qa bench``).

Prints a table, then one JSON line (also ``--out FILE``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eval.benchdata import data_dir, say, scifact_corpus, squad_corpus
from eval.benchmeasure import percentiles, rss_now
from eval.machine import cpu_name
from index.config import Config
from index.embed import DEFAULT_MODEL_NAME, load_embedder
from index.embed.sentences import SentenceVectors
from index.ingest import chunk_hash
from qa import Assistant


class ReplayEmbedder:
    """The source index's model, whose passages come from the source's stored vectors
    (questions are embedded by the model itself)."""

    def __init__(self, model: Any, source: Any) -> None:
        self.model = model
        self.source = source
        self.replayed = 0
        self.embedded = 0  # passages the source did not hold, embedded by the model

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def encode_spans(self, texts: Sequence[str], spans: Sequence[Any], *, progress: bool = False) -> Any:
        stored = self.source.stored_vectors([chunk_hash(self.model.name, t) for t in texts])
        vecs, parts, todo = [], [], []
        for i, t in enumerate(texts):
            got = stored.get(chunk_hash(self.model.name, t))
            if got is None or got[1] is None:
                todo.append(i)
                vecs.append(None)
                parts.append(None)
                continue
            vecs.append(got[0])
            parts.append(SentenceVectors.from_blob(got[1]).vectors)
        if todo:  # not in the source: the model embeds them
            v, p = self.model.encode_spans([texts[i] for i in todo], [spans[i] for i in todo])
            for j, i in enumerate(todo):
                vecs[i], parts[i] = v[j], p[j]
        self.replayed += len(texts) - len(todo)
        self.embedded += len(todo)
        return np.stack(vecs).astype(np.float32), parts


def child_rss() -> int:
    """RSS of this process's children (the milvus-lite server), in bytes (Linux)."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(os.getpid()) and "VmRSS" in fields:
            total += int(fields["VmRSS"].split()[0]) * 1024
    return total


def build(name: str, work: Path, embedder: Any, paths: Sequence[Path], config: Config) -> tuple[Any, dict]:
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    a = Assistant.open(folder, embedder=embedder, config=config)
    before = embedder.embedded
    t0 = time.perf_counter()
    a.add(list(paths))
    seconds = time.perf_counter() - t0
    chunks, by_model = a.counts().chunks, embedder.embedded - before
    say(f"{name}: {chunks} chunks stored in {seconds:.1f} s ({by_model} embedded by the model)")
    return a, {"chunks": chunks, "seconds": round(seconds, 2), "chunks_per_s": round(chunks / seconds, 1),
               "embedded_by_model": by_model}  # fmt: skip


def serve(a: Any, questions: Sequence[str]) -> tuple[dict[str, Any], list[list[tuple[str, int]]]]:
    for q in questions[:5]:  # warm: first reads, caches
        a.ask(q)
    tops, search_ms, ask_ms = [], [], []
    for q in questions:
        t0 = time.perf_counter()
        found = a.search(q, k=10)
        search_ms.append((time.perf_counter() - t0) * 1000)
        tops.append([(p.article_id, p.start) for p in found])
    for q in questions:
        t0 = time.perf_counter()
        a.ask(q)
        ask_ms.append((time.perf_counter() - t0) * 1000)
    return {"search_ms": percentiles(search_ms), "ask_ms": percentiles(ask_ms)}, tops


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.milvusbench", description=__doc__.split("\n\n")[0])
    p.add_argument("--source", required=True, metavar="DIR", help="an index of the corpus, by the model")
    p.add_argument("--source-store", metavar="STORE", help="its store (default: local)")
    p.add_argument("--corpus", choices=("scifact", "squad"), default="scifact")
    p.add_argument("--queries", type=int, default=200, metavar="N")
    p.add_argument("--work", default=".qa/milvusbench", metavar="DIR")
    p.add_argument("--data", metavar="DIR", help="the shared data (default: ../shared/data)")
    p.add_argument("--precision", default="int8", choices=("auto", "fp32", "bf16", "int8"))
    p.add_argument("--out", metavar="FILE", help="also write the JSON here")
    args = p.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    data = data_dir(args.data)
    corpus = scifact_corpus(data, work) if args.corpus == "scifact" else squad_corpus(data)
    source = Assistant.open(args.source, config=Config(store=args.source_store))
    own = source.settings.model_name == DEFAULT_MODEL_NAME
    model = load_embedder(None if own else source.settings.model_path, args.precision)
    source.settings.check_model(model.name, model.dim)
    replay = ReplayEmbedder(model, source.store)
    questions = list(corpus.questions[: args.queries])
    result: dict[str, Any] = {
        "corpus": corpus.name, "questions": len(questions), "precision": args.precision,
        "cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version(),
    }  # fmt: skip
    tops = {}
    for name, config in (("local", Config()), ("milvus-lite", Config(store="milvus"))):
        a, ingest = build(name, work, replay, corpus.paths, config)
        served, tops[name] = serve(a, questions)
        result[name] = {"ingest": ingest, **served, "rss_bytes": rss_now(),
                        "server_rss_bytes": child_rss()}  # fmt: skip
        a.close()
    pairs = zip(tops["milvus-lite"], tops["local"], strict=True)
    agree = [len(set(mine) & set(theirs)) / max(len(theirs), 1) for mine, theirs in pairs]
    result["milvus_recall_at_10_vs_local"] = round(float(np.mean(agree)), 4)
    source.close()
    head = ("engine", "chunks", "ingest/s", "search p50", "p95", "ask p50", "p95")
    print(f"{head[0]:<12} {head[1]:>7} {head[2]:>9} {head[3]:>11} {head[4]:>7} {head[5]:>8} {head[6]:>7}")
    for name in ("local", "milvus-lite"):
        r = result[name]
        print(f"{name:<12} {r['ingest']['chunks']:>7} {r['ingest']['chunks_per_s']:>9} "
              f"{r['search_ms']['p50']:>11.1f} {r['search_ms']['p95']:>7.1f} "
              f"{r['ask_ms']['p50']:>8.1f} {r['ask_ms']['p95']:>7.1f}")  # fmt: skip
    print(f"milvus-lite top 10 holds {result['milvus_recall_at_10_vs_local']:.3f} of the local engine's")
    line = json.dumps(result)
    print(line)
    if args.out:
        Path(args.out).write_text(line + "\n", encoding="utf-8")
    return 0




if __name__ == "__main__":
    sys.exit(main())
