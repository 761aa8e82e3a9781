"""Storage: one index folder. ``store`` (:class:`IndexStore`: locking, writes, views)
over ``records`` (SQLite, the truth: schema, stored types, writes) and ``queries`` (its
reads; with ``records``, every SQL statement), ``views`` (FAISS + BM25 of one records
generation), ``vectors`` (FAISS), ``bm25/`` (our BM25 and its segments),
``lock`` (one writer), ``manifest`` (settings saved beside the index), ``files``
(atomic writes). ``milvus/``: the second engine, everything in Milvus.

:func:`open_engine` is where the engine is chosen (``Config.store``: ``--store`` /
``QA_STORE``); the local engine is the default. Engines are imported when chosen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.config import Config
    from index.storage.manifest import IndexSettings
    from index.storage.snapshot import StorageEngine


def engine_exists(directory: str | Path, config: Config) -> bool:
    """Whether the engine ``config.store`` names holds an index for ``directory``."""
    from index.storage.milvus.uri import is_milvus

    if is_milvus(config.store):
        from index.storage.milvus.engine import MilvusStore
        from index.storage.milvus.uri import parse_store

        return MilvusStore.exists(parse_store(str(config.store), directory))
    from index.storage.store import IndexStore

    return IndexStore.exists(directory)


def open_engine(
    directory: str | Path, config: Config, new_settings: Callable[[], IndexSettings] | None = None
) -> StorageEngine:
    """The index for ``directory`` in the engine ``config.store`` names (the local one by
    default), created with ``new_settings()`` when it holds none."""
    from index.storage.milvus.uri import is_milvus

    if is_milvus(config.store):
        from index.storage.milvus.engine import MilvusStore
        from index.storage.milvus.uri import parse_store

        return MilvusStore.open_or_create(directory, parse_store(str(config.store), directory), new_settings)
    from index.storage.store import IndexStore

    if IndexStore.exists(directory) or new_settings is None:
        return IndexStore.open(directory, config=config)
    return IndexStore.create(directory, new_settings(), config)
