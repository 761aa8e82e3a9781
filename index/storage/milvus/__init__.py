"""The Milvus storage engine: articles, chunks, vectors and BM25 all kept in Milvus
(milvus-lite in a file, or a Milvus server), behind the same
:class:`~index.storage.snapshot.StorageEngine` and :class:`~index.storage.snapshot.Snapshot`
Protocols as the local engine.

``uri`` (where: ``milvus``, ``milvus:PATH``, ``milvus+http://HOST:PORT``), ``client``
(the pymilvus connection and the collections' schemas; the only module importing
pymilvus, lazily), ``rows`` (row shapes, filters, copy groups), ``engine``
(:class:`MilvusStore`: opening, snapshots, listings), its two sides ``writer``
(writes, generations) and ``reader`` (searches and reads at one generation),
``snapshot`` (:class:`MilvusSnapshot`: one generation's BM25 and dense scores).
"""

from index.storage.milvus.uri import MilvusTarget, parse_store

__all__ = ["MilvusTarget", "parse_store"]
