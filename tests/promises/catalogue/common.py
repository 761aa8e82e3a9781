"""What every row of the bad-input catalogue shares: a small index (hashing embedder),
a private copy of it per row, and what must survive each bad input (see docs/RELIABILITY.md).

Every row checks three things: the error (or the skipped file's reason) is one
line and says what to do; the CLI exits non-zero (1 for an error, 3 when some
files were skipped); and the index that was there before is intact and still
answers the same."""


import subprocess
from pathlib import Path

from qa import Assistant
from tests.conftest import run_qa

QUESTION = "Who won the regional robotics contest?"
ARTICLES = {
    "steel.txt": "Steel tariffs rise\n\nWashington raised steel tariffs to 50 percent. Canada objected.",
    "ferry.txt": "Ferry line opens\n\nA new ferry line opened between the two islands on Monday.",
    "robots.txt": "School robots win\n\nThe robotics team from Lakeside won the regional contest.",
}


def fingerprint(index_dir: Path) -> tuple[list[tuple[str, int]], str]:
    """What must survive: the articles (id, chunks) and the answer to one question."""
    with Assistant.open(index_dir) as a:
        return sorted((x.id, x.chunks) for x in a.articles()), a.ask(QUESTION).answer


def qa(*args: object) -> subprocess.CompletedProcess[str]:
    return run_qa(*args, timeout=120)


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qa: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


