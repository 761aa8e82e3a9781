"""What answering learned from data, per embedding model and precision.

``python -m eval.calibrate`` fits, on question sets it names in the file, and saves
as ``qa/calibration/<model>-<precision>.json``:

* ``sentence``: the weights of :class:`qa.evidence.SentenceModel` (which sentence answers);
* ``rerank``: how much a passage's best sentence moves it among the top passages;
* ``confidence``: a logistic model from the evidence of the best sentence to the
  probability that the answer is right (:class:`ConfidenceModel`), and the two
  thresholds that make an answer confident, tentative or declined;

A model with no file of its own uses ``default.json``: hand-set, lexical weights
(the hashing test model's cosines mean little) and thresholds on coverage. The
file an assistant uses is ``Assistant.calibration.source``; ``qa eval`` records it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from qa.evidence import FEATURES, SentenceModel

FOLDER = Path(__file__).resolve().parent / "calibration"
# The best sentence's model score, its lead over the next, its cosine with the question, its
# coverage of the question, the best passage's cosine, and whether it quotes the speaker a
# "What did X say about Y?" question asks for on Y.
CONFIDENCE_FEATURES = ("score", "margin", "similarity", "coverage", "passage", "quoted")
FORMAT = 1


@dataclass(frozen=True)
class ConfidenceModel:
    """``P(right) = 1 / (1 + exp(-(weights . features + bias)))`` over :data:`CONFIDENCE_FEATURES`."""

    weights: tuple[float, ...]
    bias: float

    def probability(self, features: Sequence[float]) -> float:
        z = self.bias + sum(w * f for w, f in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class Calibration:
    model: str
    precision: str | None
    sentence: SentenceModel
    confidence: ConfidenceModel
    answer_at: float  # confidence at or above which an answer is given as it is
    tentative_at: float  # ... at or above which it is given, marked tentative; below: declined
    rerank_coverage: float = 2.0  # added to a passage's fused z-score per unit of best-sentence coverage
    rerank_similarity: float = 0.0  # ... and per unit of best-sentence similarity
    rerank_depth: int = 5
    source: str = ""
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "model": self.model,
            "precision": self.precision,
            "sentence": {"features": list(FEATURES), "weights": list(self.sentence.weights)},
            "rerank": {
                "coverage": self.rerank_coverage,
                "similarity": self.rerank_similarity,
                "depth": self.rerank_depth,
            },
            "confidence": {
                "features": list(CONFIDENCE_FEATURES),
                "weights": list(self.confidence.weights),
                "bias": self.confidence.bias,
                "answer_at": self.answer_at,
                "tentative_at": self.tentative_at,
            },
            **self.info,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "") -> Calibration:
        if data.get("format") != FORMAT:
            raise ValueError(f"calibration format {data.get('format')!r}, this code reads {FORMAT}")
        if list(data["sentence"]["features"]) != list(FEATURES):
            raise ValueError(f"sentence features {data['sentence']['features']} are not {list(FEATURES)}")
        conf = data["confidence"]
        if list(conf["features"]) != list(CONFIDENCE_FEATURES):
            raise ValueError(f"confidence features {conf['features']} are not {list(CONFIDENCE_FEATURES)}")
        known = {"format", "model", "precision", "sentence", "rerank", "confidence"}
        return cls(
            model=str(data["model"]),
            precision=data.get("precision"),
            sentence=SentenceModel(tuple(float(w) for w in data["sentence"]["weights"])),
            confidence=ConfidenceModel(tuple(float(w) for w in conf["weights"]), float(conf["bias"])),
            answer_at=float(conf["answer_at"]),
            tentative_at=float(conf["tentative_at"]),
            rerank_coverage=float(data["rerank"]["coverage"]),
            rerank_similarity=float(data["rerank"]["similarity"]),
            rerank_depth=int(data["rerank"]["depth"]),
            source=source,
            info={k: v for k, v in data.items() if k not in known},
        )


def file_for(model: str, precision: str | None) -> Path:
    return FOLDER / f"{model}-{precision or 'any'}.json"


@lru_cache(maxsize=16)
def load(model: str, precision: str | None) -> Calibration:
    """The calibration for ``model`` run in ``precision``; another precision's of the
    same model when this one has none (their cosines agree to ~0.99); else the default."""
    tries = [file_for(model, precision)]
    tries += sorted(p for p in FOLDER.glob(f"{model}-*.json") if p not in tries)
    tries.append(FOLDER / "default.json")
    for path in tries:
        if path.is_file():
            return Calibration.from_dict(json.loads(path.read_text(encoding="utf-8")), path.name)
    raise FileNotFoundError(f"{FOLDER / 'default.json'} is missing: the package is incomplete; reinstall it")
