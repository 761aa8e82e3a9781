"""The public entry point: ``Assistant.open(dir)``, ``.add``, ``.ask``, ``.search``.

The front door: the assistant holds the index, loads the models on first use and builds
(``add``, ``watch``, ``remove``); what asking does lives in :mod:`qa.asking`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import (
    DEFAULT_MODEL_NAME,
    Article,
    ChunkSettings,
    Config,
    Embedder,
    Fetcher,
    FetchSettings,
    IndexSettings,
    IngestReport,
    InputError,
    ModelError,
    Snapshot,
    StorageEngine,
    StoredArticle,
    ingest_sources,
    is_url,
    load_embedder,
    open_engine,
)
from qa import asking
from qa import calibration as calibrations
from qa.asking import ANSWER_PASSAGES, DEFAULT_K, MAX_K, MAX_QUESTION_CHARS, term_weights
from qa.calibration import Calibration
from qa.evidence import Evidence
from qa.sentences import SentenceVectorCache
from qa.types import Answer, Counts, IndexStats, Passage

if TYPE_CHECKING:
    from index.embed.pytorch import CrossEncoderReranker

__all__ = ["ANSWER_PASSAGES", "DEFAULT_K", "MAX_K", "MAX_QUESTION_CHARS", "Assistant", "term_weights"]

ROBOTS_FILE = "robots.json"  # the robots.txt rules of the sites fetched, kept for a day


class Assistant:
    """Question answering over one index directory.

    The embedding model is loaded on first use (not by ``open``), so listing or
    removing articles stays fast. All methods are safe to call from several threads.
    """

    def __init__(
        self,
        store: StorageEngine,
        model: str | None = None,
        embedder: Embedder | None = None,
        reranker: str | None = None,
        config: Config | None = None,
    ) -> None:
        self.store = store
        self.config = config or Config()
        self._model = model
        self._embedder = embedder
        self._reranker_path = reranker
        self._reranker: CrossEncoderReranker | None = None
        self._load_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._calibration: Calibration | None = None
        self._sentence_vectors = SentenceVectorCache()
        self._fetchers: dict[FetchSettings, Fetcher] = {}  # robots.txt and pauses per host kept between adds

    @classmethod
    def open(
        cls,
        index_dir: str | Path,
        model: str | None = None,
        chunk: ChunkSettings | None = None,
        embedder: Embedder | None = None,
        reranker: str | None = None,
        config: Config | None = None,
    ) -> Assistant:
        """Open the index in ``index_dir``, creating it (empty) if missing.

        ``model`` is a sentence-transformers model directory or ``hash:DIM``;
        by default the index's own model, or the packaged all-MiniLM-L6-v2 for a
        new index. ``chunk`` applies only when the index is created.
        ``reranker`` is an optional sentence-transformers CrossEncoder folder: when
        given, the top candidates are re-scored by it (off by default). ``config``:
        how the library runs here (precision, cache folder, vector index kind, nprobe;
        see :class:`qa.Config`), by default :class:`qa.Config()`, never the environment.
        """
        config = config or Config()
        made: list[Embedder] = []

        def new_settings() -> IndexSettings:
            made.append(embedder or load_embedder(model, config.precision, config.cache_dir))
            return IndexSettings(
                model_name=made[0].name,
                model_path=made[0].path,
                dim=made[0].dim,
                max_tokens=made[0].max_tokens,
                chunk=chunk or ChunkSettings(),
            )

        store = open_engine(index_dir, config, new_settings)
        if made:
            return cls(store, model, made[0], reranker, config)
        if embedder is not None:
            store.settings.check_model(embedder.name, embedder.dim)
        elif model is not None:
            embedder = load_embedder(model, config.precision, config.cache_dir)
            store.settings.check_model(embedder.name, embedder.dim)
        return cls(store, model, embedder, reranker, config)

    @property
    def embedder(self) -> Embedder:
        """The index's model, loaded once on first use."""
        with self._load_lock:
            if self._embedder is None:
                self._embedder = _load_for(self.store.settings, self.config)
            return self._embedder

    @property
    def calibration(self) -> Calibration:
        """What answering learned for this index's model in the precision it runs in
        (:mod:`qa.calibration`); the default for a model without a calibration."""
        if self._calibration is None:
            precision = getattr(self.embedder, "precision", None)
            self._calibration = calibrations.load(self.store.settings.model_name, precision)
        return self._calibration

    def use_calibration(self, path: str | Path) -> None:
        """Answer with the calibration in ``path`` (say, to evaluate one) instead of the model's own."""
        import json

        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            self._calibration = Calibration.from_dict(data, Path(path).name)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path} is not a calibration file ({exc}); make one with python -m eval.calibrate"
            ) from exc

    def sentence_vectors(self, snap: Snapshot, records: Any) -> Any:
        """Sentence vectors of chunk records (computed for chunks stored without them)."""
        return self._sentence_vectors.get(snap, records, self.embedder)

    @property
    def reranker(self) -> CrossEncoderReranker | None:
        """The optional cross-encoder, loaded once on first use."""
        with self._load_lock:
            if self._reranker is None and self._reranker_path:
                from index.embed.pytorch import CrossEncoderReranker

                self._reranker = CrossEncoderReranker(self._reranker_path)
            return self._reranker

    # -- building ----------------------------------------------------------
    def add(
        self,
        paths: Iterable[str | Path] | str | Path,
        *,
        progress: bool = False,
        feeds: Iterable[str] = (),
        fetch: FetchSettings | None = None,
        ray: bool | str = False,
        workers: int = 2,
    ) -> IngestReport:
        """Add files, folders and web pages (``http(s)://`` URLs), and the entries of
        ``feeds`` (RSS, Atom or sitemap URLs); unchanged articles are skipped, changed
        ones replaced. ``fetch`` sets timeouts, size cap and politeness delay.

        ``ray``: ``True`` reads, chunks and embeds files and folders on ``workers`` Ray
        workers of one thread each, on a Ray started on this machine for the call; a string
        is the address of a Ray cluster to use instead. This process still does every write
        (see :mod:`index.distributed`). Needs ``pip install 'article-qa[ray]'``."""
        if isinstance(paths, (str, Path)):
            paths = [paths]
        with self._write_lock:
            if self.config.vector_index is not None:  # asked for another kind: it changes with this write
                self.store.switch_vector_index(self.config.vector_index)
            if ray:
                from index.distributed import ingest_on_ray

                paths = list(paths)
                if feeds or any(is_url(str(p)) for p in paths):
                    raise InputError("ingest on Ray reads files and folders; add pages and feeds without it")
                address = None if ray is True else str(ray)
                return ingest_on_ray(
                    self.store, self.embedder, paths,
                    config=self.config, address=address, workers=workers, progress=progress,
                )  # fmt: skip
            fetcher = self._fetcher(fetch)
            return ingest_sources(self.store, self.embedder, paths, feeds, fetcher=fetcher, progress=progress)

    def _fetcher(self, fetch: FetchSettings | None) -> Fetcher:
        """One fetcher per settings, its robots.txt rules kept beside the index for a day."""
        settings = fetch or FetchSettings()
        if settings not in self._fetchers:
            self._fetchers[settings] = Fetcher(settings, self.directory / ROBOTS_FILE)
        return self._fetchers[settings]

    def watch(
        self,
        sources: Iterable[str | Path],
        *,
        every: float,
        fetch: FetchSettings | None = None,
        say: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
        cycles: int | None = None,
    ) -> int:
        """Keep the index current with folders, files and feed URLs: a cycle every
        ``every`` seconds adds what is new, replaces what changed and removes articles of
        deleted files (:mod:`index.sources.watch`), until ``stop`` is set or ``cycles``
        have run; ``say`` gets each cycle's line. Returns the number of cycles run."""
        from index.sources.watch import watch

        fetcher = self._fetcher(fetch)
        return watch(
            self.store, self.embedder, sources, every=every, fetcher=fetcher, say=say, stop=stop,
            cycles=cycles,
        )  # fmt: skip

    def remove(self, article_id: str) -> None:
        """Remove one article and its chunks."""
        if self.store.article(article_id) is None:
            raise InputError(f"no article with id {article_id!r}; list them with 'qa stats --articles'")
        with self._write_lock:
            self.store.apply(removals=[article_id])

    # -- asking ------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int | None = None,
        mode: str = "hybrid",
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
    ) -> list[Passage]:
        """Top ``k`` passages for ``query`` (``mode``: one of ``qa.MODES``).

        ``k=None`` means 5, or every chunk of a smaller index; an explicit ``k``
        larger than the index is an error. ``since``/``until`` (ISO dates,
        inclusive) and ``source`` (part of the source or title) filter articles."""
        return asking.search(self, self.store, query, k, mode, since=since, until=until, source=source)

    def ask(
        self,
        question: str,
        k: int | None = None,
        history: Sequence[Any] | None = None,
        mode: str = "hybrid",
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
    ) -> Answer:
        """A short extractive answer with citations, or an abstention.

        ``history`` holds the earlier turns: user questions as strings, or chat
        messages ``{"role": ..., "content": ...}``; follow-ups are rewritten with it.
        ``since``/``until``/``source`` restrict the articles used (see :meth:`search`).
        """
        found = self.evidence(question, k, history, mode, since, until, source)
        return self.answer_from(found)

    def evidence(
        self,
        question: str,
        k: int | None = None,
        history: Sequence[Any] | None = None,
        mode: str = "hybrid",
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
        calibration: Calibration | None = None,
    ) -> Evidence:
        """What :meth:`ask` answers from: the rewritten question, the passages and the
        scored candidate sentences of the top five (for evaluation and calibration;
        ``calibration`` replaces the index's own for the best-sentence step)."""
        return asking.evidence(
            self, self.store, question, k, history, mode, since=since, until=until, source=source,
            calibration=calibration,
        )  # fmt: skip

    def answer_from(self, found: Evidence, calibration: Calibration | None = None) -> Answer:
        """The answer :meth:`ask` gives from ``found`` (with this calibration, by default the index's)."""
        return asking.answer_from(self, self.store, found, calibration)

    # -- inspecting --------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The index as it is now, for tools that read it directly (benchmarks): what
        one request of :meth:`ask` reads."""
        return self.store.snapshot()

    @property
    def directory(self) -> Path:
        """The index folder."""
        return Path(self.store.directory)

    @property
    def settings(self) -> IndexSettings:
        """What the index was built with (model, dimension, chunking, vector index kind)."""
        return self.store.settings

    def stats(self) -> IndexStats:
        """Counts, model and chunk settings, and size on disk."""
        s = self.store.settings
        size = sum(f.stat().st_size for f in self.directory.rglob("*") if f.is_file())
        counts = self.counts()
        return IndexStats(
            index=str(self.directory), articles=counts.articles, chunks=counts.chunks,
            model=s.model_name, model_path=s.model_path, dimension=s.dim, chunk_size=s.chunk.size,
            chunk_overlap=s.chunk.overlap, tokenizer=s.chunk.encoding, vector_index=s.vector_index,
            bytes_on_disk=size, copy_groups=self.copy_groups(),
        )  # fmt: skip

    def counts(self) -> Counts:
        """How many articles and chunks (cheap: no walk over the index folder)."""
        c = self.store.counts()
        return Counts(c["articles"], c["chunks"])

    def copy_groups(self) -> list[dict[str, Any]]:
        """Syndicated copies: per group its ``representative`` (the copy answers cite),
        that copy's ``title``, and its ``members`` (representative first), largest first."""
        groups = [
            {"representative": rep, "title": members[0]["title"], "members": members}
            for rep, members in self.store.copy_groups().items()
        ]
        return sorted(groups, key=lambda g: (-len(g["members"]), g["title"], g["representative"]))

    def articles(self) -> list[StoredArticle]:
        """Every article's metadata and chunk count, newest date first."""
        return self.store.articles()

    def article(self, article_id: str) -> Article | None:
        """One stored article (its whole text), or None."""
        return self.store.article(article_id)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _load_for(settings: IndexSettings, config: Config) -> Embedder:
    """The model an index was built with: its recorded path, or the packaged
    default when the index names it (the path may differ between machines)."""
    if settings.model_name == DEFAULT_MODEL_NAME:
        embedder = load_embedder(None, config.precision, config.cache_dir)
    elif Path(settings.model_path).is_dir() or settings.model_path.startswith("hash:"):
        embedder = load_embedder(settings.model_path, config.precision, config.cache_dir)
    else:
        raise ModelError(
            f"this index was built with model '{settings.model_name}' at {settings.model_path}, "
            "which is not on this machine; pass --model PATH pointing at the same model"
        )
    settings.check_model(embedder.name, embedder.dim)
    return embedder
