"""Hybrid retrieval: BM25 and dense scores put on one scale and added,
optionally restricted by article date and source.

``hybrid`` fuses by z-scores: each score minus its mean over the whole
collection, divided by its standard deviation (both known exactly for this
query: BM25 scores every chunk anyway, and the vector index keeps the moments
of the stored vectors), then averaged with equal weights. ``rrf`` is plain
reciprocal rank fusion, kept for comparison; ``dense`` and ``bm25`` are the
single retrievers.

``hybrid`` then re-scores its best few candidates by their best sentence (a
:class:`SentenceStep`): a passage holding one sentence that covers most of the
question's terms, or that means what the question asks, beats one that spreads the
same words over several sentences. ``fusion`` is ``hybrid`` without that step, kept
to measure it.

The candidate pool (the top :data:`POOL` of each retriever) does not depend on how
many passages are asked for up to ``POOL / 4``, so the first five, which answers
come from, are the same whether 5 or 20 are shown."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from index import (
    ChunkRecord,
    InputError,
    Scores,
    SentenceVectors,
    Snapshot,
    article_day,
    fill_missing,
    tokenize,
)
from qa import fusion
from qa.sentences import best, coverage, sentences, similarities
from qa.types import Passage

MODES = ("hybrid", "fusion", "dense", "bm25", "rrf")
POOL = 80  # candidates taken from each retriever (at least; 4 k when more are asked for)


@dataclass(frozen=True)
class SentenceStep:
    """Re-score the best ``depth`` fused candidates: add ``coverage`` x their best
    sentence's coverage of the question and ``similarity`` x their best sentence's
    cosine with it (both never negative, so the rest keep their order below).
    ``weight`` weighs the question's terms; ``vectors`` gives the sentence vectors
    of chunk records."""

    weight: Callable[[str], float]
    vectors: Callable[[Mapping[int, ChunkRecord]], Mapping[int, SentenceVectors]]
    coverage: float = 2.0
    similarity: float = 0.0
    depth: int = 5


@dataclass(frozen=True)
class Filters:
    """Keep passages of articles dated ``since``..``until`` (ISO dates, inclusive)
    whose source or title contains ``source`` (case-insensitive). With a date
    bound set, articles without a date are left out."""

    since: str | None = None
    until: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                try:
                    date.fromisoformat(value)
                except (TypeError, ValueError) as exc:
                    raise InputError(f"{name} must be a date like 2025-10-07, not {value!r}") from exc
        if self.since and self.until and self.since > self.until:
            raise InputError(f"since ({self.since}) is after until ({self.until}); swap them")

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or (self.source and self.source.strip()))

    def allows(self, rec: ChunkRecord) -> bool:
        if self.since or self.until:
            day = article_day(rec.date)
            iso = day.isoformat() if day else ""
            if not iso or (self.since and iso < self.since) or (self.until and iso > self.until):
                return False
        needle = (self.source or "").strip().lower()
        return not needle or needle in (rec.source or "").lower() or needle in rec.title.lower()


def retrieve(
    snap: Snapshot,
    query: str,
    query_vector: np.ndarray | None,
    k: int,
    mode: str = "hybrid",
    filters: Filters | None = None,
    step: SentenceStep | None = None,
) -> list[Passage]:
    """Top ``k`` passages for the query. ``query_vector`` is needed unless mode is bm25;
    ``step`` is hybrid's best-sentence step (by default coverage alone, with BM25's idf)."""
    if mode not in MODES:
        raise InputError(f"retrieval mode {mode!r} is unknown; use one of {', '.join(MODES)}")
    if mode != "bm25" and query_vector is None:
        raise ValueError("dense retrieval needs the query vector")
    total = len(snap)
    depth = min(total, max(4 * k, POOL))
    if filters is not None and filters.active:
        depth = min(total, 4 * depth)
    bm25 = snap.bm25(query) if mode != "dense" else None
    dense_scores = snap.dense(query_vector) if query_vector is not None else None
    while True:
        dense = _top(dense_scores, depth) if mode != "bm25" else {}
        lexical = _top(bm25, depth) if mode != "dense" else {}
        records = None
        if filters is not None and filters.active:
            records = snap.chunks(list(dense.keys() | lexical.keys()))
            keep = {cid for cid, rec in records.items() if filters.allows(rec)}
            dense = {c: s for c, s in dense.items() if c in keep}
            lexical = {c: s for c, s in lexical.items() if c in keep}
        if mode in ("hybrid", "fusion"):
            assert dense_scores is not None
            fused = fusion.z_fuse(dense, lexical, dense_scores, bm25)
        elif mode == "rrf":
            fused = fusion.rrf([fusion.ranking(dense), fusion.ranking(lexical)])
        else:
            fused = fusion.single(dense if mode == "dense" else lexical)
        if len(fused) >= k or depth >= total:
            break
        depth = total  # a narrow filter: look at everything once
    if mode == "hybrid":
        step = step or SentenceStep(snap.idf, lambda records: {})
        fused, records = _sentence_rescore(snap, query, query_vector, fused, records, step)
    fused = fused[:k]
    top = [cid for cid, _ in fused]
    if dense_scores is not None:
        fill_missing(dense, dense_scores, top)
    records = _with_records(snap, records, top)
    out = []
    for cid, score in fused:
        r = records.get(cid)
        if r is None:  # removed between search and fetch
            continue
        out.append(
            Passage(
                article_id=r.article_id, title=r.title, text=r.text, start=r.start, end=r.end,
                score=float(score), chunk_id=cid, date=r.date, source=r.source, url=r.url,
                dense_score=dense.get(cid), bm25_score=lexical.get(cid),
            )
        )  # fmt: skip
    return out


def _top(scores: Scores | None, depth: int) -> dict[int, float]:
    if scores is None:
        return {}
    ids, values = scores.top(depth)
    return dict(zip(ids.tolist(), values.tolist(), strict=True))


def _sentence_rescore(
    snap: Snapshot,
    query: str,
    query_vector: np.ndarray | None,
    fused: list[tuple[int, float]],
    records: dict[int, ChunkRecord] | None,
    step: SentenceStep,
) -> tuple[list[tuple[int, float]], dict[int, ChunkRecord]]:
    """The top ``step.depth`` of ``fused`` re-ranked by fused score plus the bonus of
    their best sentence (see :class:`SentenceStep`); the rest keep their order below
    them (the bonus is never negative)."""
    head = fused[: step.depth]
    records = _with_records(snap, records, [c for c, _ in head])
    terms = {t: step.weight(t) for t in tokenize(query)}
    vectors = step.vectors({c: records[c] for c, _ in head if c in records}) if step.similarity else {}
    scored = []
    for cid, score in head:
        rec = records.get(cid)
        bonus = 0.0
        if rec is not None:
            cov = max((coverage(terms, s.terms, s.prefixes) for s in sentences(rec.text)), default=0.0)
            bonus = step.coverage * cov
            if step.similarity:
                bonus += step.similarity * max(
                    0.0, best(similarities(vectors.get(cid), rec.text, query_vector))
                )
        scored.append((cid, score + bonus))
    scored.sort(key=lambda cs: (-cs[1], cs[0]))
    return scored + fused[step.depth :], records


def _with_records(
    snap: Snapshot, records: dict[int, ChunkRecord] | None, ids: Sequence[int]
) -> dict[int, ChunkRecord]:
    """``records`` plus those of ``ids`` not fetched yet (one read for the missing only)."""
    have = records or {}
    missing = [c for c in ids if c not in have]
    return have | snap.chunks(missing) if missing else have
