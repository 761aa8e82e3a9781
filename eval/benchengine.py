"""``qa bench --store STORE``: a second storage engine beside the local one, on the same chunks.

Each index the bench serves (the real one, then each synthetic size) is copied, chunk
for chunk with its vectors and sentence vectors, into a fresh index of the engine that
STORE names (``milvus``: milvus-lite in the bench's work folder) and into a fresh local
index. The two copies take the same ``apply`` batches, then ``derive``: their write
rates are the engines' own on the same data, with the model aside (the model's rate is
the ingest table's, and it bounds ingest on either engine). The engine's copy is then
served in a fresh process exactly as the local index is
(:func:`eval.benchmeasure.measure_serving`), and its top 10 passages per question are
compared with the local engine's (agreement@10, by article and start offset).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.benchdata import say
from eval.benchmeasure import serve_in_subprocess
from index.config import Config
from index.errors import InputError
from index.storage import engine_exists, open_engine, queries
from index.storage.manifest import read_manifest
from index.storage.milvus.uri import check_store, is_milvus, parse_store


def engine_label(store: str) -> str:
    """A short name for the engine ``store`` names, for tables and folder names."""
    if not is_milvus(store):
        return "local"
    return "milvus-lite" if parse_store(store, ".").lite else "milvus-server"


def check_bench_store(store: str) -> str:
    """``store`` if the bench can measure it beside the local engine, else an :class:`InputError`."""
    s = check_store(store)
    if not is_milvus(s):
        raise InputError(
            f"--store {store}: the local engine is always measured; give a second one, e.g. milvus"
        )
    if s.startswith("milvus:"):
        raise InputError(
            f"--store {store}: the bench makes its own milvus-lite files in --work; write --store milvus"
        )
    return s


def copy_index(source: Path, dest: Path, store: str, progress: bool = False) -> dict[str, Any]:
    """Copy the local index at ``source`` into a fresh index at ``dest`` in the engine
    ``store`` names (``local`` for a local copy): every article with its chunks, vectors
    and sentence vectors, in ``apply`` batches without ``derive``, then one ``derive``.
    Returns the chunks written, the seconds (writes and derive together) and the rate."""
    config = Config(store=None if store == "local" else store)
    shutil.rmtree(dest, ignore_errors=True)  # a milvus-lite file lives inside the folder
    if engine_exists(dest, config):  # a server's collections survive the folder
        raise InputError(
            f"{store} already holds an index named after {dest.name}; drop its collections "
            "(qa_<name>_*) or give --work another folder"
        )
    settings, _ = read_manifest(source)
    engine = open_engine(dest, config, lambda: settings)
    written = 0
    try:
        started = time.perf_counter()
        with queries.reading(source) as conn:
            for batch in queries.stored_articles(conn):
                engine.apply(batch, derive=False)
                written += sum(len(chunks) for _, chunks in batch)
                if progress:
                    say(f"{engine_label(store)}: {written:,} chunks written")
        engine.derive()
        seconds = time.perf_counter() - started
    finally:
        engine.close()
    return {"chunks": written, "seconds": round(seconds, 3), "chunks_per_s": round(written / seconds, 1)}


def agreement(mine: Sequence[Sequence[Any]], theirs: Sequence[Sequence[Any]]) -> float:
    """Mean share of each question's reference top 10 (``theirs``) that ``mine`` also holds."""
    shares = [
        len(set(map(tuple, m)) & set(map(tuple, t))) / len(t) for m, t in zip(mine, theirs, strict=True) if t
    ]
    return round(sum(shares) / len(shares), 4) if shares else 0.0


def measure_beside(
    store: str,
    index_dir: Path,
    work: Path,
    label: str,
    chunks: int,
    local_top10: list[Any],
    questions: Path,
    model: str | None,
    precision: str | None,
    progress: bool = False,
) -> dict[str, Any]:
    """The engine ``store`` on a copy of the local index ``index_dir`` (``chunks``
    chunks, served as ``label``, whose top 10s were ``local_top10``): both engines'
    write rates on the same chunks, then the copy served in a fresh process on the
    ``questions`` file. The copies are removed after (on a Milvus server, the folder is;
    the collections named after it stay until dropped)."""
    name = engine_label(store)
    copies = {}
    for engine in ("local", store):
        dest = work / f"copy-{engine_label(engine)}-{label}-{chunks}"
        say(f"copying {index_dir} ({chunks:,} chunks) into a fresh {engine_label(engine)} index")
        copies[engine] = (dest, copy_index(index_dir, dest, engine, progress=progress))
    dest = copies[store][0]
    say(f"serving the {name} copy {dest} in a fresh process")
    served = serve_in_subprocess(dest, questions, model, precision, store=store, source=index_dir)
    for dest, _ in copies.values():  # measured; not kept (a 100k copy is a gigabyte)
        shutil.rmtree(dest, ignore_errors=True)
    return {
        "label": label,
        "engine": name,
        "store": store,
        "chunks": chunks,
        "write_local": copies["local"][1],
        "write": copies[store][1],
        "agreement_at_10": agreement(served.pop("top10"), local_top10),
        **served,
    }
