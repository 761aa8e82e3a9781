"""The public entry point: ``Assistant.open(dir)``, ``.add``, ``.ask``, ``.search``."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.chunking import ChunkSettings
from index.embed import DEFAULT_MODEL_NAME, Embedder, load_embedder
from index.errors import InputError, ModelError
from index.ingest import IngestReport, ingest
from index.manifest import IndexSettings
from index.store import IndexStore
from qa.compose import CALIBRATED, NO_ANSWER, ComposeSettings, compose
from qa.quotes import parse_say_question
from qa.retrieve import MODES, Filters, retrieve
from qa.rewrite import rewrite
from qa.types import Answer, Passage

if TYPE_CHECKING:
    from index.embed.pytorch import CrossEncoderReranker

MAX_QUESTION_CHARS = 2000
RERANK_DEPTH = 20  # candidates the optional cross-encoder re-scores
MAX_K = 100
DEFAULT_K = 5
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # controls, lone surrogates


class Assistant:
    """Question answering over one index directory.

    The embedding model is loaded on first use (not by ``open``), so listing or
    removing articles stays fast. All methods are safe to call from several threads.
    """

    def __init__(
        self,
        store: IndexStore,
        model: str | None = None,
        embedder: Embedder | None = None,
        reranker: str | None = None,
    ) -> None:
        self.store = store
        self._model = model
        self._embedder = embedder
        self._reranker_path = reranker
        self._reranker: CrossEncoderReranker | None = None
        self._load_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.compose_settings = ComposeSettings(min_relevance=CALIBRATED.get(store.settings.model_name))

    @classmethod
    def open(
        cls,
        index_dir: str | Path,
        model: str | None = None,
        chunk: ChunkSettings | None = None,
        embedder: Embedder | None = None,
        reranker: str | None = None,
    ) -> Assistant:
        """Open the index in ``index_dir``, creating it (empty) if missing.

        ``model`` is a sentence-transformers model directory or ``hash:DIM``;
        by default the index's own model, or the packaged all-MiniLM-L6-v2 for a
        new index. ``chunk`` applies only when the index is created.
        ``reranker`` is an optional sentence-transformers CrossEncoder folder: when
        given, the top candidates are re-scored by it (off by default).
        """
        if IndexStore.exists(index_dir):
            store = IndexStore.open(index_dir)
            if embedder is not None:
                store.settings.check_model(embedder.name, embedder.dim)
            elif model is not None:
                embedder = load_embedder(model)
                store.settings.check_model(embedder.name, embedder.dim)
            return cls(store, model, embedder, reranker)
        embedder = embedder or load_embedder(model)
        settings = IndexSettings(
            model_name=embedder.name,
            model_path=embedder.path,
            dim=embedder.dim,
            max_tokens=embedder.max_tokens,
            chunk=chunk or ChunkSettings(),
        )
        return cls(IndexStore.create(index_dir, settings), model, embedder, reranker)

    @property
    def embedder(self) -> Embedder:
        """The index's model, loaded once on first use."""
        with self._load_lock:
            if self._embedder is None:
                self._embedder = _load_for(self.store.settings)
            return self._embedder

    @property
    def reranker(self) -> CrossEncoderReranker | None:
        """The optional cross-encoder, loaded once on first use."""
        with self._load_lock:
            if self._reranker is None and self._reranker_path:
                from index.embed.pytorch import CrossEncoderReranker

                self._reranker = CrossEncoderReranker(self._reranker_path)
            return self._reranker

    def _retrieve(self, query: str, qvec: Any, k: int, mode: str, filters: Filters) -> list[Passage]:
        reranker = self.reranker
        if reranker is None:
            return retrieve(self.store, query, qvec, k, mode, filters)
        depth = min(len(self.store.lexical), max(k, RERANK_DEPTH))
        pool = retrieve(self.store, query, qvec, depth, mode, filters)
        scores = reranker.score(query, [f"{p.title}\n{p.text}" for p in pool])
        order = sorted(range(len(pool)), key=lambda i: (-scores[i], i))[:k]
        return [replace(pool[i], score=float(scores[i])) for i in order]

    # -- building ----------------------------------------------------------
    def add(self, paths: Iterable[str | Path] | str | Path, *, progress: bool = False) -> IngestReport:
        """Add files and folders; unchanged articles are skipped, changed ones replaced."""
        if isinstance(paths, (str, Path)):
            paths = [paths]
        with self._write_lock:
            return ingest(self.store, self.embedder, paths, progress=progress)

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
        """Top ``k`` passages for ``query`` (``mode``: one of ``qa.retrieve.MODES``).

        ``k=None`` means 5, or every chunk of a smaller index; an explicit ``k``
        larger than the index is an error. ``since``/``until`` (ISO dates,
        inclusive) and ``source`` (part of the source or title) filter articles."""
        query, k = self._check(query, k, mode)
        filters = Filters(since, until, source)
        qvec = self.embedder.encode([query])[0] if mode != "bm25" else None
        return self._retrieve(query, qvec, k, mode, filters)

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
        t0 = time.perf_counter()
        question, k = self._check(question, k, mode)
        filters = Filters(since, until, source)
        query = rewrite(question, history)
        t1 = time.perf_counter()
        qvec = self.embedder.encode([query])[0] if mode != "bm25" else None
        t2 = time.perf_counter()
        passages = self._retrieve(query, qvec, k, mode, filters)
        t3 = time.perf_counter()
        say = parse_say_question(query)
        picked, reason = compose(
            query, passages, self.store.lexical.idf, say, self.compose_settings, self.store.text_before
        )
        t4 = time.perf_counter()
        text = " ".join(f"{sentence} [{c.n}]" for sentence, c in picked) if picked else NO_ANSWER
        timings = {
            "rewrite": (t1 - t0) * 1000,
            "embed": (t2 - t1) * 1000,
            "retrieve": (t3 - t2) * 1000,
            "compose": (t4 - t3) * 1000,
            "total": (t4 - t0) * 1000,
        }
        return Answer(
            question=question,
            answer=text,
            abstained=not picked,
            citations=tuple(c for _, c in picked),
            passages=tuple(passages),
            timings_ms=timings,
            abstain_reason=reason,
            query=query,
        )

    def _check(self, question: str, k: int | None, mode: str) -> tuple[str, int]:
        if not isinstance(question, str):
            raise InputError("the question must be text")
        self.store.begin_read()  # newer articles from other writers; one consistent view per request
        question = " ".join(_CONTROL.sub(" ", question).split())
        if not question:
            raise InputError("the question is empty; type a question")
        if len(question) > MAX_QUESTION_CHARS:
            raise InputError(
                f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}: "
                "shorten it"
            )
        if mode not in MODES:
            raise InputError(f"retrieval mode {mode!r} is unknown; use one of: {', '.join(MODES)}")
        chunks = len(self.store.lexical)
        if chunks == 0:
            raise InputError("the index is empty; add articles first (qa ingest PATH --index DIR)")
        if k is None:
            return question, min(DEFAULT_K, chunks)
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InputError(f"k of {k!r} is not a positive whole number; ask for k >= 1")
        if k > min(MAX_K, chunks):
            raise InputError(
                f"k of {k} is larger than allowed here ({chunks} chunks indexed, at most {MAX_K}); "
                f"ask for k <= {min(MAX_K, chunks)}"
            )
        return question, k

    # -- inspecting --------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Counts, model and chunk settings, and size on disk."""
        s = self.store.settings
        size = sum(f.stat().st_size for f in Path(self.store.directory).rglob("*") if f.is_file())
        return {
            "index": str(self.store.directory),
            **self.store.counts(),
            "model": s.model_name,
            "model_path": s.model_path,
            "dimension": s.dim,
            "chunk_size": s.chunk.size,
            "chunk_overlap": s.chunk.overlap,
            "tokenizer": s.chunk.encoding,
            "bytes_on_disk": size,
        }

    def counts(self) -> dict[str, int]:
        """``{"articles": N, "chunks": M}`` (cheap: no walk over the index folder)."""
        return self.store.counts()

    def articles(self) -> list[dict[str, Any]]:
        return self.store.articles()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _load_for(settings: IndexSettings) -> Embedder:
    """The model an index was built with: its recorded path, or the packaged
    default when the index names it (the path may differ between machines)."""
    if settings.model_name == DEFAULT_MODEL_NAME:
        embedder = load_embedder(None)
    elif Path(settings.model_path).is_dir() or settings.model_path.startswith("hash:"):
        embedder = load_embedder(settings.model_path)
    else:
        raise ModelError(
            f"this index was built with model '{settings.model_name}' at {settings.model_path}, "
            "which is not on this machine; pass --model PATH pointing at the same model"
        )
    settings.check_model(embedder.name, embedder.dim)
    return embedder
