"""Sources: where articles come from and how they are read into :class:`Article` records
(``article``: the record and its stable id; ``readers``: files by suffix, decoding;
``web``: polite fetching, robots.txt; ``pages``: a fetched page to an article;
``feeds``: RSS, Atom and sitemaps to entries; ``collect``: files, URLs and feeds in one
ingest; ``watch``: keeping an index current)."""
