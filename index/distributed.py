"""Ingest on Ray: reading, chunking and embedding spread over Ray workers, one writer.

The driver (the process that calls :func:`ingest_on_ray`) holds the index's writer lock
from start to end and does every write, exactly as :func:`index.ingest.ingest` does:
it decides per batch which articles are new or changed, and commits each batch of
articles with their chunks and vectors in one transaction, in the order they were read.
So a SIGKILL of the driver keeps whole articles only, and a rerun skips what was
committed; unchanged articles are never sent to a worker (nothing is embedded again).

Workers only compute:

* files are read by Ray tasks pinned to the driver's machine (where the paths are);
* each embedding worker is a Ray actor that loads the model once, in the precision the
  driver's :class:`~index.config.Config` asks for (``auto``: the driver's measured bulk
  choice) with the same cache folder, and runs it on ``threads`` threads; it chunks the
  articles of a batch, and embeds the chunks whose vectors are not stored yet.

A worker that dies is restarted and its calls are retried (they only compute); when it
keeps dying, the ingest stops with a :class:`WorkerError` and what was committed stays.

Ray is an optional dependency (``pip install 'article-qa[ray]'``), imported only here,
inside the functions that use it. ``address=None`` starts a Ray on this machine for the
ingest (and stops it after); an address joins that cluster (the project must be
installed on its nodes). When Ray is already initialised in the process, it is used as is.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.config import Config
from index.embed import DEFAULT_MODEL_NAME, HASH_PREFIX, Embedder
from index.errors import ConfigError, QAError
from index.ingest import (
    Batcher,
    IngestReport,
    Spans,
    Tally,
    chunk_spans,
    commit_batch,
    derive_now_and_then,
    embed_chunks,
    known_vectors,
    plan_batch,
    take_files,
)
from index.sources.article import Article
from index.sources.readers import Problem, find_files, read_file
from index.storage.manifest import IndexSettings
from index.storage.snapshot import StorageEngine
from index.text.chunking import Chunker, ChunkSettings

log = logging.getLogger(__name__)

RAY_MISSING = "ingest on Ray needs the ray package; install it with: pip install 'article-qa[ray]'"
OBJECT_STORE_BYTES = 500 * 1024 * 1024  # a local Ray's shared memory: batches are small
READY_SECONDS = 300.0  # for the workers to start and load the model
RESTARTS = 3  # a worker that dies is restarted this often, its calls retried
JOBS_PER_WORKER = 2  # batches in flight per worker: one computing, one queued


class WorkerError(QAError):
    """A Ray worker kept failing, or the cluster went away; what was committed stays."""


def require_ray() -> Any:
    """The ``ray`` module, or a :class:`~index.errors.ConfigError` saying what to install."""
    try:
        import ray
    except ImportError:
        raise ConfigError(RAY_MISSING) from None
    return ray


@dataclass(frozen=True)
class WorkerModel:
    """What each embedding worker loads: ``source`` as :func:`index.embed.load_embedder`
    takes it (None: the packaged default), in ``precision``, with ``cache_dir``."""

    source: str | None
    precision: str
    cache_dir: Path
    threads: int = 1

    @classmethod
    def for_index(
        cls, settings: IndexSettings, embedder: Embedder, config: Config, threads: int = 1
    ) -> WorkerModel:
        """The index's model as the driver runs it; ``auto`` becomes the precision measured
        fastest here at encoding passages (workers do nothing else)."""
        source = None if settings.model_name == DEFAULT_MODEL_NAME else settings.model_path
        precision = config.precision
        choice = getattr(embedder, "choice", None)
        if precision == "auto" and choice is not None:
            precision = choice("bulk").precision
        return cls(source, precision, config.cache_dir, threads)

    def load(self) -> Embedder:
        from index.embed import check_folder, default_model_path, load_embedder, model_name_for

        if self.source is not None and self.source.startswith(HASH_PREFIX):
            return load_embedder(self.source)
        if self.precision == "int8":  # ONNX Runtime takes its thread count when the session is made
            from index.embed.onnxint8 import OnnxInt8Embedder

            path = default_model_path() if self.source is None else self.source
            check_folder(path)
            name = DEFAULT_MODEL_NAME if self.source is None else model_name_for(path)
            return OnnxInt8Embedder(path, name, threads=self.threads, cache=self.cache_dir)
        if self.precision in ("fp32", "bf16"):
            import torch

            torch.set_num_threads(self.threads)
        return load_embedder(self.source, self.precision, self.cache_dir)


class EmbedWorker:
    """One embedding worker (run as a Ray actor): the model, loaded once on first use."""

    def __init__(self, model: WorkerModel, chunk: ChunkSettings) -> None:
        self._model = model
        self._chunk = chunk
        self._embedder: Embedder | None = None
        self._chunker: Chunker | None = None

    def _loaded(self) -> tuple[Embedder, Chunker]:
        if self._embedder is None or self._chunker is None:
            self._embedder = self._model.load()
            self._chunker = Chunker(self._chunk, self._embedder.count_tokens, self._embedder.max_tokens)
        return self._embedder, self._chunker

    def ready(self) -> tuple[str, int, int]:
        """``(model name, dimension, process id)`` once the model is loaded."""
        embedder, _ = self._loaded()
        return embedder.name, embedder.dim, os.getpid()

    def chunk(self, articles: list[Article]) -> list[Spans]:
        embedder, chunker = self._loaded()
        return [chunk_spans(art, chunker, embedder) for art in articles]

    def embed(self, chunks: dict[str, tuple[str, str]]) -> dict[str, tuple[np.ndarray, bytes]]:
        return embed_chunks(self._loaded()[0], chunks, False)


def ingest_on_ray(
    store: StorageEngine,
    embedder: Embedder,
    paths: Iterable[str | Path],
    *,
    config: Config | None = None,
    address: str | None = None,
    workers: int = 2,
    threads: int = 1,
    progress: bool = False,
    batch_articles: int = 100,
) -> IngestReport:
    """Like :func:`index.ingest.ingest`, with reading, chunking and embedding done by
    ``workers`` Ray workers of ``threads`` threads each. ``embedder`` is the index's
    model as the driver runs it (only its name and precision choice are used here).
    Raises :class:`~index.errors.ConfigError` when ray is not installed or the workers
    cannot start, :class:`WorkerError` when a worker keeps failing."""
    ray = require_ray()
    if workers < 1 or threads < 1:
        raise ConfigError(f"{workers} workers of {threads} threads: ask for at least one of each")
    model = WorkerModel.for_index(store.settings, embedder, config or Config(), threads)
    started = time.perf_counter()
    with store.writing():
        tally = Tally()
        try:
            with ray_session(ray, address, workers * threads):
                _Driver(ray, store, model, workers, tally, progress).run(paths, batch_articles)
        finally:
            if tally.batches:  # whatever was committed becomes searchable, even after an error
                store.derive()
    return tally.report(time.perf_counter() - started)


@contextmanager
def ray_session(ray: Any, address: str | None, cpus: int) -> Iterator[None]:
    """Ray for the block: the one this process has initialised already, else a new local
    one of ``cpus`` CPUs (``address=None``) or the cluster at ``address``, shut down after."""
    if ray.is_initialized():
        yield
        return
    options: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING}
    if address is None:
        import index

        here = str(Path(index.__file__).resolve().parent.parent)  # workers import this very code
        options |= {
            "num_cpus": cpus,
            "object_store_memory": OBJECT_STORE_BYTES,
            # ${PYTHONPATH}: the worker's own, expanded by Ray in the worker
            "runtime_env": {"env_vars": {"PYTHONPATH": f"{here}{os.pathsep}${{PYTHONPATH}}"}},
        }
    try:
        ray.init(address=address or "local", **options)  # "local": a new Ray here, whatever RAY_ADDRESS says
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        raise ConfigError(f"could not start {where}: {' '.join(str(exc).split())}") from exc
    try:
        yield
    finally:
        ray.shutdown()


@dataclass
class _Job:
    """One batch on its way through a worker: chunked, then its new chunks embedded."""

    todo: list[tuple[Article, bool]]
    older: set[str]
    worker: int
    ref: Any = None  # the call in flight; None once done
    chunked: list[tuple[Article, Spans, bool]] = field(default_factory=list)
    vectors: dict[str, tuple[np.ndarray, bytes | None]] = field(default_factory=dict)
    embedded: int = 0
    articles: int = 0  # of the batch, unchanged and copies included (for progress)


class _Driver:
    """Reads in order, plans and commits in order; keeps every worker busy in between."""

    def __init__(
        self, ray: Any, store: StorageEngine, model: WorkerModel, workers: int, tally: Tally, progress: bool
    ) -> None:
        self.ray = ray
        self.store = store
        self.model = model
        self.n_workers = workers
        self.tally = tally
        self.progress = progress
        self.workers: list[Any] = []
        self.load: list[int] = [0] * workers  # jobs in flight per worker
        self.jobs: deque[_Job] = deque()
        self.bar: Any = None

    def run(self, paths: Iterable[str | Path], batch_articles: int) -> None:
        files, problems = find_files(paths)
        self.tally.rejected.extend(problems)
        if self.progress:
            from tqdm import tqdm

            self.bar = tqdm(total=0, desc="ingest on ray", unit="article")
        try:
            batcher = Batcher(self.tally, self._submit)
            take_files(files, self._read(files), self.tally, batcher, batch_articles)
            batcher.flush()
            while self.jobs:
                self._step()
        finally:
            if self.bar is not None:
                self.bar.close()

    # -- reading -------------------------------------------------------------------
    def _read(self, files: Sequence[Path]) -> Iterator[tuple[Path, list[Article], list[Problem]]]:
        """Each file's articles, read by Ray tasks on this machine a few files ahead, in order."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        here = NodeAffinitySchedulingStrategy(self.ray.get_runtime_context().get_node_id(), soft=False)
        reader = self.ray.remote(read_file).options(
            num_cpus=0, scheduling_strategy=here, max_retries=RESTARTS
        )
        ahead: deque[tuple[Path, Any]] = deque()
        pending = iter(files)
        while True:
            while len(ahead) < 2 * self.n_workers and (path := next(pending, None)) is not None:
                ahead.append((path, reader.remote(path)))
            if not ahead:
                return
            path, ref = ahead.popleft()
            articles, problems = self._get(ref)
            if self.bar is not None:
                self.bar.total += len(articles)
                self.bar.refresh()
            yield path, articles, problems

    # -- the pipeline ----------------------------------------------------------------
    def _submit(self, batch: list[Article]) -> None:
        writing = {art.id for job in self.jobs for art, _ in job.todo}
        if any(art.id in writing for art in batch):
            while self.jobs:  # an article again: its first copy is stored before this one is judged
                self._step()
        todo, older = plan_batch(self.store, batch, self.tally)
        self.tally.chars_done += sum(len(a.text) for a in batch)
        if not todo:
            self._advance(len(batch))
            return
        self._start_workers()
        worker = min(range(self.n_workers), key=self.load.__getitem__)
        job = _Job(todo, older, worker, articles=len(batch))
        job.ref = self.workers[worker].chunk.remote([art for art, _ in todo])
        self.load[worker] += 1
        self.jobs.append(job)
        while len(self.jobs) >= JOBS_PER_WORKER * self.n_workers:
            self._step()

    def _step(self) -> None:
        """Wait for one call to finish, move its job on, commit what is ready in order."""
        calls = {job.ref: job for job in self.jobs if job.ref is not None}
        if calls:
            done, _ = self.ray.wait(list(calls), num_returns=1)
            job = calls[done[0]]
            result = self._get(done[0])
            if not job.chunked:
                job.chunked = [
                    (art, spans, replacing) for (art, replacing), spans in zip(job.todo, result, strict=True)
                ]
                job.vectors, missing = known_vectors(self.store, job.chunked)
                job.embedded = len(missing)
                job.ref = self.workers[job.worker].embed.remote(missing) if missing else None
            else:
                job.vectors.update(result)
                job.ref = None
        while self.jobs and self.jobs[0].ref is None:
            job = self.jobs.popleft()
            commit_batch(self.store, job.chunked, job.vectors, job.older, self.tally)
            self.tally.chunks_embedded += job.embedded
            self.load[job.worker] -= 1
            self._advance(job.articles)
            derive_now_and_then(self.store, self.tally)

    def _advance(self, articles: int) -> None:
        if self.bar is not None:
            self.bar.update(articles)
            self.bar.set_postfix(chunks=self.tally.chunks_added, embedded=self.tally.chunks_embedded)

    # -- workers ---------------------------------------------------------------------
    def _start_workers(self) -> None:
        """Start the embedding workers, the first time there is something to embed."""
        if self.workers:
            return
        actor = self.ray.remote(EmbedWorker).options(
            num_cpus=self.model.threads, max_restarts=RESTARTS, max_task_retries=RESTARTS
        )
        self.workers = [actor.remote(self.model, self.store.settings.chunk) for _ in range(self.n_workers)]
        settings = self.store.settings
        try:
            ready = self._get([w.ready.remote() for w in self.workers], timeout=READY_SECONDS)
        except self.ray.exceptions.GetTimeoutError:
            raise ConfigError(
                f"{self.n_workers} Ray workers of {self.model.threads} CPUs did not start within "
                f"{READY_SECONDS:.0f} s; ask for fewer workers, or give the cluster more CPUs"
            ) from None
        for name, dim, _pid in ready:
            settings.check_model(name, dim)
        log.info("%d Ray workers ready (%s, %s)", len(ready), self.model.precision, ready[0][0])

    def _get(self, refs: Any, timeout: float | None = None) -> Any:
        """``ray.get``, with a worker's own error raised as itself (one line, no remote traceback)."""
        try:
            return self.ray.get(refs, timeout=timeout)
        except self.ray.exceptions.GetTimeoutError:
            raise
        except self.ray.exceptions.RayTaskError as exc:
            cause = exc.cause
            if isinstance(cause, (QAError, OSError)):
                raise cause from None
            raise WorkerError(f"a Ray worker failed: {type(cause).__name__}: {cause}") from None
        except self.ray.exceptions.RayError as exc:  # a worker died once too often, the cluster went away
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WorkerError(
                f"the ingest on Ray stopped: {first}; what was committed is kept, run it again to finish"
            ) from None
