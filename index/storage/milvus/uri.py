"""Where a Milvus index lives, from ``--store`` / ``QA_STORE``.

* ``local`` (or unset): the local engine (SQLite + FAISS + our BM25), the default;
* ``milvus``: milvus-lite in ``INDEX_DIR/milvus.db``;
* ``milvus:PATH``: milvus-lite in the file PATH;
* ``milvus+http://HOST:PORT[/NAME]`` (or ``milvus+https://``): a Milvus server; the
  index's collections are named after NAME, by default after the index folder's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from index.errors import ConfigError

LITE_FILE = "milvus.db"
FORMS = "local, milvus, milvus:PATH or milvus+http://HOST:PORT[/NAME]"


@dataclass(frozen=True)
class MilvusTarget:
    """``uri``: what pymilvus connects to (a file for milvus-lite, ``http(s)://host:port``
    for a server); ``prefix``: the start of the index's collection names."""

    uri: str
    lite: bool
    prefix: str

    def describe(self) -> str:
        return f"milvus-lite file {self.uri}" if self.lite else f"Milvus server {self.uri}"


def check_store(store: str) -> str:
    """``store`` if it names an engine this program knows, else a :class:`ConfigError`."""
    s = store.strip()
    if s in ("local", "milvus") or (s.startswith("milvus:") and len(s) > len("milvus:")):
        if s.startswith("milvus:") and s[len("milvus:") :].startswith("//"):
            raise ConfigError(f"store {store!r}: a server is milvus+http://HOST:PORT; a file is milvus:PATH")
        if s.startswith("milvus:") and not s.endswith(".db"):
            raise ConfigError(f"store {store!r}: a milvus-lite file's name ends in .db (milvus:PATH.db)")
        return s
    m = re.fullmatch(r"milvus\+(https?)://([^/:\s]+):(\d+)(/[A-Za-z0-9_]*)?", s)
    if m:
        return s
    raise ConfigError(f"store {store!r} is unknown; use {FORMS}")


def is_milvus(store: str | None) -> bool:
    return store is not None and store.strip().startswith("milvus")


def parse_store(store: str, directory: str | Path) -> MilvusTarget:
    """The Milvus target ``store`` names for the index at ``directory``."""
    s = check_store(store)
    d = Path(directory)
    if s == "milvus":
        return MilvusTarget(str(d / LITE_FILE), True, "qa")
    if s.startswith("milvus:"):
        return MilvusTarget(str(Path(s[len("milvus:") :]).expanduser()), True, "qa")
    m = re.fullmatch(r"milvus\+(https?)://([^/:\s]+):(\d+)(/[A-Za-z0-9_]*)?", s)
    if m is None or s == "local":
        raise ConfigError(f"store {store!r} is not a Milvus store; use {FORMS}")
    name = (m.group(4) or "").lstrip("/") or d.resolve().name
    return MilvusTarget(f"{m.group(1)}://{m.group(2)}:{m.group(3)}", False, "qa_" + _safe(name))


def _safe(name: str) -> str:
    """A collection-name-safe version of ``name`` (letters, digits, underscores)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)[:120] or "index"
