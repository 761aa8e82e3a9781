"""The typed results every interface returns: one shape, one ``to_dict``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: where it is in its article, and how it scored."""

    article_id: str
    title: str
    text: str
    start: int
    end: int
    score: float
    chunk_id: int = -1
    date: str | None = None
    source: str | None = None
    url: str | None = None
    dense_score: float | None = None
    bm25_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """One cited sentence: ``start``/``end`` are offsets of the sentence in the article.
    ``page`` is its page in a PDF (None for other articles); ``also_in`` lists the other
    outlets that ran the same story (``{"article_id", "title", "source", "date", "url"}``)."""

    n: int
    article_id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    sentence: str
    passage: str
    start: int
    end: int
    score: float
    passage_start: int = 0
    passage_end: int = 0
    speaker: str | None = None  # who the sentence quotes, when it is a quote and that is known
    page: int | None = None
    also_in: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"also_in": [dict(m) for m in self.also_in]}  # a list, as JSON gives it back


STATUSES = ("answer", "tentative", "declined")


@dataclass(frozen=True)
class Answer:
    """A short extractive answer; each sentence is followed by its ``[n]``.

    ``status`` is ``answer`` (confident), ``tentative`` (the best sentences, which may
    not answer: ``note`` says why) or ``declined`` (no sentence; ``abstained`` is true,
    ``note`` says so in plain words and ``abstain_reason`` gives the figures).
    ``confidence`` is the calibrated probability that the answer is right."""

    question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    abstain_reason: str | None = None
    query: str = ""
    status: str = "answer"
    confidence: float = 1.0
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "status": self.status,
            "confidence": round(self.confidence, 3),
            "note": self.note,
            "abstained": self.abstained,
            "abstain_reason": self.abstain_reason,
            "query": self.query,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


@dataclass(frozen=True)
class IndexStats:
    """What ``Assistant.stats()`` reports about one index."""

    index: str
    articles: int
    chunks: int
    model: str
    model_path: str
    dimension: int
    chunk_size: int
    chunk_overlap: int
    tokenizer: str
    vector_index: str
    bytes_on_disk: int
    copy_groups: list[dict[str, Any]] = field(default_factory=list)  # see Assistant.copy_groups

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Counts:
    """Articles and chunks in an index."""

    articles: int
    chunks: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)
