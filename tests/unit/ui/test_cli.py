import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED, run_qa, shared


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
        (["ask", "tariffs?", "--index", "{afile}"], "is a file, not an index folder"),  # not 'qa ingest' it
        (["stats", "--index", "{afile}"], "is a file, not an index folder"),
        (["remove", "nope", "--index", "{index}"], "no article with id 'nope'"),
        (["ingest", "{missing}", "--index", "{index}", "--model", "hash:64"], "dimension"),
    ],
)
def test_errors_are_one_line_and_nonzero(index, tmp_path, args, message):
    (tmp_path / "notes.txt").write_text("a file")
    args = [a.format(index=index, missing=tmp_path / "missing", afile=tmp_path / "notes.txt") for a in args]
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


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    """`qa stats --articles | head -1` on a big library: the reader stops reading long before
    the output ends (past the pipe's buffer); no error line, no traceback."""
    records = tmp_path / "many.jsonl"
    with records.open("w") as fh:
        for i in range(3000):
            fh.write(
                json.dumps({"title": f"Harbour note {i}", "text": f"Boat {i} came in at dawn today."}) + "\n"
            )
    idx = tmp_path / "idx"
    qa("ingest", records, "--index", idx, "--model", "hash:32", "--quiet")
    for args in (["stats", "--articles"], ["search", "boat", "-k", "100", "--json"]):
        proc = subprocess.run(
            f"{sys.executable} -m ui.cli {' '.join(args)} --index {idx} | head -n 1",
            shell=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 1, proc.stderr
        assert proc.stderr == "", proc.stderr


def test_os_errors_say_what_failed_in_plain_words(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    proc = qa("ingest", shared(SEED), "--index", blocker / "index", "--model", "hash:64", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("qa: error: ") and "free disk space" not in line
    assert "is a file, not a folder" in line or "not a folder" in line


def test_duplicates_are_reported_but_are_not_an_error(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Ferry title\n\nThe ferry sails at noon every day.")
    (tmp_path / "in" / "b.txt").write_text("Ferry title\n\nThe ferry sails at noon every day.")
    proc = qa("ingest", tmp_path / "in", "--index", tmp_path / "idx", "--model", "hash:64", "--quiet")
    assert proc.returncode == 0 and proc.stdout.startswith("1 added")
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("qa: duplicate ") and "b.txt" in line and "not added again" in line


def test_bm25_says_when_fewer_passages_match_than_were_asked_for(index):
    proc = qa("search", "steel tariffs", "--index", index, "-k", "3", "--mode", "bm25")
    found = [ln for ln in proc.stdout.splitlines() if ln[:1].isdigit()]
    if len(found) < 3:  # one chunk of the seed holds neither word
        assert f"qa: {len(found)} of the 3 passages asked for: bm25 returns only chunks" in proc.stderr


def test_an_index_with_only_its_records_is_an_index_for_the_cli_too(index, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(index, copy)
    (copy / "manifest.json").unlink()  # the library restores it from the records
    out = qa("ask", "Who is the White House spokeswoman?", "--index", copy)
    assert "Karoline Leavitt" in out.stdout


def test_doctor_shows_each_precision_and_the_choice():
    out = qa("doctor", "--json").stdout
    d = json.loads(out)
    assert {m["precision"] for m in d["measured"]} == {"int8", "fp32", "bf16"}
    assert d["query"]["precision"] in ("int8", "fp32", "bf16") and d["query"]["reason"]
    text = qa("doctor").stdout
    assert "auto:" in text and "passages/s" in text


@pytest.mark.parametrize(
    ("variable", "value", "allowed"),
    [
        ("QA_NPROBE", "abc", "use a whole number from 1 up"),
        ("QA_NPROBE", "0", "use a whole number from 1 up"),
        ("QA_VECTOR_INDEX", "hnsw", "use auto, flat or ivf"),
        ("QA_PRECISION", "fp16", "use auto, fp32, bf16 or int8"),
        ("QA_STORE", "mongo", "use local, milvus, milvus:PATH or milvus+http://HOST:PORT[/NAME]"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable_and_what_it_takes(index, variable, value, allowed):
    proc = run_qa("stats", "--index", index, env={variable: value})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"qa: error: {variable}={value!r} is not allowed; {allowed}, or unset it"


def test_the_cli_opens_an_index_the_library_opens_one_with_its_records_only(index, tmp_path):
    import shutil

    copy = Path(shutil.copytree(index, tmp_path / "records-only"))
    (copy / "manifest.json").unlink()  # the library restores it from the records
    out = qa("ask", "Who is the White House spokeswoman?", "--index", copy)
    assert "Karoline Leavitt" in out.stdout and (copy / "manifest.json").is_file()
    (tmp_path / "empty").mkdir()
    proc = run_qa("ask", "anything?", "--index", tmp_path / "empty")
    assert proc.returncode == 1 and "no index at" in proc.stderr


def test_no_index_points_to_the_demo_index_that_make_run_built(tmp_path):
    """After `make run`, `qa stats` (default index .qa/index) named no way forward; it now
    names the demo index when there is one."""
    from qa import Assistant

    with Assistant.open(tmp_path / ".qa" / "demo", model="hash:64") as a:
        a.add([shared(SEED)])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "ui.cli", "stats"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, env=env)  # fmt: skip
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "no index at .qa/index" in done.stderr and "--index .qa/demo" in done.stderr
    done = subprocess.run([sys.executable, "-m", "ui.cli", "stats", "--index", ".qa/demo"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_an_ingest_that_adds_nothing_leaves_no_new_index_behind(tmp_path, index):
    new = tmp_path / "new"
    proc = qa("ingest", tmp_path / "missing.txt", "--index", new, "--model", "hash:64", check=False)
    assert proc.returncode == 3 and "missing.txt" in proc.stderr
    assert f"no index was made at {new}" in proc.stderr and not new.exists()
    # an index that was there stays, even when this call adds nothing to it
    assert qa("ingest", tmp_path / "missing.txt", "--index", index, check=False).returncode == 3
    assert json.loads(qa("stats", "--index", index, "--json").stdout)["articles"] == 1
