"""The bundled demo corpus (``eval/demo/articles``) and its question set."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from index.config import Config

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_ARTICLES = DEMO_DIR / "articles"
DEMO_QUESTIONS = DEMO_DIR / "questions.jsonl"

log = logging.getLogger(__name__)


def ensure_demo_index(index_dir: str | Path, model: str | None = None, config: Config | None = None) -> Path:
    """Build the demo index from the bundled corpus unless it is already there.

    Re-running is cheap: unchanged articles are not embedded again, and an
    edited demo article is replaced."""
    from index.storage.store import IndexStore
    from qa import Assistant

    if not IndexStore.exists(index_dir):
        log.warning("building the demo index in %s from %s (first run only)", index_dir, DEMO_ARTICLES)
    with Assistant.open(index_dir, model=model, config=config) as assistant:
        report = assistant.add([DEMO_ARTICLES], progress=sys.stderr.isatty())
    if report.added or report.replaced:
        log.warning("demo index at %s: %s", index_dir, report.summary())
    for problem in report.rejected:
        log.warning("demo corpus: skipped %s", problem)
    return Path(index_dir)
