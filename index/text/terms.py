"""Terms: the one tokenizer shared by BM25 (index and query) and answer scoring.

Lower-case word tokens, English stop words removed, Snowball-stemmed."""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"\w\w+|\d", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202 - Stemmer.Stemmer
    import Stemmer

    return Stemmer.Stemmer("english", 100_000)  # the default cache (10,000 words) thrashes on news


# Lucene's English stop words (the list bm25s uses; tests/test_lexical.py checks they agree),
# plus the question words, which say what is asked, not what about.
STOPWORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the their then there
    these they this to was will with""".split()
) | frozenset({"what", "who", "whom", "which", "when", "where", "why", "how", "did", "does", "do"})


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens, English stopwords removed, Snowball-stemmed."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS]
    return _stemmer().stemWords(words) if words else []
