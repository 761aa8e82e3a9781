"""The sentence vectors of a chunk: where each sentence is, and what it means.

At ingest, the model's pass over a chunk already computes a state per token; the
mean of the states of a sentence's tokens is that sentence's vector (in the
chunk's context: "he said" is read next to the sentence that names him), so
sentence vectors cost no second pass of the model. They are stored beside the
chunk's own vector as one blob: the sentences' spans (offsets into the chunk
text) and their unit vectors quantized to int8 with one scale per sentence
(dim + 12 bytes a sentence; cosines within ~0.002 of the float ones).

Layout, little-endian: ``n`` (uint32), ``dim`` (uint32), spans (``n x 2`` uint32),
scales (``n`` float32), vectors (``n x dim`` int8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.text.sentences import sentence_spans

_HEADER = np.dtype("<u4")


@dataclass(frozen=True)
class SentenceVectors:
    """``spans[i]`` is sentence i's ``(start, end)`` in the chunk text; ``vectors[i]`` its unit vector."""

    spans: np.ndarray  # (n, 2) int64
    vectors: np.ndarray  # (n, dim) float32

    def __len__(self) -> int:
        return len(self.spans)

    def to_blob(self) -> bytes:
        n, dim = self.vectors.shape
        peak = np.abs(self.vectors).max(axis=1) if n else np.zeros(0, dtype=np.float32)
        scales = np.where(peak > 0, peak / 127.0, 1.0).astype("<f4")
        codes = np.clip(np.rint(self.vectors / scales[:, None]), -127, 127).astype(np.int8)
        return b"".join(
            (
                np.asarray([n, dim], dtype=_HEADER).tobytes(),
                np.asarray(self.spans, dtype="<u4").reshape(n, 2).tobytes(),
                scales.tobytes(),
                codes.tobytes(),
            )
        )

    @classmethod
    def from_blob(cls, blob: bytes) -> SentenceVectors:
        """The stored form back; ValueError when the blob is not one."""
        if len(blob) < 8:
            raise ValueError("a sentence vector blob is shorter than its header")
        n, dim = (int(x) for x in np.frombuffer(blob, dtype=_HEADER, count=2))
        if len(blob) != 8 + n * 8 + n * 4 + n * dim:
            raise ValueError(f"a sentence vector blob of {len(blob)} bytes for {n} sentences of {dim}")
        spans = np.frombuffer(blob, dtype="<u4", count=2 * n, offset=8).reshape(n, 2).astype(np.int64)
        scales = np.frombuffer(blob, dtype="<f4", count=n, offset=8 + 8 * n)
        codes = np.frombuffer(blob, dtype=np.int8, count=n * dim, offset=8 + 12 * n).reshape(n, dim)
        vectors = codes.astype(np.float32) * scales[:, None]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return cls(spans, vectors / np.maximum(norms, 1e-12))


def chunk_sentences(text: str) -> list[tuple[int, int]]:
    """The sentence spans of a chunk's text that get a vector (all of them)."""
    return sentence_spans(text)
