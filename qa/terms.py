"""How much a question's term says: its idf over the collection, smoothed by how
common the word is in English at large.

BM25's idf is ``log(1 + (N - df + 0.5) / (df + 0.5))`` over the ``N`` passages of
the collection. On a collection of one article (``N`` = 3) it is degenerate: the
article's own names are in every passage and weigh nothing, and a word seen once
weighs as much as a rare name. So the collection's counts are smoothed with a
prior: :data:`PRIOR_PASSAGES` pseudo-passages of ordinary English, in which a term
appears as often as the background table says (``qa/data/background-en.tsv.gz``,
see :mod:`eval.background`): ``df' = df + P * p(term)``, ``N' = N + P``, where
``p(term) = 1 - exp(-L * f)`` is the chance that a passage of ``L`` words holds a
word of frequency ``f``. A big collection's own counts dominate (SciFact, 12,862
passages: the prior is 7% of the evidence); on the seed article alone (3 passages)
"Trump", "said" and "tariff" weigh 4.0, 1.9 and 5.6 instead of BM25's 0.13, 0.47, 0.47.
Retrieval's BM25 is not changed: only the weights of answer scoring.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "data" / "background-en.tsv.gz"
PRIOR_PASSAGES = 1000
PASSAGE_WORDS = 150


@lru_cache(maxsize=1)
def background() -> tuple[dict[str, float], float]:
    """``({term: frequency per word}, frequency of a term not in the table)``."""
    table: dict[str, float] = {}
    with gzip.open(TABLE, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            term, zipf = line.rstrip("\n").split("\t")
            table[term] = 10 ** (float(zipf) - 9)
    rarest = min(table.values()) if table else 1e-9
    return table, rarest / 3  # past the list's end: rarer than anything in it


def background_rate(term: str) -> float:
    """Chance that a passage of ordinary English holds ``term``."""
    table, unseen = background()
    return 1.0 - math.exp(-PASSAGE_WORDS * table.get(term, unseen))


def weigher(df: Callable[[str], int], n: int, prior: int = PRIOR_PASSAGES) -> Callable[[str], float]:
    """The weight of a (tokenized) term given the collection's ``df`` and size ``n``."""
    total = n + prior

    def weight(term: str) -> float:
        seen = df(term) + prior * background_rate(term)
        return math.log(1.0 + (total - seen + 0.5) / (seen + 0.5))

    return weight
