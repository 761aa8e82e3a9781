import json

import pytest

from tests.conftest import SEED, run_qa, shared


def qa(*args, check=True):
    proc = run_qa(*args)
    if check and proc.returncode != 0:
        raise AssertionError(f"qa {args} failed ({proc.returncode}): {proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    idx = tmp_path_factory.mktemp("cli") / "index"
    out = qa("ingest", shared(SEED), "--index", idx, "--model", "hash:128", "--json")
    report = json.loads(out.stdout)
    assert len(report["added"]) == 1 and report["rejected"] == []
    return idx


def test_ask_json_is_the_contract(index):
    out = qa("ask", "How much of Canada's exports go to the United States?", "--index", index, "--json")
    d = json.loads(out.stdout)
    assert {"question", "answer", "abstained", "citations", "passages", "timings_ms"} <= d.keys()
    assert "77%" in d["answer"]


def test_ask_text_lists_sources(index):
    out = qa("ask", "Who is the White House spokeswoman?", "--index", index)
    assert "Karoline Leavitt" in out.stdout and "Sources:" in out.stdout and "[1]" in out.stdout


def test_search_stats_and_remove(index, tmp_path):
    out = qa("search", "USMCA review", "--index", index, "-k", "2", "--json")
    assert len(json.loads(out.stdout)) == 2
    stats = json.loads(qa("stats", "--index", index, "--articles", "--json").stdout)
    assert stats["articles"] == 1 and stats["model"] == "hash:128"
    aid = stats["articles_list"][0]["id"]
    copy = tmp_path / "copy"
    qa("ingest", shared(SEED), "--index", copy, "--model", "hash:128", "--quiet")
    assert qa("remove", aid, "--index", copy).stdout.strip() == f"removed {aid}"
    assert json.loads(qa("stats", "--index", copy, "--json").stdout)["articles"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   ", "--index", "{index}"], "the question is empty"),
        (["ask", "tariffs?", "--index", "{index}", "-k", "0"], "positive whole number"),
        (["ask", "tariffs?", "--index", "{missing}"], "no index at"),
        (["remove", "nope", "--index", "{index}"], "no article with id 'nope'"),
        (["ingest", "{missing}", "--index", "{index}", "--model", "hash:64"], "dimension"),
    ],
)
def test_errors_are_one_line_and_nonzero(index, tmp_path, args, message):
    args = [a.format(index=index, missing=tmp_path / "missing") for a in args]
    proc = qa(*args, check=False)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qa: error: ") and message in lines[0]
    assert "Traceback" not in proc.stderr


def test_partial_ingest_reports_skipped_files_and_exits_3(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text("Good title\n\nA good body sentence here.")
    (tmp_path / "in" / "bad.jsonl").write_text('{"title": "x", "text": "fine text here"}\n{oops\n')
    proc = qa(
        "ingest", tmp_path / "in", "--index", tmp_path / "idx", "--model", "hash:64", "--quiet", check=False
    )
    assert proc.returncode == 3
    assert "bad.jsonl:2: malformed JSON" in proc.stderr
    assert proc.stdout.startswith("2 added")


def test_every_command_has_help_with_examples():
    for cmd in ("ingest", "ask", "search", "remove", "stats", "serve"):
        out = qa(cmd, "--help").stdout
        assert "examples:" in out, cmd
