"""Write the background term table shipped in ``qa/data/background-en.tsv.gz``
(``python -m eval.background``; needs ``pip install 'article-qa[data]'``).

How common each BM25 term (lower case, stemmed, as :func:`index.storage.bm25.index.tokenize`
makes it) is in English at large, from wordfreq's English word list (the
60,000 most frequent words, from Wikipedia, subtitles, news, books, web text and
more). Answer scoring weighs a question's terms by how rare they are; in a
collection of one article every passage shares the article's names, so rarity
within the collection says little, and the background says how telling a word is
anywhere (:mod:`qa.terms`). Words beyond the list count as rarer than its last.
Each line is ``term<TAB>zipf``, the Zipf frequency
(log10 of occurrences per billion words) of all words with that stem, two decimals.

Data: wordfreq (Robyn Speer et al., Apache-2.0 code; word frequencies CC BY-SA 4.0,
https://github.com/rspeer/wordfreq); the derived table is shared under the same terms.
"""

from __future__ import annotations

import argparse
import gzip
import math
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from index.text.terms import tokenize

TABLE = Path(__file__).resolve().parent.parent / "qa" / "data" / "background-en.tsv.gz"
WORDS = 60_000


def build(words: int = WORDS) -> dict[str, float]:
    """``{term: frequency per word}`` over wordfreq's ``words`` most frequent English words."""
    try:
        import wordfreq
    except ImportError as exc:
        raise SystemExit("this needs wordfreq: pip install 'article-qa[data]'") from exc
    freq: dict[str, float] = defaultdict(float)
    for word in wordfreq.top_n_list("en", words):
        f = wordfreq.word_frequency(word, "en")
        for term in tokenize(word):
            freq[term] += f
    return dict(freq)


def write(freq: dict[str, float], path: Path = TABLE) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("# term\tzipf (log10 per 1e9 words), from wordfreq (CC BY-SA 4.0); see eval/background.py\n")
        for term, f in rows:
            fh.write(f"{term}\t{math.log10(f * 1e9):.2f}\n")
    return len(rows)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.background", description=__doc__.split("\n\n")[0])
    p.add_argument("--words", type=int, default=WORDS, help=f"words of wordfreq's list (default {WORDS})")
    p.add_argument("--out", type=Path, default=TABLE, help=f"where to write (default {TABLE})")
    args = p.parse_args(argv)
    n = write(build(args.words), args.out)
    print(f"wrote {n:,} terms to {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
