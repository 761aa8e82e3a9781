"""Build side: read articles, chunk, embed, store (FAISS + BM25 + SQLite records).

The folders follow the pipeline: ``sources/`` (articles and the readers of each file
type) -> ``text/`` (sentences, terms, chunking) -> ``embed/`` (the model, in each
precision) -> ``storage/`` (the index folder: records, views, FAISS, ``bm25/``);
``ingest`` runs them in order. The names below are what the rest of the code (``qa``,
``ui``, ``eval``) uses; every read goes through a :class:`Snapshot`
(:mod:`index.storage.snapshot`, the seam a second storage engine implements).
"""

from index.config import Config
from index.embed import DEFAULT_MODEL_NAME, Embedder, load_embedder
from index.embed.sentences import SentenceVectors, chunk_sentences
from index.errors import (
    ConfigError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    InputError,
    ModelError,
    QAError,
)
from index.ingest import IngestReport, indexed_text, ingest
from index.sources.article import Article, article_day
from index.sources.collect import ingest_sources
from index.sources.pdf import page_of
from index.sources.watch import parse_every
from index.sources.web import Fetcher, FetchSettings, is_url
from index.storage.manifest import IndexSettings
from index.storage.records import ChunkRecord, StoredArticle
from index.storage.snapshot import Scores, Snapshot, StorageEngine, fill_missing
from index.storage.store import IndexStore
from index.text.chunking import ChunkSettings
from index.text.sentences import is_prose, sentence_spans
from index.text.terms import tokenize

__all__ = [
    "DEFAULT_MODEL_NAME",
    "Article",
    "ChunkRecord",
    "ChunkSettings",
    "Config",
    "ConfigError",
    "Embedder",
    "FetchSettings",
    "Fetcher",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexSettings",
    "IndexStore",
    "IngestReport",
    "InputError",
    "ModelError",
    "QAError",
    "Scores",
    "SentenceVectors",
    "Snapshot",
    "StorageEngine",
    "StoredArticle",
    "article_day",
    "chunk_sentences",
    "fill_missing",
    "indexed_text",
    "ingest",
    "ingest_sources",
    "is_prose",
    "is_url",
    "load_embedder",
    "page_of",
    "parse_every",
    "sentence_spans",
    "tokenize",
]
