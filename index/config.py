"""How the library runs on this machine: one settings object, read from the environment
once at the edge (the ``qa`` command, ``qa serve``) and passed in.

Library code never reads ``os.environ``: it takes a :class:`Config` (the default one
when none is given). What shapes a saved index (its vector index kind) is saved with
the index's settings (:class:`~index.storage.manifest.IndexSettings`), so a later
writer started without the variable keeps it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import ConfigError

PRECISIONS = ("auto", "fp32", "bf16", "int8")
VECTOR_INDEX_KINDS = ("auto", "flat", "ivf")

# name -> (variable, what it takes)
ENV = {
    "precision": ("QA_PRECISION", "auto, fp32, bf16 or int8"),
    "cache_dir": ("QA_CACHE_DIR", "a folder"),
    "vector_index": ("QA_VECTOR_INDEX", "auto, flat or ivf"),
    "nprobe": ("QA_NPROBE", "a whole number from 1 up"),
}


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "article-qa"


@dataclass(frozen=True)
class Config:
    """``precision``: how the model runs (``auto`` measures, see :mod:`index.embed.auto`);
    ``cache_dir``: where the int8 export and the precision measurement are kept;
    ``vector_index``: the FAISS index kind for a new index, or to switch an existing one
    to at its next write (None: the index's own, ``auto`` for a new one: by size); ``nprobe``: IVF lists
    searched per query (None: a 1/16 of them, at least 32)."""

    precision: str = "auto"
    cache_dir: Path = field(default_factory=default_cache_dir)
    vector_index: str | None = None
    nprobe: int | None = None

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision {self.precision!r} is unknown; use one of {', '.join(PRECISIONS)}")
        if self.vector_index is not None and self.vector_index not in VECTOR_INDEX_KINDS:
            raise ConfigError(
                f"vector index {self.vector_index!r} is unknown; use one of {', '.join(VECTOR_INDEX_KINDS)}"
            )
        if self.nprobe is not None and (isinstance(self.nprobe, bool) or int(self.nprobe) < 1):
            raise ConfigError(f"nprobe {self.nprobe!r} must be a whole number from 1 up")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """The configuration the ``QA_*`` variables ask for; a bad value is a
        :class:`~index.errors.ConfigError` naming the variable and what it takes."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for name, (var, allowed) in ENV.items():
            raw = env.get(var, "").strip()
            if not raw:
                continue
            if name in ("precision", "vector_index"):
                value: object = raw.lower()
                choices = PRECISIONS if name == "precision" else VECTOR_INDEX_KINDS
                if value not in choices:
                    raise ConfigError(f"{var}={raw!r} is not allowed; use {allowed}, or unset it")
            elif name == "nprobe":
                if not raw.isdigit() or int(raw) < 1:
                    raise ConfigError(f"{var}={raw!r} is not allowed; use {allowed}, or unset it")
                value = int(raw)
            else:
                value = Path(raw).expanduser()
            values[name] = value
        return cls(**values)  # type: ignore[arg-type]
