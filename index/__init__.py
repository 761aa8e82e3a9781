"""Build side: read articles, chunk, embed, store (FAISS + BM25 + SQLite records).

The folders follow the pipeline: ``sources/`` (articles and the readers of each file
type) -> ``text/`` (sentences, terms, chunking) -> ``embed/`` (the model, in each
precision) -> ``storage/`` (the index folder: records, views, FAISS, ``bm25/``);
``ingest`` runs them in order. The query side (``qa``) uses the names below, and the
snapshot of :mod:`index.storage.snapshot` for every read.
"""

from index.config import Config
from index.errors import (
    ConfigError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    InputError,
    ModelError,
    QAError,
)
from index.ingest import IngestReport, ingest
from index.storage.records import StoredArticle

__all__ = [
    "Config",
    "ConfigError",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexMismatchError",
    "IngestReport",
    "InputError",
    "ModelError",
    "QAError",
    "StoredArticle",
    "ingest",
]
