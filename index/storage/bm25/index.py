"""Exact BM25 over immutable segments, with one tokenizer shared by index and query.

Scores equal bm25s's default ("lucene", k1=1.2, b=0.75) over the live rows only: the sum over the
query's tokens (a repeated token counts once per occurrence) of ``idf * tf / (tf + k1 * (1 - b +
b * dl / avgdl))``, ``idf = log(1 + (N - df + 0.5) / (df + 0.5))``, with N, df, avgdl over live rows.

Layout. An index is a tuple of immutable segments plus tombstones. Its rows are the segments' rows
in order, chunk ids ascending (SQLite AUTOINCREMENT: each update adds larger ids). A segment holds
chunk ids (int64), token counts (int32), its own sorted vocabulary (UTF-8 bytes plus offsets, found
by binary search, so opening one builds no dict) and CSC postings: ``indptr`` over its terms, int32
rows (ascending per term), float32 tf. Removed chunks are tombstones (sorted ids): their rows score
exactly 0 and N, df, avgdl skip them (df counts live postings, cached per term and index object).

Updates. ``updated()`` tokenizes only the added texts, into one new segment. Merges stack the stored
postings (no tokenizing) and drop removed rows and terms left without postings:
1. a segment with more than 20% of its rows removed is rewritten without them;
2. the two newest segments merge while the newest has at least half the rows of the one before, so
   sizes more than halve from oldest to newest and a row is merged about log2(N / batch) times;
3. beyond 8 segments the newest (smallest) ones merge into one.
A merge costs O(postings) numpy and O(vocabulary) Python work for the segments it merges; the rare
merge into the biggest segment rewrites it (seconds at a million rows) and the next save writes it.

Files. ``save(dir)`` writes ``lexical.json`` (format, k1, b, segments, counts), ``removed.npy`` and a
folder of .npy arrays per segment. A segment already on disk (loaded or saved before) is hard-linked
from those files while they are the same files (device, inode, size, mtime), otherwise written.
``load`` memory-maps the arrays and raises ValueError on anything inconsistent, an old bm25s index
included (the caller rebuilds from the records).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np

from index.storage.bm25.segments import SEGMENT_NAME, Part, Segment, apply_policy, read_array, tokenized
from index.text.terms import tokenize

FORMAT, VERSION, K1, B = "segmented-bm25", 1, 1.2, 0.75
_NO_IDS = np.zeros(0, dtype=np.int64)




class LexicalIndex:
    """BM25 over chunks; ``ids[row]`` is the chunk id of a row, ascending, removed rows included.

    Immutable: ``updated()`` returns a new index and leaves this one as it was."""

    def __init__(self, segments: Sequence[Segment] = (), removed: np.ndarray = _NO_IDS) -> None:
        self._segments = tuple(segments)
        self._starts = np.cumsum([0, *map(len, self._segments)]).tolist()
        if len(self._segments) == 1:
            self.ids, self._lengths = self._segments[0].ids, self._segments[0].lengths
        else:
            self.ids = np.concatenate([_NO_IDS, *(s.ids for s in self._segments)])
            self._lengths = np.concatenate([np.zeros(0, np.int32), *(s.lengths for s in self._segments)])
        self._removed = np.asarray(removed, dtype=np.int64)
        self._dead_rows = self._find(self._removed)
        if np.any(self._dead_rows < 0) or np.any(np.diff(self._removed) <= 0):
            raise ValueError("the removed chunk ids are not sorted, distinct ids of indexed rows")
        self._dead: np.ndarray | None = None
        live_lengths = self._lengths
        if len(self._removed):
            self._dead = np.zeros(len(self.ids), dtype=bool)
            self._dead[self._dead_rows] = True
            live_lengths = self._lengths[~self._dead]
        self._n = len(live_lengths)
        self._avgdl = float(live_lengths.mean(dtype=np.float64)) if self._n else 0.0
        self._norm: np.ndarray | None = None
        self._terms: dict[str, tuple[int, list[tuple[int, int, int]]]] = {}

    @classmethod
    def build(cls, ids: Sequence[int], texts: Sequence[str]) -> LexicalIndex:
        """One segment of ``texts``, whose chunk ids are ``ids`` (distinct)."""
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} chunk ids for {len(texts)} texts; give one id per text")
        arr = np.asarray(ids, dtype=np.int64).reshape(-1)
        order = np.argsort(arr, kind="stable")
        arr = arr[order]
        if np.any(np.diff(arr) == 0):
            raise ValueError(f"chunk id {int(arr[np.flatnonzero(np.diff(arr) == 0)[0]])} appears twice")
        return cls([tokenized(arr, [tokenize(texts[i]) for i in order.tolist()])] if len(arr) else [])

    def updated(
        self, add_ids: Sequence[int], add_texts: Sequence[str], remove_ids: Sequence[int]
    ) -> LexicalIndex:
        """A new index: this one without ``remove_ids`` (absent ones are ignored) plus the added
        chunks, whose ids must ascend beyond every row's id; merges as the module doc says."""
        if len(add_ids) != len(add_texts):
            raise ValueError(f"{len(add_ids)} chunk ids for {len(add_texts)} texts; give one id per text")
        add = np.asarray(add_ids, dtype=np.int64).reshape(-1)
        last = int(self.ids[-1]) if len(self.ids) else None
        if np.any(np.diff(add) <= 0) or (len(add) and last is not None and add[0] <= last):
            raise ValueError(f"added chunk ids must ascend and exceed the index's last id {last}")
        gone = self._find(np.asarray(remove_ids, dtype=np.int64).reshape(-1))
        live = np.ones(len(self.ids), dtype=bool) if self._dead is None else ~self._dead
        live[gone[gone >= 0]] = False
        spans = pairwise(self._starts)
        parts: list[Part] = [
            (s, None if live[a:b].all() else live[a:b])
            for s, (a, b) in zip(self._segments, spans, strict=True)
        ]
        if len(add):
            parts.append((tokenized(add, [tokenize(t) for t in add_texts]), None))
        parts = apply_policy(parts)
        removed = [seg.ids[~mask] for seg, mask in parts if mask is not None]
        return LexicalIndex([seg for seg, _ in parts], np.concatenate(removed) if removed else _NO_IDS)

    @property
    def segments(self) -> int:
        return len(self._segments)

    def __len__(self) -> int:
        """Live (not removed) rows."""
        return self._n

    def live_ids(self) -> np.ndarray:
        return self.ids if self._dead is None else self.ids[~self._dead]

    def _find(self, chunk_ids: np.ndarray) -> np.ndarray:
        """Row of each chunk id, removed rows included; -1 where absent."""
        if not len(self.ids):
            return np.full(np.shape(chunk_ids), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ids, chunk_ids), len(self.ids) - 1)
        return np.where(self.ids[pos] == chunk_ids, pos, -1)

    def rows(self, chunk_ids: np.ndarray) -> np.ndarray:
        """Row of each chunk id; -1 where absent or removed."""
        rows = self._find(np.asarray(chunk_ids, dtype=np.int64))
        return rows if self._dead is None else np.where(self._dead[np.maximum(rows, 0)], -1, rows)

    def _term(self, token: str) -> tuple[int, list[tuple[int, int, int]]]:
        """Live df of ``token`` and its postings as ``(segment, lo, hi)`` (cached)."""
        hit = self._terms.get(token)
        if hit is None:
            df, spans = 0, []
            for i, seg in enumerate(self._segments):
                col = seg.column(token)
                if col >= 0:
                    lo, hi = int(seg.indptr[col]), int(seg.indptr[col + 1])
                    spans.append((i, lo, hi))
                    df += hi - lo
                    if self._dead is not None:
                        df -= int(self._dead[seg.rows[lo:hi] + np.int64(self._starts[i])].sum())
            if len(self._terms) >= 100_000:
                self._terms.clear()
            hit = self._terms[token] = (df, spans)
        return hit

    def _idf(self, df: int) -> float:
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    def df(self, token: str) -> int:
        """How many live rows contain a (tokenized) term."""
        return self._term(token)[0]

    def idf(self, token: str) -> float:
        """BM25 idf of a (tokenized) term over live rows; unseen terms get the highest idf."""
        return self._idf(self._term(token)[0])

    def score_all(self, query: str) -> np.ndarray | None:
        """BM25 score of every row (removed ones 0); None when no query term is indexed."""
        terms = [(self._term(t), n) for t, n in Counter(tokenize(query)).items()]
        terms = [(term, n) for term, n in terms if term[0] > 0]
        if not terms:
            return None
        if self._norm is None:
            self._norm = (K1 * (1 - B + B * (self._lengths / self._avgdl))).astype(np.float32)
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for (df, spans), n in terms:
            weight = np.float32(n * self._idf(df))
            for i, lo, hi in spans:
                seg = self._segments[i]
                rows = seg.rows[lo:hi] + np.int64(self._starts[i]) if i else seg.rows[lo:hi]
                tf, part = seg.tf[lo:hi], self._norm[rows]
                part += tf  # in place: weight * tf / (tf + norm)
                np.divide(tf, part, out=part)
                part *= weight
                scores[rows] += part
        scores[self._dead_rows] = 0.0
        return scores

    def _dead_zeroed(self, scores: np.ndarray) -> np.ndarray:
        """``scores`` with removed rows at 0: as given when they are (score_all's are), else a copy."""
        if len(self._dead_rows) and scores[self._dead_rows].any():
            scores = scores.copy()
            scores[self._dead_rows] = 0.0
        return scores

    def score_stats(self, scores: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of ``scores`` (per row, from :meth:`score_all`)
        over the live rows: removed rows score 0 there, so sums over all rows are sums
        over live ones (two float32 pairwise sums; no mask, no float64 copy)."""
        if not self._n:
            return 0.0, 0.0
        scores = self._dead_zeroed(scores)
        total = float(scores.sum())
        squares = float(np.square(scores).sum())
        mean = total / self._n
        return mean, math.sqrt(max(squares / self._n - mean * mean, 0.0))

    def top(self, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` live ``(chunk_ids, scores)`` with a positive score, best first, ties by lower id."""
        scores = self._dead_zeroed(scores)
        cand = np.flatnonzero(scores > 0)
        vals = scores[cand]
        if 0 < k < len(cand):
            keep = vals >= np.partition(vals, len(vals) - k)[len(vals) - k]  # the k best, and ties
            cand, vals = cand[keep], vals[keep]
        order = np.lexsort((cand, -vals))[: max(k, 0)]
        return self.ids[cand[order]], vals[order]

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` live ``(chunk_ids, scores)`` with a positive score, best first."""
        scores = self.score_all(query)
        if scores is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return self.top(scores, k)

    def save(self, directory: Path, link_from: Sequence[Path] = ()) -> None:
        """Write the index into ``directory``. Segments already on disk are hard-linked from their
        files; ``link_from`` names more index folders to look in (say, where an earlier save was
        moved to), each file used only when it is the very file this index read or wrote."""
        directory.mkdir(parents=True, exist_ok=True)
        for seg in self._segments:
            seg.save(directory / seg.name, link_from)
        (directory / "removed.npy").unlink(missing_ok=True)
        np.save(directory / "removed.npy", self._removed, allow_pickle=False)
        entries = [{"name": s.name, "rows": len(s), "terms": len(s.term_offsets) - 1, "postings": len(s.rows)}
                   for s in self._segments]  # fmt: skip
        meta = {"format": FORMAT, "version": VERSION, "k1": K1, "b": B, "rows": len(self.ids),
                "live": self._n, "removed": len(self._removed), "segments": entries}  # fmt: skip
        (directory / "lexical.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Open a saved index, memory-mapped; ValueError when it is inconsistent or of another format."""
        meta = json.loads((directory / "lexical.json").read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"{directory} holds no {FORMAT} index (an older format?); rebuild it")
        if (got := (meta.get("version"), meta.get("k1"), meta.get("b"))) != (VERSION, K1, B):
            raise ValueError(
                f"{directory} has (version, k1, b) {got}, this code {(VERSION, K1, B)}; rebuild it"
            )
        entries = meta.get("segments")
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and SEGMENT_NAME.fullmatch(str(e.get("name"))) for e in entries
        ):
            raise ValueError(f"{directory}/lexical.json lists its segments wrongly")
        segments = [Segment.load(directory / e["name"], e) for e in entries]
        if any(a.ids[-1] >= b.ids[0] for a, b in pairwise(segments)):
            raise ValueError(f"the segments in {directory} are out of chunk id order")
        index = cls(segments, read_array(directory / "removed.npy", np.int64, mmap=False))
        if (meta.get("rows"), meta.get("live")) != (len(index.ids), len(index)):
            raise ValueError(f"{directory}/lexical.json counts rows differently from its segments")
        return index
