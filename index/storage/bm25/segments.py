"""The immutable segments of :mod:`index.storage.bm25.index`'s BM25 index: their arrays,
files, and the merge policy (described in that module's docstring)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, pairwise
from pathlib import Path

import numpy as np

MAX_SEGMENTS = 8
COMPACT_FRACTION = 0.2  # a segment with more removed rows than this share is rewritten
ARRAYS = {"ids": np.int64, "lengths": np.int32, "terms": np.uint8, "term_offsets": np.int64,
           "indptr": np.int64, "rows": np.int32, "tf": np.float32}  # fmt: skip
SEGMENT_NAME = re.compile(r"seg--?\d+-[0-9a-f]{8}")
Part = tuple["Segment", "np.ndarray | None"]  # a segment and its live-row mask (None: all live)


def read_array(path: Path, dtype: type, mmap: bool = True) -> np.ndarray:
    if not path.is_file():
        raise ValueError(f"BM25 index file {path} is missing")
    a = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    if a.dtype != dtype or a.ndim != 1:
        raise ValueError(f"{path} holds {a.dtype} of shape {a.shape}, not 1-D {np.dtype(dtype)}")
    return a


def signature(path: Path) -> tuple[int, ...]:
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


@dataclass(frozen=True, eq=False)
class Segment:
    """Rows of ascending chunk ids with their own vocabulary and postings (see the module doc)."""

    name: str
    ids: np.ndarray  # int64 chunk id per row
    lengths: np.ndarray  # int32 tokens per row
    terms: bytes  # the sorted vocabulary, UTF-8, concatenated
    term_offsets: np.ndarray  # term i is terms[term_offsets[i]:term_offsets[i + 1]]
    indptr: np.ndarray  # postings of term i are rows/tf[indptr[i]:indptr[i + 1]]
    rows: np.ndarray
    tf: np.ndarray
    # file name -> (signature, paths of that very file); filled by save and load
    on_disk: dict[str, tuple[tuple[int, ...], list[Path]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def column(self, term: str) -> int:
        """Index of ``term`` in the vocabulary, -1 when absent (binary search)."""
        key, off, blob = term.encode(), self.term_offsets, self.terms
        lo, hi = 0, len(off) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if blob[off[mid] : off[mid + 1]] < key:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(off) - 1 and blob[off[lo] : off[lo + 1]] == key else -1

    def vocabulary(self) -> list[bytes]:
        return [self.terms[a:b] for a, b in pairwise(self.term_offsets.tolist())]

    def save(self, folder: Path, link_from: Sequence[Path]) -> None:
        """Write the arrays into ``folder``, hard-linking each from a known identical file."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in ARRAYS:
            path, (sig, places) = folder / f"{name}.npy", self.on_disk.get(name, ((), []))
            if sig and signature(path) == sig:
                continue  # already there: saved again into the same folder
            path.unlink(missing_ok=True)  # never truncate a file that may be memory-mapped
            sources = [*places, *(d / self.name / path.name for d in link_from)]
            if not (sig and any(signature(s) == sig and link(s, path) for s in sources)):
                data = np.frombuffer(self.terms, np.uint8) if name == "terms" else getattr(self, name)
                np.save(path, data, allow_pickle=False)
                sig, places = signature(path), []
            self.on_disk[name] = (sig, [path, *places][:4])

    @classmethod
    def load(cls, folder: Path, entry: dict) -> Segment:
        a = {name: read_array(folder / f"{name}.npy", dtype) for name, dtype in ARRAYS.items()}
        ids, off, indptr = a["ids"], a["term_offsets"], a["indptr"]
        n, v, nnz = len(ids), len(off) - 1, len(a["rows"])
        if (
            [n, v, nnz] != [entry.get("rows"), entry.get("terms"), entry.get("postings")]
            or n == 0 or v < 0 or len(a["lengths"]) != n or len(indptr) != v + 1 or len(a["tf"]) != nnz
            or off[0] != 0 or off[-1] != len(a["terms"]) or indptr[0] != 0 or indptr[-1] != nnz
            or np.any(np.diff(ids) <= 0) or np.any(np.diff(indptr) < 0) or np.any(np.diff(off) < 0)
        ):  # fmt: skip
            raise ValueError(f"BM25 segment {folder} is inconsistent with itself or with lexical.json")
        a["terms"] = bytes(a["terms"])  # type: ignore[assignment]
        seg = cls(folder.name, **a)  # type: ignore[arg-type]
        for path in (folder / f"{name}.npy" for name in a):
            seg.on_disk[path.stem] = (signature(path), [path])
        return seg


def assemble(ids: np.ndarray, lengths: np.ndarray, terms: list[bytes], cols: np.ndarray,
              rows: np.ndarray, tf: np.ndarray) -> Segment:  # fmt: skip
    """A segment from postings sorted by (column, row); drops terms that have none."""
    counts = np.bincount(cols, minlength=len(terms))
    if not counts.all():
        terms = [t for t, used in zip(terms, (counts > 0).tolist(), strict=True) if used]
        counts = counts[counts > 0]
    indptr, offsets = np.zeros((2, len(terms) + 1), dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    np.cumsum(np.fromiter(map(len, terms), np.int64, len(terms)), out=offsets[1:])
    name = f"seg-{int(ids[0])}-{secrets.token_hex(4)}"
    arrays = ids.astype(np.int64), lengths.astype(np.int32), b"".join(terms), offsets, indptr
    return Segment(name, *arrays, rows.astype(np.int32), tf.astype(np.float32))


def tokenized(ids: np.ndarray, docs: list[list[str]]) -> Segment:
    """A segment of ``docs`` (token lists), one per id; ids ascend and are not empty."""
    n = len(docs)
    lengths = np.fromiter(map(len, docs), np.int64, n)
    flat = list(chain.from_iterable(docs))
    terms = sorted(set(flat))  # code-point order, which is UTF-8 byte order
    col_of = {t: i for i, t in enumerate(terms)}
    cols = np.fromiter(map(col_of.__getitem__, flat), np.int64, len(flat))
    keys, tf = np.unique(cols * n + np.repeat(np.arange(n, dtype=np.int64), lengths), return_counts=True)
    return assemble(ids, lengths, [t.encode() for t in terms], keys // n, keys % n, tf)


def merge(parts: Sequence[Part]) -> Segment | None:
    """One segment of the live rows of ``parts``, in order; None when none is live."""
    vocabs = [seg.vocabulary() for seg, _ in parts]
    terms = sorted(set().union(*vocabs))
    col_of = {t: i for i, t in enumerate(terms)}
    pieces, start = [], 0
    for (seg, live), vocab in zip(parts, vocabs, strict=True):
        # sorted vocabularies map monotonically, so each part's columns stay sorted
        c = np.repeat(np.fromiter(map(col_of.__getitem__, vocab), np.int64, len(vocab)), np.diff(seg.indptr))
        r, f, i, n = np.asarray(seg.rows, dtype=np.int64), seg.tf, seg.ids, seg.lengths
        if live is not None:
            keep = live[r]
            c, r, f, i, n = c[keep], (np.cumsum(live) - 1)[r[keep]], f[keep], i[live], n[live]
        pieces.append((i, n, c, r + start, f))
        start += len(i)
    if start == 0:
        return None
    ids, lengths, cols, rows, tf = (np.concatenate(x) for x in zip(*pieces, strict=True))
    order = np.argsort(cols, kind="stable")  # merges the parts' sorted runs; rows stay ascending
    return assemble(ids, lengths, terms, cols[order], rows[order], tf[order])


def apply_policy(parts: list[Part]) -> list[Part]:
    """The merge policy of the module doc."""
    out: list[Part] = []
    for seg, live in parts:
        if live is not None and len(seg) - int(live.sum()) > COMPACT_FRACTION * len(seg):
            merged = merge([(seg, live)])
            out.extend([] if merged is None else [(merged, None)])
        else:
            out.append((seg, live))
    while len(out) > 1 and (len(out) > MAX_SEGMENTS or 2 * len(out[-1][0]) >= len(out[-2][0])):
        take = max(2, len(out) - MAX_SEGMENTS + 1)
        merged = merge(out[-take:])
        out[-take:] = [] if merged is None else [(merged, None)]
    return out
