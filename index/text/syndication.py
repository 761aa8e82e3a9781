"""Syndicated copies: the same story (a wire report lightly edited by several
outlets) found by MinHash over word shingles, with LSH banding for candidates.

An article's text becomes its set of word 5-shingles (lower-cased words, numbers
kept); a 128-value MinHash (datasketch) estimates the Jaccard similarity of two
such sets. Candidates share one of 64 bands of 2 values (as datasketch's
``MinHashLSH`` does; here the band keys are plain integers that SQLite can index,
see :mod:`index.storage.extras`), and a candidate is a copy when the estimate is
at least :data:`THRESHOLD`; texts under :data:`MIN_WORDS` words take no part.
Copies are grouped transitively (single link), never dropped; one member
represents the group (:func:`representative`).

``python -m eval.syndication`` measures precision and recall of this detector.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

NUM_PERM = 128
BANDS = 64  # of 2 values: a pair at the threshold (J = 0.3) is a candidate with p = 0.998
ROWS = NUM_PERM // BANDS
SHINGLE = 5  # words per shingle
THRESHOLD = 0.3  # estimated Jaccard of the shingle sets at or above which two texts are copies
MIN_WORDS = 40  # shorter texts (briefs, notes) are never called copies: a word or two apart is most of them
SEED = 1
SCHEME = "affine32"  # named, so stored signatures stay comparable across datasketch versions
_WORD = re.compile(r"\w+")
_META = ("date", "source", "url", "author")


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """The text's word ``size``-grams (lower case; a text shorter than that is one shingle)."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def long_enough(text: str) -> bool:
    """Whether the text is long enough to be judged a copy of another (:data:`MIN_WORDS`)."""
    return len(_WORD.findall(text)) >= MIN_WORDS


@lru_cache(maxsize=1)
def _permutations() -> Any:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations  # made once: costly per MinHash


def signature(text: str) -> np.ndarray:
    """The text's MinHash: ``NUM_PERM`` unsigned 64-bit values."""
    from datasketch import MinHash

    mh = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_permutations(), scheme=SCHEME)
    mh.update_batch([s.encode("utf-8") for s in sorted(shingles(text))])
    return np.asarray(mh.hashvalues, dtype=np.uint64)


def to_blob(sig: np.ndarray) -> bytes:
    return np.ascontiguousarray(sig, dtype="<u8").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u8")


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band: two signatures that share a key are candidates."""
    raw = np.ascontiguousarray(sig, dtype="<u8").tobytes()
    step = ROWS * 8
    keys = []
    for b in range(BANDS):
        digest = hashlib.blake2b(bytes([b]) + raw[b * step : (b + 1) * step], digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The Jaccard similarity of the two texts' shingle sets, as the MinHashes estimate it."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def is_copy(a: np.ndarray, b: np.ndarray) -> bool:
    return similarity(a, b) >= THRESHOLD


def group(signatures: Mapping[str, np.ndarray]) -> list[list[str]]:
    """Groups of two or more copies (sorted ids, groups sorted), found in memory the
    same way the index finds them: band candidates, then the similarity check."""
    buckets: dict[int, list[str]] = {}
    for aid, sig in signatures.items():
        for key in band_keys(sig):
            buckets.setdefault(key, []).append(aid)
    parent = {aid: aid for aid in signatures}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for ids in buckets.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if find(a) != find(b) and is_copy(signatures[a], signatures[b]):
                    parent[find(a)] = find(b)
    comps: dict[str, list[str]] = {}
    for aid in signatures:
        comps.setdefault(find(aid), []).append(aid)
    return sorted(sorted(c) for c in comps.values() if len(c) > 1)


def representative(members: Iterable[Mapping[str, Any]]) -> str:
    """The copy an answer cites: the earliest dated (undated last), then the one with
    the most metadata (date, source, url, author), then the smallest id."""

    def key(m: Mapping[str, Any]) -> tuple[int, str, int, str]:
        day = str(m.get("date") or "")
        filled = sum(1 for f in _META if m.get(f))
        return (0 if day else 1, day, -filled, str(m["id"]))

    return min(members, key=key)["id"]


def pairs(groups: Sequence[Sequence[str]]) -> set[tuple[str, str]]:
    """Every pair of ids that share a group (each pair once, in sorted order)."""
    return {(a, b) for g in groups for i, a in enumerate(sorted(g)) for b in sorted(g)[i + 1 :]}
