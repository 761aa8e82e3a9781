"""sentence-transformers on PyTorch (``fp32``, ``bf16``) and the optional cross-encoder.
The only module that imports sentence-transformers (and with it torch)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embed import Spans, check_folder, model_name_for, normalise, pool_spans
from index.errors import ModelError


def _quiet_transformers() -> None:
    """No download progress bars or advisory warnings from transformers (nothing is downloaded)."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover - a dependency of sentence-transformers
        pass


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local directory, on CPU, in
    fp32 or bf16 (vectors are float32 either way, renormalised after the cast)."""

    def __init__(
        self, path: str, name: str | None = None, batch_size: int = 32, precision: str = "fp32"
    ) -> None:
        p = Path(path)
        check_folder(path)
        if precision not in ("fp32", "bf16"):
            raise ModelError(
                f"precision {precision} does not run through PyTorch: use load_embedder(path, {precision!r})"
            )
        self.precision = precision
        _quiet_transformers()
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
        return normalise(np.ascontiguousarray(vecs, dtype=np.float32))

    def encode_spans(
        self, texts: Sequence[str], spans: Sequence[Spans], *, progress: bool = False
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        outs: list[dict[str, Any]] = self._model.encode(
            list(texts), batch_size=self.batch_size, output_value=None, show_progress_bar=progress
        )
        offsets = self._model.tokenizer(
            list(texts), return_offsets_mapping=True, truncation=True, max_length=self.max_tokens + 2
        )["offset_mapping"]
        vecs = np.zeros((len(texts), self.dim), dtype=np.float32)
        parts = []
        for i, (out, offs, want) in enumerate(zip(outs, offsets, spans, strict=True)):
            vecs[i] = out["sentence_embedding"].float().numpy()
            n = int(out["attention_mask"].sum())
            hidden = out["token_embeddings"][:n].float().numpy()
            parts.append(pool_spans(hidden, offs[:n], want))
        return normalise(vecs), parts

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        tok = self._model.tokenizer
        ids = tok(list(texts), add_special_tokens=False, truncation=False)["input_ids"]
        return [len(x) for x in ids]


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder loaded from a local folder, scoring
    (query, passage) pairs; higher is more relevant. Off unless a path is given."""

    def __init__(self, path: str, batch_size: int = 32) -> None:
        p = Path(path)
        if not (p / "config.json").is_file():
            raise ModelError(
                f"reranker path {path!r} is not a model folder (no config.json); give a local folder"
            )
        _quiet_transformers()
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
