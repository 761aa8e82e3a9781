"""Pure evaluation metrics: SQuAD-style answer matching, ranking metrics and small statistics.

Everything here is a plain function over built-in types; nothing imports a model or a third-party library,
so the module is cheap to import and easy to test.

Punctuation choice in :func:`normalize_answer`: we remove every character of ASCII ``string.punctuation``
(exactly what the official SQuAD v1.1 script removes, which includes ASCII symbols such as ``$``, ``%``,
``+`` and ``|``) and, in addition, every non-ASCII character whose Unicode category starts with ``"P"``
(curly quotes “ ” ‘ ’, en/em dashes, the ellipsis …, « », ¿ and so on). Non-ASCII *symbols* (category
``"S"``: € £ ° © ±) are kept, since they often carry meaning in an answer. On ASCII input the result is
therefore identical to the official script, so exact-match numbers stay comparable with published ones.
Like the official script, punctuation is deleted, not replaced by a space: "Denver-based" and
"Denver–based" both become "denverbased".
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections.abc import Mapping, Sequence

__all__ = [
    "answer_contains",
    "dedupe",
    "first_hit_rank",
    "hit_at_k",
    "mean",
    "ndcg_at_k",
    "normalize_answer",
    "percentile",
    "reciprocal_rank",
    "span_contains",
]

_ASCII_PUNCT = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def _is_punct(ch: str) -> bool:
    if ch in _ASCII_PUNCT:
        return True
    return not ch.isascii() and unicodedata.category(ch).startswith("P")


def normalize_answer(s: str) -> str:
    """SQuAD v1.1 normalization: lower-case, drop punctuation, drop articles a/an/the, collapse whitespace.

    Punctuation is ASCII ``string.punctuation`` plus Unicode category ``P*``; see the module docstring.
    """
    text = s.lower()
    text = "".join(ch for ch in text if not _is_punct(ch))
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def _contains_tokens(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def answer_contains(answer: str, golds: Sequence[str]) -> bool:
    """True when some gold answer, normalized, occurs in the normalized answer as a whole-token sequence.

    Golds that normalize to the empty string (e.g. "", "the", "...") are ignored, so they never match.
    A bare string passed as ``golds`` is treated as a single gold answer, not as a sequence of characters.
    """
    if isinstance(golds, str):
        golds = [golds]
    tokens = normalize_answer(answer).split()
    for gold in golds:
        gold_tokens = normalize_answer(gold).split()
        if gold_tokens and _contains_tokens(tokens, gold_tokens):
            return True
    return False


def first_hit_rank(hits: Sequence[bool]) -> int | None:
    """1-based rank of the first true value in ``hits``; None when there is none."""
    for i, hit in enumerate(hits, start=1):
        if hit:
            return i
    return None


def hit_at_k(rank: int | None, k: int) -> float:
    """1.0 when the first hit is at rank ``k`` or better, else 0.0 (also for ``rank is None``)."""
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None, k: int = 10) -> float:
    """Reciprocal rank cut at ``k``: ``1 / rank`` when ``rank <= k``, else 0.0 (also for ``rank is None``).

    Raises ValueError for a rank below 1.
    """
    if rank is None or rank > k:
        return 0.0
    if rank < 1:
        raise ValueError(f"rank must be >= 1, got {rank}")
    return 1.0 / rank


def dedupe(items: Sequence[str]) -> list[str]:
    """The items without repeats, each kept at its first occurrence."""
    return list(dict.fromkeys(items))


def ndcg_at_k(ranked: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float:
    """Document-level nDCG@k, computed like trec_eval's ``ndcg_cut_k``.

    ``ranked`` is deduplicated (first occurrence kept) before the cut at ``k``. The gain of a document is its
    relevance grade in ``qrels`` (linear; unjudged documents and grades <= 0 give 0), discounted by
    ``1 / log2(rank + 1)``. The ideal DCG uses the positive grades of ``qrels`` sorted descending, cut at
    ``k``. Returns 0.0 when ``qrels`` holds no positive grade (or ``k <= 0``).
    """
    if k <= 0:
        return 0.0
    ideal_gains = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
    if not ideal_gains:
        return 0.0
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal_gains, start=1))
    dcg = 0.0
    for i, doc in enumerate(dedupe(ranked)[:k], start=1):
        grade = qrels.get(doc, 0)
        if grade > 0:
            dcg += grade / math.log2(i + 1)
    return dcg / idcg


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0 <= q <= 100) by linear interpolation, like ``numpy.percentile``.

    Returns 0.0 for empty input; raises ValueError for ``q`` outside [0, 100].
    """
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"q must be in [0, 100], got {q}")
    if len(values) == 0:
        return 0.0
    ordered = sorted(float(v) for v in values)
    pos = (len(ordered) - 1) * (q / 100.0)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    frac = pos - lo
    a, b = ordered[lo], ordered[hi]
    if frac == 0.0 or a == b:
        return a
    return a + (b - a) * frac


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean (computed with ``math.fsum``); 0.0 for empty input."""
    if len(values) == 0:
        return 0.0
    return math.fsum(values) / len(values)


def span_contains(outer_start: int, outer_end: int, start: int, end: int) -> bool:
    """True when the half-open span ``[start, end)`` lies inside ``[outer_start, outer_end)``.

    An inverted span (``end < start``) is never contained; an empty span at either boundary is.
    """
    if end < start:
        return False
    return outer_start <= start and end <= outer_end
