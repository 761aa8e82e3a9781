"""The settings an index was built with, saved beside it as ``manifest.json``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.errors import IndexCorruptError, IndexMismatchError
from index.storage.files import atomic_write_json
from index.text.chunking import ChunkSettings

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class IndexSettings:
    """Everything that must match between the index and whoever opens it."""

    model_name: str
    model_path: str
    dim: int
    max_tokens: int
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    context: str = "title"
    vector_index: str = "auto"  # the FAISS index kind: auto (by size), flat or ivf
    format_version: int = FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndexSettings:
        data = dict(data)
        data["chunk"] = ChunkSettings(**data.get("chunk", {}))
        return cls(**data)

    def check_model(self, name: str, dim: int) -> None:
        """Fail when a model other than the index's is used with it."""
        if name != self.model_name or dim != self.dim:
            raise IndexMismatchError(
                f"this index was built with model '{self.model_name}' (dimension {self.dim}) "
                f"but was opened with model '{name}' (dimension {dim}); open it with the "
                "same model, or build a new index for this model"
            )


def read_manifest(directory: Path) -> tuple[IndexSettings, dict[str, Any]]:
    """``(settings, the whole manifest)``; errors say which file is wrong and why."""
    path = directory / MANIFEST
    if not path.is_file():
        raise IndexCorruptError(
            f"{directory} is not an index (no {MANIFEST}); "
            f"build one with 'qa ingest PATH --index {directory}'"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        version = data.get("settings", {}).get("format_version")
        if version != FORMAT_VERSION:
            raise IndexMismatchError(
                f"{path}: index format version {version!r}, this program reads version "
                f"{FORMAT_VERSION}; rebuild the index with 'qa ingest'"
            )
        return IndexSettings.from_dict(data["settings"]), data
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(f"{path} is damaged ({exc}); rebuild the index with 'qa ingest'") from exc


def write_manifest(directory: Path, settings: IndexSettings, counts: dict[str, int]) -> None:
    atomic_write_json(
        directory / MANIFEST,
        {"settings": settings.to_dict(), "tokenizer": settings.chunk.encoding, "counts": counts},
    )
