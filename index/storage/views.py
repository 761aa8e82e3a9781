"""FAISS and BM25, derived from the records: one immutable :class:`View` per
records generation.

A view is saved to a new folder ``derived-<generation>-<token>/`` (every file
fsynced), and becomes current when ``derived.json`` is replaced atomically to
name it; older folders are deleted afterwards. A reader therefore finds either
the old complete view or the new complete one. Anything that does not load or
does not match the records (other generation, other chunk count) is treated as
missing, and the caller rebuilds it from the records.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.storage.bm25.index import LexicalIndex
from index.storage.files import atomic_write_json, fsync_dir
from index.storage.vectors import VectorIndex

log = logging.getLogger(__name__)

POINTER = "derived.json"
_FOLDER = re.compile(r"derived-\d+(?:-[0-9a-f]+)?")
_LEFTOVER = re.compile(r"\.(?:derived|manifest)\.json\..*|\.derived-.*\.tmp")


@dataclass(frozen=True)
class View:
    """The dense and lexical indexes of one records generation; never changed once built."""

    generation: int
    vectors: VectorIndex
    lexical: LexicalIndex

    @classmethod
    def empty(cls, dim: int, generation: int = 0) -> View:
        return cls(generation, VectorIndex(dim), LexicalIndex.build([], []))


def build(
    generation: int,
    dim: int,
    ids: Sequence[int],
    blobs: Sequence[bytes],
    texts: Sequence[str],
    kind: str = "auto",
) -> View:
    """A view from stored chunks: their ids, vector blobs (float32) and indexed texts;
    ``kind``: the vector index kind the index's settings ask for."""
    vectors = VectorIndex.build(dim, np.asarray(ids, dtype=np.int64), _matrix(blobs, dim), kind)
    return View(generation, vectors, LexicalIndex.build(list(ids), list(texts)))


def update(
    view: View,
    generation: int,
    ids: Sequence[int],
    blobs: Sequence[bytes],
    texts: Sequence[str],
    removed: Sequence[int],
    kind: str = "auto",
) -> View | None:
    """``view`` with the chunks ``removed`` taken out and the new ones (``ids``,
    all above any id in the view) added: only those are tokenized and indexed.
    None when the vector index type no longer suits the size (rebuild instead)."""
    live = len(view.vectors) - len(removed) + len(ids)
    if not view.vectors.suits(live, kind):
        return None
    add = np.asarray(ids, dtype=np.int64)
    gone = np.asarray(removed, dtype=np.int64)
    vectors = view.vectors.updated(add, _matrix(blobs, view.vectors.dim), gone)
    return View(generation, vectors, view.lexical.updated(list(ids), list(texts), list(removed)))


def _matrix(blobs: Sequence[bytes], dim: int) -> np.ndarray:
    if any(len(b) != 4 * dim for b in blobs):
        raise ValueError(f"a stored vector does not have dimension {dim}")
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)


def load(directory: Path, generation: int, chunks: int, dim: int) -> View | None:
    """The saved view of ``generation``, or None when it is missing, stale or damaged."""
    pointer = directory / POINTER
    if generation == 0 and chunks == 0 and not pointer.exists():
        return View.empty(dim)
    try:
        data = json.loads(pointer.read_text(encoding="utf-8"))
        if data["generation"] != generation:
            return None  # written before the last commit (or its writer died): rebuild
        name = str(data["folder"])
        if not _FOLDER.fullmatch(name):
            raise ValueError(f"odd folder name {name!r}")
        vectors = VectorIndex.load(directory / name / "vectors.faiss", dim)
        lexical = LexicalIndex.load(directory / name / "bm25")
        if not len(vectors) == len(lexical) == chunks:
            raise ValueError(f"{len(vectors)} vectors and {len(lexical)} BM25 rows for {chunks} chunks")
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged cache is rebuilt, whatever the library raised
        log.warning("search files in %s are unusable (%s); rebuilding them from the records", directory, exc)
        return None
    return View(generation, vectors, lexical)


def save(directory: Path, view: View) -> None:
    """Write ``view`` to a new folder, fsync it, switch ``derived.json`` to it and
    delete the folders (and temporary files) it replaces. Needs the writer lock."""
    name = f"derived-{view.generation}-{secrets.token_hex(4)}"
    tmp = directory / f".{name}.tmp"
    earlier = [d / "bm25" for d in directory.iterdir() if _FOLDER.fullmatch(d.name)]
    try:
        tmp.mkdir()
        view.vectors.save(tmp / "vectors.faiss")
        view.lexical.save(tmp / "bm25", link_from=earlier)  # unchanged BM25 segments are hard-linked
        _fsync_tree(tmp)
        os.replace(tmp, directory / name)
        fsync_dir(directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    atomic_write_json(directory / POINTER, {"folder": name, "generation": view.generation})
    for old in directory.iterdir():
        if old.name != name and (_FOLDER.fullmatch(old.name) or _LEFTOVER.fullmatch(old.name)):
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        else:
            fsync_dir(path)
    fsync_dir(folder)
