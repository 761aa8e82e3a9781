"""Sources: where articles come from and how they are read into :class:`Article` records
(``article``: the record and its stable id; ``readers``: files by suffix, decoding)."""
