"""Storage: one index folder. ``store`` (:class:`IndexStore`: locking, writes, views)
over ``records`` (SQLite, the truth; every SQL statement), ``views`` (FAISS + BM25 of
one records generation), ``vectors`` (FAISS), ``bm25/`` (our BM25 and its segments),
``lock`` (one writer), ``manifest`` (settings saved beside the index), ``files``
(atomic writes)."""
