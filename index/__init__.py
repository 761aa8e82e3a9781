"""Build side: read articles, chunk, embed, store (FAISS + BM25 + SQLite records)."""
