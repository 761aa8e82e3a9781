"""Security promises: nothing unpickled, evaluated or run; article markup only
ever shown as text; no network at run time; local-only by default."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qa import Assistant
from tests.conftest import ROOT
from tests.promises.codescan import scan

PACKAGES = ("index", "qa", "ui", "eval")

# The processes the code starts: this package's own precision measurement, in a fresh
# interpreter (``sys.executable -m index.embed.precision MODEL``), no shell, fixed arguments.
# And qa bench timing ``qa ask`` as a new process (``sys.executable -m ui.cli ask ...``).
ALLOWED_RUNS = {
    ("index/embed/precision.py", "subprocess.run()"),
    ("eval/benchmeasure.py", "subprocess.run()"),
}


def sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_pickle_no_eval_nothing_run_in_the_code(path):
    """Imports, aliases, assignments, getattr and importlib included (the scan's own
    test, ``tests/promises/test_codescan.py``, shows each spelling caught)."""
    rel = path.relative_to(ROOT).as_posix()
    found = scan(path.read_text(encoding="utf-8"), rel, ALLOWED_RUNS)
    assert found == [], f"{path}: {found}"


def test_no_file_of_an_index_is_a_pickle(tmp_path):
    import numpy as np

    with Assistant.open(tmp_path / "index", model="hash:64") as a:
        a.add(ROOT / "eval/demo/articles")
    for f in (tmp_path / "index").rglob("*"):
        if not f.is_file():
            continue
        head = f.read_bytes()[:2]
        assert not (len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5), f"{f} looks like a pickle"
        if f.suffix == ".npy":
            np.load(f, allow_pickle=False)
        if f.suffix == ".npz":
            np.load(f, allow_pickle=False).close()


HOSTILE = {
    "title": "<img src=x onerror=alert(1)> Council <script>alert('t')</script> votes",
    "text": (
        "The council voted on the <b>budget</b> on Monday. <script>alert('x')</script> "
        "Ald. Reyes said the vote was {{7*7}} ${7*7} `rm -rf /` __import__('os').system('id') fair. "
        '[click](javascript:alert(1)) <a href="javascript:alert(2)">link</a> was in the minutes.'
    ),
    "source": "<script>alert('s')</script>",
    "url": "javascript:alert('u')",
    "date": "2026-01-05",
}


def test_article_markup_is_stored_as_text_and_rendered_escaped(tmp_path):
    from ui import format as fmt

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "hostile.jsonl").write_text(json.dumps(HOSTILE) + "\n")
    with Assistant.open(tmp_path / "index", model="hash:64") as a:
        assert len(a.add(tmp_path / "in").added) == 1
        stored = a.store.article(a.articles()[0].id)
        assert (
            stored is not None and "{{7*7}}" in stored.text and "<script>" in stored.text
        )  # verbatim, inert
        answer = a.ask("What did Reyes say about the vote on the budget?", k=1)
    assert answer.citations or answer.passages
    for rendered in (fmt.answer_markdown(answer), fmt.sources_html(answer)):
        tags = Tags()
        tags.feed(rendered)
        assert not tags.found & {"script", "img", "iframe", "b", "object", "embed", "svg"}, tags.found
        assert tags.unsafe == [], tags.unsafe
        assert "<script" not in rendered.lower()


class Tags(HTMLParser):
    """The elements a browser would build from a string, and any unsafe attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()
        self.unsafe: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.add(tag)
        for name, value in attrs:
            url = "".join((value or "").split()).lower()
            if name.startswith("on") or (
                name in ("href", "src") and url.startswith(("javascript:", "data:"))
            ):
                self.unsafe.append((name, value or ""))


BLOCK_NETWORK = """
import os, socket, sys
attempts = []
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo
LOCAL = ("127.", "::1", "localhost", "0.0.0.0")

def _local(address):
    host = address[0] if isinstance(address, tuple) else address
    host = host.decode() if isinstance(host, bytes) else str(host)
    return host == "" or host.startswith(LOCAL)

def connect(self, address):
    if self.family == socket.AF_UNIX or _local(address):
        return _connect(self, address)
    attempts.append(repr(address))
    raise OSError(101, f"network blocked by the test: {address}")

def connect_ex(self, address):
    if self.family == socket.AF_UNIX or _local(address):
        return _connect_ex(self, address)
    attempts.append(repr(address))
    return 101

def getaddrinfo(host, *args, **kwargs):
    if host is None or _local((host,)):
        return _getaddrinfo(host, *args, **kwargs)
    attempts.append(f"dns {host}")
    raise socket.gaierror(-2, f"name resolution blocked by the test: {host}")

socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.getaddrinfo = getaddrinfo

import atexit
atexit.register(lambda: print("NETWORK_ATTEMPTS=" + repr(attempts), flush=True))
"""

OFFLINE_RUN = """
from qa import Assistant
from ui.cli import main
index, articles, seed = sys.argv[1], sys.argv[2], sys.argv[3]
with Assistant.open(index) as a:  # the packaged MiniLM: loaded from its folder, nothing fetched
    report = a.add([articles])
    assert len(report.added) == 10, report.summary()
    answer = a.ask("What did Trump say about USMCA?")
    assert answer.citations, answer.abstain_reason
    print("ANSWER=" + answer.answer[:80], flush=True)
assert main(["ingest", seed, "--index", index, "--quiet"]) == 0
assert main(["ask", "How much of Canada's exports go to the United States?", "--index", index]) == 0
"""


@pytest.mark.slow
def test_ingest_and_ask_with_the_real_model_and_the_network_blocked(tmp_path, seed_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "SENTENCE_"))}
    env["HOME"] = str(tmp_path / "home")  # no cached hub files or tokens to lean on
    code = textwrap.dedent(BLOCK_NETWORK) + textwrap.dedent(OFFLINE_RUN)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(tmp_path / "index"),
            str(ROOT / "eval/demo/articles"),
            str(seed_dir),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ANSWER=" in proc.stdout and "77%" in proc.stdout
    assert "NETWORK_ATTEMPTS=[]" in proc.stdout, proc.stdout[-2000:]


def test_the_network_block_itself_works(tmp_path):
    """The guard above would notice a connection (so its passing means something)."""
    code = textwrap.dedent(BLOCK_NETWORK) + textwrap.dedent(
        """
        import urllib.request
        try:
            urllib.request.urlopen("http://example.com/", timeout=2)
        except OSError:
            pass
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "NETWORK_ATTEMPTS=['dns example.com']" in proc.stdout


def test_serve_binds_to_localhost_unless_told_otherwise():
    import inspect

    from ui import app
    from ui.cliargs import build_parser

    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    assert inspect.signature(app.serve).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(app.launch).parameters["host"].default == "127.0.0.1"


def test_login_comes_from_auth_or_the_environment(monkeypatch):
    from ui.cliargs import build_parser

    monkeypatch.setenv("QA_AUTH", "alice:secret")
    assert build_parser().parse_args(["serve"]).auth == "alice:secret"
    assert build_parser().parse_args(["serve", "--auth", "bob:pw"]).auth == "bob:pw"


def test_files_over_the_size_limit_are_refused_unread(tmp_path):
    from index.sources.readers import MAX_FILE_MB, read_file

    big = tmp_path / "huge.jsonl"
    with open(big, "wb") as fh:  # sparse: costs no disk
        fh.truncate(MAX_FILE_MB * 1024 * 1024 + 1)
    articles, problems = read_file(big)
    assert articles == [] and f"over the {MAX_FILE_MB} MB limit per file; split it" in str(problems[0])
