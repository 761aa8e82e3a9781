"""Exceptions raised by the build side. Messages say what to do next."""

from __future__ import annotations


class QAError(Exception):
    """Base class for every error this project raises on purpose."""


class IndexMismatchError(QAError):
    """The index on disk was built with other settings (model, dimension, format)."""


class IndexCorruptError(QAError):
    """The index directory exists but cannot be read."""


class IndexLockedError(QAError):
    """Another process is writing to the index."""


class ModelError(QAError):
    """The embedding model cannot be loaded."""


class InputError(QAError):
    """A request (question, k, path) is not usable as given."""


class ConfigError(QAError):
    """A setting (an environment variable or option) has a value that is not allowed."""
