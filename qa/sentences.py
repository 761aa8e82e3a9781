"""Sentences of retrieved passages, analysed once and shared by retrieval (its
best-sentence step) and answering: their spans and BM25 terms, how much of a
question they cover, and their vectors (stored at ingest; computed here for an
index made before they were kept)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from index import SentenceVectors, chunk_sentences, sentence_spans, tokenize


@dataclass(frozen=True)
class Sentence:
    """One sentence of a passage: its span in the passage text, its BM25 terms
    and every prefix of five letters or more of those terms."""

    start: int
    end: int
    terms: frozenset[str]
    prefixes: frozenset[str]

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Sentence:
        terms = frozenset(tokenize(text[start:end]))
        return cls(start, end, terms, _prefixes(terms))


def _prefixes(terms: Iterable[str]) -> frozenset[str]:
    return frozenset(t[:k] for t in terms for k in range(5, len(t) + 1))


@lru_cache(maxsize=4096)
def sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of a passage, analysed once (cached by text: the same
    passages come back for many questions, in retrieval and in composing)."""
    return tuple(Sentence.of(text, a, b) for a, b in sentence_spans(text))


def coverage(
    query_terms: Mapping[str, float],
    sentence_terms: AbstractSet[str],
    prefixes: AbstractSet[str] | None = None,
) -> float:
    """Share of the query's term weight present in the sentence (prefix matches of
    five letters or more count 0.8: 'tariff' ~ 'tariffs', 'negotiat' ~ 'negotiated').
    ``prefixes`` are those of the sentence's terms when already known."""
    total = sum(query_terms.values())
    if total <= 0:
        return 0.0
    got = 0.0
    for term, weight in query_terms.items():
        if term in sentence_terms:
            got += weight
        elif len(term) >= 5:
            if prefixes is None:
                prefixes = _prefixes(sentence_terms)
            # a sentence term starts with this term, or this term starts with one of 5+ letters
            if term in prefixes or any(term[:k] in sentence_terms for k in range(5, len(term))):
                got += 0.8 * weight
    return got / total


def similarities(
    vectors: SentenceVectors | None, text: str, query_vector: np.ndarray | None
) -> list[float | None]:
    """Cosine of the question with each sentence of :func:`sentences` of ``text``
    (None for a sentence without a stored vector)."""
    analysed = sentences(text)
    if vectors is None or query_vector is None or not len(vectors):
        return [None] * len(analysed)
    cos = (vectors.vectors @ np.asarray(query_vector, dtype=np.float32)).tolist()
    by_span = {(int(a), int(b)): c for (a, b), c in zip(vectors.spans.tolist(), cos, strict=True)}
    return [by_span.get((s.start, s.end)) for s in analysed]


class SentenceVectorCache:
    """Sentence vectors of chunks by id: decoded from the store, or, for a chunk stored
    before they were kept, computed from its indexed text with the model (one pass
    per chunk) and kept here. Chunk ids are never reused, so entries never go stale."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._items: OrderedDict[int, SentenceVectors] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self, snap: Any, records: Mapping[int, Any], embed: Any | None = None
    ) -> dict[int, SentenceVectors]:
        """Vectors of the chunks in ``records`` (``{id: ChunkRecord}``); ``embed`` is the
        embedder for chunks stored without them (left out when None)."""
        out: dict[int, SentenceVectors] = {}
        with self._lock:
            for cid in records:
                hit = self._items.get(cid)
                if hit is not None:
                    self._items.move_to_end(cid)
                    out[cid] = hit
        wanted = [cid for cid in records if cid not in out]
        if not wanted:
            return out
        blobs = snap.sentence_blobs(wanted)
        older = [cid for cid in wanted if blobs.get(cid) is None and cid in blobs]
        for cid in wanted:
            blob = blobs.get(cid)
            if blob is not None:
                out[cid] = SentenceVectors.from_blob(blob)
        if older and embed is not None:
            out.update(_compute(embed, {cid: records[cid] for cid in older}))
        with self._lock:
            for cid in wanted:
                if cid in out:
                    self._items[cid] = out[cid]
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return out


def _compute(embed: Any, records: Mapping[int, Any]) -> dict[int, SentenceVectors]:
    from index import indexed_text

    ids = list(records)
    texts = [indexed_text(records[c].title, records[c].text) for c in ids]
    spans = [chunk_sentences(records[c].text) for c in ids]
    shifted = [
        [(a + len(t) - len(records[c].text), b + len(t) - len(records[c].text)) for a, b in s]
        for c, t, s in zip(ids, texts, spans, strict=True)
    ]
    _, parts = embed.encode_spans(texts, shifted)
    return {
        c: SentenceVectors(np.asarray(s, dtype=np.int64).reshape(-1, 2), p)
        for c, s, p in zip(ids, spans, parts, strict=True)
    }


def best(values: Sequence[float | None], default: float = 0.0) -> float:
    """The largest of the values that are known."""
    known = [v for v in values if v is not None]
    return max(known) if known else default
