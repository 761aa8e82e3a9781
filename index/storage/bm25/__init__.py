"""BM25 storage: an exact BM25 index over immutable segments (``index``) and the
segments' arrays, files and merge policy (``segments``)."""

from index.storage.bm25.index import LexicalIndex

__all__ = ["LexicalIndex"]
