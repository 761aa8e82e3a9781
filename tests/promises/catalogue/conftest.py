"""The catalogue's fixtures: one small index, and a private copy of it per row."""

import shutil
from pathlib import Path

import pytest

from qa import Assistant
from tests.promises.catalogue.common import ARTICLES


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("catalogue")
    for name, text in ARTICLES.items():
        (root / "articles").mkdir(exist_ok=True)
        (root / "articles" / name).write_text(text)
    with Assistant.open(root / "index", model="hash:64") as a:
        a.add(root / "articles")
    return root / "index"


@pytest.fixture
def index(base, tmp_path) -> Path:
    """A private copy of the base index."""
    return Path(shutil.copytree(base, tmp_path / "index"))
