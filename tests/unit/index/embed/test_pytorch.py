"""The PyTorch precisions: bf16 gives the vectors fp32 gives (so one index holds either)."""

from __future__ import annotations

import numpy as np
import pytest

from index.embed import load_embedder
from tests.conftest import SEED, shared


@pytest.mark.slow
def test_bf16_vectors_agree_with_fp32_to_cosine_0_999():
    text = (shared(SEED) / "carney-trump-white-house.txt").read_text(encoding="utf-8")
    texts = [s for s in (x.strip() for x in text.replace("\n", " ").split(". ")) if s][:40]
    texts += ["", "x " * 600]  # empty, and one longer than the model takes (truncated)
    fp32, bf16 = load_embedder(None, "fp32"), load_embedder(None, "bf16")
    assert (fp32.precision, bf16.precision) == ("fp32", "bf16")
    a, b = fp32.encode(texts), bf16.encode(texts)
    assert a.shape == b.shape == (len(texts), 384) and b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.999, cos.min()  # README "Embedding": bf16 agrees with fp32 to cosine > 0.999
