"""The bad-input catalogue: missing, damaged or foreign index folders fail with one line
naming the fix, and nothing changes on disk."""


import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from index.errors import IndexCorruptError, IndexMismatchError, QAError
from qa import Assistant
from tests.conftest import ROOT
from tests.promises.catalogue.common import QUESTION, fingerprint, one_line_error, qa

# -- index directories ------------------------------------------------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not what you think it is\x00\xff" * 100)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _derived_folder(index: Path) -> Path:
    return index / json.loads((index / "derived.json").read_text())["folder"]


@dataclass(frozen=True)
class Damage:
    name: str
    damage: Callable[[Path], None]
    error: type[QAError] | None  # None: the index repairs itself and answers as before
    message: str = ""


DAMAGES = [
    Damage("manifest is not JSON", lambda d: (d / "manifest.json").write_text("{broken"), IndexCorruptError,
           "manifest.json is damaged; the articles are safe in records.sqlite: delete manifest.json"),
    Damage("manifest of a future version", lambda d: (d / "manifest.json").write_text(
        json.dumps({"settings": {"format_version": 99}})), IndexMismatchError,
           "format version 99, this program reads version 1; rebuild"),
    Damage("manifest deleted", lambda d: (d / "manifest.json").unlink(), None),
    Damage("records are garbage", lambda d: _garbage(d / "records.sqlite"), IndexCorruptError,
           "records.sqlite is damaged (file is not a database); restore it from a backup"),
    Damage("records truncated", lambda d: _truncate(d / "records.sqlite"), IndexCorruptError,
           "restore it from a backup"),
    Damage("records deleted", lambda d: (d / "records.sqlite").unlink(), IndexCorruptError,
           "records.sqlite is missing"),
    Damage("derived.json is garbage", lambda d: _garbage(d / "derived.json"), None),
    Damage("derived.json deleted", lambda d: (d / "derived.json").unlink(), None),
    Damage("derived.json points outside", lambda d: (d / "derived.json").write_text(
        json.dumps({"folder": "../../etc", "generation": 1})), None),
    Damage("FAISS file is garbage", lambda d: _garbage(_derived_folder(d) / "vectors.faiss"), None),
    Damage("FAISS file truncated", lambda d: _truncate(_derived_folder(d) / "vectors.faiss"), None),
    Damage("BM25 files deleted", lambda d: shutil.rmtree(_derived_folder(d) / "bm25"), None),
    Damage("derived folder deleted", lambda d: shutil.rmtree(_derived_folder(d)), None),
    Damage("lock file is garbage", lambda d: _garbage(d / "write.lock"), None),
]  # fmt: skip


@pytest.mark.parametrize("case", DAMAGES, ids=lambda c: c.name)
def test_damaged_indexes_fail_clearly_or_repair_themselves(index, case):
    before = fingerprint(index)
    case.damage(index)
    if case.error is None:
        assert fingerprint(index) == before  # rebuilt from the records, nothing embedded again
        with Assistant.open(index) as a:  # and writable again
            assert a.articles() and a.add([]).rejected == ()
        return
    snapshot = {p.name: p.read_bytes() for p in index.iterdir() if p.is_file()}
    with pytest.raises(case.error) as err:
        Assistant.open(index)
    assert case.message in str(err.value) and "\n" not in str(err.value)
    proc = qa("ask", QUESTION, "--index", index)
    assert proc.returncode == 1 and case.message in one_line_error(proc.stderr)
    after = {p.name: p.read_bytes() for p in index.iterdir() if p.is_file() and p.name in snapshot}
    assert after == snapshot  # a failed open changes nothing on disk


def test_missing_index_for_asking(tmp_path):
    proc = qa("ask", QUESTION, "--index", tmp_path / "nope")
    assert proc.returncode == 1
    assert "no index at" in one_line_error(proc.stderr) and "qa ingest PATH --index" in proc.stderr
    assert not (tmp_path / "nope").exists()


def test_foreign_folder_is_never_used_as_an_index(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "letter.txt").write_text("Dear reader")
    (tmp_path / "article.txt").write_text("A title\n\nSome article text for the index.")
    proc = qa("ingest", tmp_path / "article.txt", "--index", tmp_path / "docs", "--model", "hash:64")
    assert proc.returncode == 1
    assert "is not empty, but is not an index; pick an empty or new folder" in one_line_error(proc.stderr)
    assert [p.name for p in (tmp_path / "docs").iterdir()] == ["letter.txt"]
    proc = qa("ingest", tmp_path / "article.txt", "--index", tmp_path / "article.txt", "--model", "hash:64")
    assert proc.returncode == 1 and "not a folder" in one_line_error(proc.stderr)


def test_wrong_model_is_refused_naming_both(index, tmp_path):
    (tmp_path / "a.txt").write_text("A title\n\nSome article text for the index.")
    before = fingerprint(index)
    proc = qa("ingest", tmp_path / "a.txt", "--index", index, "--model", "hash:32")
    assert proc.returncode == 1
    line = one_line_error(proc.stderr)
    assert "'hash:64' (dimension 64)" in line and "'hash:32' (dimension 32)" in line
    assert "open it with the same model" in line
    assert fingerprint(index) == before


def test_an_index_folder_that_cannot_be_created_is_one_line(tmp_path):
    (tmp_path / "a.txt").write_text("A title\n\nSome article text for the index.")
    (tmp_path / "file").write_text("x")
    proc = qa("ingest", tmp_path / "a.txt", "--index", tmp_path / "file" / "sub", "--model", "hash:64")
    assert proc.returncode == 1 and "qa: error: " in one_line_error(proc.stderr)


def test_lost_manifest_and_damaged_records_are_refused_not_overwritten(index):
    (index / "manifest.json").unlink()
    _garbage(index / "records.sqlite")
    damaged = (index / "records.sqlite").read_bytes()
    with pytest.raises(
        IndexCorruptError, match=r"manifest\.json is missing and whose records\.sqlite is damaged"
    ):
        Assistant.open(index, model="hash:64")
    assert (index / "records.sqlite").read_bytes() == damaged
    proc = qa("ingest", ROOT / "eval/demo/articles", "--index", index, "--model", "hash:64")
    assert proc.returncode == 1 and "is damaged" in one_line_error(proc.stderr)
