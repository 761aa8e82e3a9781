"""``precision=auto``: the engine measured fastest here for the work at hand.

An :class:`AutoEmbedder` starts on the precision that is quickest to start and to
answer a question (on every CPU measured so far, int8 through ONNX Runtime: no torch
import, a few ms a question). Before a batch of an ingest it is told how many
passages are still to come (:meth:`AutoEmbedder.plan`); when the precision that
encodes passages fastest would finish that work sooner even after paying its own
start-up, it loads that one and encodes the rest with it. The vectors of every
precision agree with fp32's (bf16 to a cosine above 0.999, ``tests/unit/index/embed/test_pytorch.py``;
int8 to above 0.985 on average, ``tests/unit/index/embed/test_onnxint8.py``), so one index
holds either, and the model's name, dimension, token limit and tokenizer are the same.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.config import default_cache_dir
from index.embed import Embedder, Spans, load_precision
from index.embed.precision import Choice, Profile, profile

log = logging.getLogger(__name__)

SWITCH_GAIN = 0.8  # switch only when the bulk engine finishes in at most this share of the time


class AutoEmbedder:
    """The query precision, switching to the bulk one for large encodes."""

    def __init__(self, path: str, name: str, cache: Path | None = None, found: Profile | None = None) -> None:
        self.path = str(Path(path).resolve())
        self.name = name
        self._cache = cache or default_cache_dir()
        self._profile = found
        self._engines: dict[str, Embedder] = {}
        self._active: str | None = None
        self._lock = threading.Lock()

    # -- what was measured and chosen -------------------------------------------
    @property
    def profile(self) -> Profile:
        """This machine's figures for the model (measured once, then cached)."""
        if self._profile is None:
            self._profile = profile(self.path, self._cache)
        return self._profile

    def choice(self, workload: str) -> Choice:
        return self.profile.choose(workload)

    @property
    def precision(self) -> str:
        """The precision encoding now."""
        return self._active or self.choice("query").precision

    # -- engines ---------------------------------------------------------------
    def _engine(self, precision: str) -> Embedder:
        with self._lock:
            engine = self._engines.get(precision)
            if engine is None:
                engine = self._engines[precision] = self._load(precision)
            if self._active is None:
                self._active = precision
            return engine

    def _load(self, precision: str) -> Embedder:
        from index.errors import ModelError

        try:
            return load_precision(self.path, self.name, precision, self._cache)
        except ModelError as exc:
            if precision == "fp32":
                raise
            log.warning("precision %s could not run here (%s); using fp32", precision, exc)
            return load_precision(self.path, self.name, "fp32", self._cache)

    @property
    def _current(self) -> Embedder:
        return self._engine(self._active or self.choice("query").precision)

    def plan(self, passages: int) -> None:
        """About ``passages`` texts are to be encoded from now on: switch to the bulk
        precision if it would do them sooner, its start-up included."""
        now, bulk = self.precision, self.choice("bulk").precision
        if bulk == now:
            return
        have, fast = self.profile.figures(now), self.profile.figures(bulk)
        if have is None or fast is None or not have.passages_per_s or not fast.passages_per_s:
            return
        stay = passages / have.passages_per_s
        startup = 0.0 if bulk in self._engines else fast.startup_s or 0.0
        move = startup + passages / fast.passages_per_s
        if move <= SWITCH_GAIN * stay:
            log.warning(
                "about %d passages to embed: switching from %s (%.0f/s) to %s (%.0f/s here)",
                passages, now, have.passages_per_s, bulk, fast.passages_per_s,
            )  # fmt: skip
            self._engine(bulk)
            self._active = bulk

    # -- the Embedder protocol --------------------------------------------------
    @property
    def dim(self) -> int:
        return self._current.dim

    @property
    def max_tokens(self) -> int:
        return self._current.max_tokens

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self._current.encode(texts, progress=progress)

    def encode_spans(
        self, texts: Sequence[str], spans: Sequence[Spans], *, progress: bool = False
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        return self._current.encode_spans(texts, spans, progress=progress)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._current.count_tokens(texts)
