"""Article question answering with cited, extractive answers.

>>> from qa import Assistant
>>> assistant = Assistant.open("my-index")
>>> assistant.add(["articles/"])
>>> assistant.ask("What did Trump say about USMCA?").to_dict()

Everything a program needs is named here: the assistant, its configuration, the typed
results and reports, and the errors (all subclasses of :class:`QAError`).
"""

from index import (
    Config,
    ConfigError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IngestReport,
    InputError,
    ModelError,
    QAError,
    StoredArticle,
)
from qa.assistant import DEFAULT_K, Assistant
from qa.retrieve import MODES
from qa.types import Answer, Citation, Counts, IndexStats, Passage

__all__ = [
    "DEFAULT_K",
    "MODES",
    "Answer",
    "Assistant",
    "Citation",
    "Config",
    "ConfigError",
    "Counts",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexStats",
    "IngestReport",
    "InputError",
    "ModelError",
    "Passage",
    "QAError",
    "StoredArticle",
]
