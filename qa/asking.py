"""Asking: what :meth:`qa.Assistant.search`, ``.ask``, ``.evidence`` and ``.answer_from`` do.

A request is checked and given one snapshot of the index (:func:`check`); a follow-up
is rewritten with the history (:mod:`qa.rewrite`); passages are retrieved (hybrid by
default, with the calibration's best-sentence step; the optional cross-encoder re-scores
the top :data:`RERANK_DEPTH`); the candidate sentences come from the top
:data:`ANSWER_PASSAGES` passages whatever ``k`` is (:mod:`qa.evidence`), and the answer
is composed from them and cited (:mod:`qa.compose`, :mod:`qa.citations`).

Plain functions over what they are given: the index (``store``) and the models, which
:class:`Models` (the assistant) loads on first use, so a BM25-only search never loads one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from index import Embedder, InputError, Snapshot, StorageEngine
from qa.calibration import Calibration
from qa.citations import answer_text, citations, one_copy
from qa.compose import NO_ANSWER, Composed, compose, words_of
from qa.evidence import Evidence, gather
from qa.names import respell, unknown
from qa.quotes import SayQuestion, parse_say_question
from qa.retrieve import MODES, Filters, SentenceStep, retrieve
from qa.rewrite import asks_overview, rewrite, speaker_swap
from qa.terms import weigher
from qa.types import Answer, Passage

if TYPE_CHECKING:
    from index.embed.pytorch import CrossEncoderReranker

MAX_QUESTION_CHARS = 2000
RERANK_DEPTH = 20  # candidates the optional cross-encoder re-scores
MAX_K = 100
DEFAULT_K = 5
ANSWER_PASSAGES = 5  # answers come from this many passages, however many are shown
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # controls, lone surrogates


class Models(Protocol):
    """The models asking uses, each loaded on first use (:class:`qa.Assistant` is one)."""

    @property
    def embedder(self) -> Embedder: ...

    @property
    def reranker(self) -> CrossEncoderReranker | None: ...

    @property
    def calibration(self) -> Calibration: ...

    def sentence_vectors(self, snap: Snapshot, records: Any) -> Any: ...


def search(
    models: Models,
    store: StorageEngine,
    query: str,
    k: int | None,
    mode: str,
    *,
    since: str | None,
    until: str | None,
    source: str | None,
) -> list[Passage]:
    """What :meth:`qa.Assistant.search` returns."""
    query, k, snap = check(store, query, k, mode)
    filters = Filters(since, until, source)
    qvec = models.embedder.encode([query])[0] if mode != "bm25" else None
    return _retrieve(models, snap, query, qvec, k, mode, filters, term_weights(snap))


def evidence(
    models: Models,
    store: StorageEngine,
    question: str,
    k: int | None,
    history: Sequence[Any] | None,
    mode: str,
    *,
    since: str | None,
    until: str | None,
    source: str | None,
    calibration: Calibration | None,
) -> Evidence:
    """What :meth:`qa.Assistant.evidence` returns."""
    t0 = time.perf_counter()
    question, k, snap = check(store, question, k, mode)
    filters = Filters(since, until, source)
    query = rewrite(question, history)
    if asks_overview(query) and not filters.active and store.counts().get("articles") == 1:
        query = store.articles()[0].title  # a one-article index: its headline says what it is about
    t1 = time.perf_counter()
    weight = term_weights(snap)
    swap = speaker_swap(question, history)
    if swap is not None:  # "What about Carney?" after a say-question: Carney's words, if quoted
        found = _gather(models, snap, swap.query, k, mode, filters, weight, calibration)
        if words_of(found[2], SayQuestion(swap.speaker, None)):
            query = swap.query
        else:
            found = _gather(models, snap, query, k, mode, filters, weight, calibration)
    else:
        found = _gather(models, snap, query, k, mode, filters, weight, calibration)
    passages, top, candidates, timings = found
    timings = {"rewrite": (t1 - t0) * 1000} | timings
    return Evidence(question, query, tuple(passages), tuple(candidates), weight, len(top), timings, t0, snap)


def _gather(
    models: Models,
    snap: Snapshot,
    query: str,
    k: int,
    mode: str,
    filters: Filters,
    weight: Any,
    calibration: Calibration | None,
) -> tuple[list[Passage], list[Passage], list[Any], dict[str, float]]:
    """The passages shown, those answers come from, their candidate sentences, and timings."""
    t1 = time.perf_counter()
    qvec = models.embedder.encode([query])[0] if mode != "bm25" else None
    t2 = time.perf_counter()
    # Answers come from the top five whatever k is (k only says how many are shown).
    depth = max(k, min(ANSWER_PASSAGES, len(snap)))
    found = one_copy(snap, _retrieve(models, snap, query, qvec, depth, mode, filters, weight, calibration))
    t3 = time.perf_counter()
    top = found[:ANSWER_PASSAGES]
    vectors = models.sentence_vectors(snap, {p.chunk_id: p for p in top}) if qvec is not None else {}
    candidates = gather(query, qvec, top, weight, vectors, snap.text_before)
    return found[:k], top, candidates, {"embed": (t2 - t1) * 1000, "retrieve": (t3 - t2) * 1000}


def answer_from(
    models: Models, store: StorageEngine, found: Evidence, calibration: Calibration | None
) -> Answer:
    """What :meth:`qa.Assistant.answer_from` returns."""
    t3 = time.perf_counter()
    snap = found.snapshot or store.snapshot()
    composed = compose_from(found, calibration or models.calibration, snap)
    t4 = time.perf_counter()
    cited = citations(composed, snap)
    text = answer_text(composed.picked, cited)
    timings = found.timings_ms | {"compose": (t4 - t3) * 1000, "total": (t4 - found.started) * 1000}
    return Answer(
        question=found.question,
        answer=text or NO_ANSWER,
        abstained=composed.status == "declined",
        citations=cited,
        passages=found.passages,
        timings_ms=timings,
        abstain_reason=composed.reason if composed.status == "declined" else None,
        query=found.query,
        status=composed.status,
        confidence=composed.confidence,
        note=composed.note,
    )


def compose_from(found: Evidence, calibration: Calibration, snap: Snapshot) -> Composed:
    """The answer composed from ``found`` as :meth:`qa.Assistant.ask` gives it, names read
    against ``snap`` (:mod:`qa.names`): a say-question's slips spelled as the passages have
    them ("What did Carny say ...?": Carney; its own notes say what the articles lack), and
    any other question naming what no chunk holds declined."""
    say = parse_say_question(found.query)
    near = [c.sentence for c in found.candidates]
    if say is not None and near:
        say = respell(say, snap.dfs, near)
    missing = unknown(found.query, snap.dfs, near) if near and say is None else []
    composed = compose(
        found.query, found.candidates, calibration, found.weight, say, found.answer_passages, missing
    )
    if composed.status == "declined" and asks_overview(found.query):  # several articles: which one?
        note = (
            "That asks what the articles are about as a whole, and there are several; ask about "
            "something in them, or see the list of articles (the Library tab, or qa stats --articles)."
        )
        composed = replace(composed, note=note)
    return composed


def check(store: StorageEngine, question: str, k: int | None, mode: str) -> tuple[str, int, Snapshot]:
    """The cleaned question, the number of passages, and this request's snapshot."""
    if not isinstance(question, str):
        raise InputError("the question must be text")
    question = " ".join(_CONTROL.sub(" ", question).split())
    if not question:
        raise InputError("the question is empty; type a question")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(
            f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}: shorten it"
        )
    if mode not in MODES:
        raise InputError(f"retrieval mode {mode!r} is unknown; use one of: {', '.join(MODES)}")
    snap = store.snapshot()  # newer articles from other writers; one consistent read
    chunks = len(snap)
    if chunks == 0:
        raise InputError("the index is empty; add articles first (qa ingest PATH --index DIR)")
    if k is None:
        return question, min(DEFAULT_K, chunks), snap
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InputError(f"k of {k!r} is not a positive whole number; ask for k >= 1")
    if k > chunks:
        raise InputError(f"k of {k} is larger than the index ({chunks} chunks); ask for k <= {chunks}")
    if k > MAX_K:
        raise InputError(f"k of {k} is more than the most passages shown ({MAX_K}); ask for k <= {MAX_K}")
    return question, k, snap


def _retrieve(
    models: Models,
    snap: Snapshot,
    query: str,
    qvec: Any,
    k: int,
    mode: str,
    filters: Filters,
    weight: Any,
    calibration: Calibration | None = None,
) -> list[Passage]:
    reranker = models.reranker
    step = _step(models, snap, weight, calibration) if mode == "hybrid" else None
    if reranker is None:
        return retrieve(snap, query, qvec, k, mode, filters, step)
    depth = min(len(snap), max(k, RERANK_DEPTH))
    pool = retrieve(snap, query, qvec, depth, mode, filters, step)
    scores = reranker.score(query, [f"{p.title}\n{p.text}" for p in pool])
    order = sorted(range(len(pool)), key=lambda i: (-scores[i], i))[:k]
    return [replace(pool[i], score=float(scores[i])) for i in order]


def _step(
    models: Models, snap: Snapshot, weight: Any, calibration: Calibration | None = None
) -> SentenceStep:
    cal = calibration or models.calibration
    return SentenceStep(
        weight,
        partial(models.sentence_vectors, snap),
        cal.rerank_coverage,
        cal.rerank_similarity,
        cal.rerank_depth,
    )


def term_weights(snap: Snapshot) -> Any:
    """Term weights for one snapshot: idf smoothed by English at large (qa.terms)."""
    return weigher(snap.df, len(snap))
