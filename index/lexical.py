"""BM25 over chunks (bm25s), with one tokenizer shared by index and query."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

_TOKEN = re.compile(r"\w\w+|\d", re.UNICODE)


@lru_cache(maxsize=1)
def _bm25s():  # noqa: ANN202 - the bm25s module
    import logging

    import bm25s

    # bm25s sets its logger to DEBUG on import, which prints routine messages
    # through any configured handler; hand the level back to the application.
    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202 - Stemmer.Stemmer
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    _bm25s()
    from bm25s.stopwords import STOPWORDS_EN

    extra = {"what", "who", "whom", "which", "when", "where", "why", "how", "did", "does", "do"}
    return frozenset(STOPWORDS_EN) | extra


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens, English stopwords removed, Snowball-stemmed."""
    stop = _stopwords()
    words = [w for w in _TOKEN.findall(text.lower()) if w not in stop]
    return _stemmer().stemWords(words) if words else []


class LexicalIndex:
    """A BM25 index whose rows are chunk ids (``ids[row]``)."""

    def __init__(self, ids: np.ndarray, bm25: object | None) -> None:
        self.ids = ids
        self._bm25 = bm25
        self._df: dict[str, int] = {}
        if bm25 is not None:
            indptr = np.asarray(bm25.scores["indptr"])  # type: ignore[attr-defined]
            df = np.diff(indptr)
            vocab = bm25.vocab_dict.items()  # type: ignore[attr-defined]
            self._df = {tok: int(df[i]) for tok, i in vocab if tok and i < len(df)}

    @classmethod
    def build(cls, ids: Sequence[int], texts: Sequence[str]) -> LexicalIndex:
        if not texts:
            return cls(np.zeros(0, dtype=np.int64), None)
        bm25 = _bm25s().BM25(k1=1.2, b=0.75)
        bm25.index([tokenize(t) for t in texts], show_progress=False)
        return cls(np.asarray(ids, dtype=np.int64), bm25)

    def __len__(self) -> int:
        return len(self.ids)

    def idf(self, token: str) -> float:
        """BM25 idf of a (tokenized) term; unseen terms get the highest idf."""
        n = len(self.ids)
        df = self._df.get(token, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def score_all(self, query: str) -> np.ndarray | None:
        """BM25 score of every row for ``query``; None when no query term is indexed."""
        tokens = [t for t in tokenize(query) if t in self._df]
        if self._bm25 is None or not tokens:
            return None
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)  # type: ignore[attr-defined]

    def rows(self, chunk_ids: np.ndarray) -> np.ndarray:
        """Row of each chunk id (ids are stored sorted); -1 where absent."""
        pos = np.searchsorted(self.ids, chunk_ids)
        pos = np.minimum(pos, max(len(self.ids) - 1, 0))
        found = len(self.ids) > 0 and self.ids[pos] == chunk_ids
        return np.where(found, pos, -1)

    def top(self, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` ``(chunk_ids, scores)`` with a positive score, best first."""
        k = min(k, len(scores))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        best = best[scores[best] > 0]
        return self.ids[best], scores[best]

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` ``(chunk_ids, scores)`` with a positive score, best first."""
        scores = self.score_all(query)
        if scores is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return self.top(scores, k)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "ids.npy", self.ids, allow_pickle=False)
        if self._bm25 is not None:
            self._bm25.save(str(directory), allow_pickle=False)  # type: ignore[attr-defined]
        (directory / "lexical.json").write_text(json.dumps({"rows": len(self.ids)}))

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        ids = np.load(directory / "ids.npy", allow_pickle=False)
        if len(ids) == 0:
            return cls(ids, None)
        bm25 = _bm25s().BM25.load(str(directory), allow_pickle=False)
        return cls(ids, bm25)
