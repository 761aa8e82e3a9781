"""Shared fixtures: paths to ../shared/data, a fast fake-embedder assistant,
and one real-model assistant per session for the slow tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach a model hub

ROOT = Path(__file__).resolve().parent.parent
# Ray started by the tests (and by the qa processes they start) binds to 127.0.0.1 only: with
# this, Ray on Linux keeps its loopback address instead of the machine's own (see ray's
# ray_constants.ENABLE_RAY_CLUSTER). Set before ray is imported anywhere in the run.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
SHARED = ROOT.parent / "shared" / "data"
SEED = SHARED / "seed"
SQUAD = SHARED / "squad-dev-half"
SCIFACT = SHARED / "scifact"


def shared(path: Path) -> Path:
    """A path under ../shared/data, or a loud failure saying what is missing."""
    if not path.exists():
        pytest.fail(f"{path} is missing: the tests read ../shared/data beside the repository")
    return path


def run_qa(
    *args: object, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the ``qa`` command in a fresh process from the repository root (``env``:
    variables to set on top of this process's environment)."""
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        env=None if env is None else {**os.environ, **env},
    )


@pytest.fixture
def seed_dir() -> Path:
    return shared(SEED)


@pytest.fixture
def make_assistant(tmp_path):
    """An Assistant over a new index that uses the hashing embedder (no model files)."""
    from qa import Assistant

    opened = []

    def make(name: str = "index", model: str = "hash:256", **kwargs):
        a = Assistant.open(tmp_path / name, model=model, **kwargs)
        opened.append(a)
        return a

    yield make
    for a in opened:
        a.close()


@pytest.fixture(scope="session")
def minilm():
    """The packaged all-MiniLM-L6-v2, loaded once."""
    from index.embed import load_embedder

    return load_embedder(None)


@pytest.fixture(scope="session")
def seed_assistant(tmp_path_factory, minilm):
    """The real model over the seed article."""
    from qa import Assistant

    a = Assistant.open(tmp_path_factory.mktemp("seed") / "index", embedder=minilm)
    a.add([shared(SEED)])
    yield a
    a.close()
