"""One writer at a time, readers all the time, and writes that are atomic.

Other processes are real subprocesses: a writer that holds the lock (or has
committed records but not yet saved FAISS and BM25) is started, and the index
is used from this process meanwhile."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from index.errors import IndexLockedError
from index.storage.files import atomic_write_text
from qa import Assistant
from tests.conftest import ROOT, run_qa

TOPICS = ["ferry", "steel", "robots", "library", "marathon", "harbour", "budget", "orchard"]


def article(folder: Path, name: str, title: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{title}\n\n{body}")
    return path


def make_corpus(folder: Path, n: int, tag: str = "") -> Path:
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        article(
            folder,
            f"{tag}{i:04d}.txt",
            f"{topic.title()} report {tag}{i}",
            f"The {topic} committee met on day {i} and agreed on item {tag}{i}. "
            f"Officials said the {topic} plan number {i} would start soon.",
        )
    return folder


@pytest.fixture
def index(tmp_path) -> Path:
    with Assistant.open(tmp_path / "index", model="hash:64") as a:
        a.add(make_corpus(tmp_path / "corpus", 12))
    return tmp_path / "index"


def qa(*args: object) -> subprocess.CompletedProcess[str]:
    return run_qa(*args, timeout=120)


HOLD = """
import sys, time
from index.storage.store import IndexStore
store = IndexStore.open(sys.argv[1])
with store.writing():
    if sys.argv[2] == "commit":  # records committed, FAISS and BM25 not yet saved
        from index.ingest import ingest
        from index.embed import load_embedder
        store.derive = lambda: None  # this writer dies before it saves them
        ingest(store, load_embedder("hash:64"), [sys.argv[3]])
    print("holding", flush=True)
    time.sleep(120)
"""


class Holder:
    """A subprocess that holds the writer lock until killed."""

    def __init__(self, index: Path, mode: str = "hold", extra: str = "") -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(HOLD), str(index), mode, extra],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        assert line.strip() == "holding", self.proc.stderr.read() if self.proc.stderr else line

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


def test_a_second_writer_is_told_which_pid_holds_the_lock_and_readers_keep_answering(index, tmp_path):
    new = article(tmp_path / "new", "new.txt", "Orchard harvest ends", "The orchard harvest ended on Sunday.")
    holder = Holder(index)
    try:
        with Assistant.open(index) as a:
            with pytest.raises(IndexLockedError, match=rf"locked by PID {holder.pid} \(python -c"):
                a.add(new)
            with pytest.raises(IndexLockedError, match=f"PID {holder.pid}"):
                a.remove(a.articles()[0].id)
            assert a.ask("What did the ferry committee agree on?").passages  # reading works meanwhile
        proc = qa("ingest", new, "--index", index)
        assert proc.returncode == 1
        (line,) = proc.stderr.strip().splitlines()
        assert line.startswith(f"qa: error: the index at {index} is locked by PID {holder.pid}")
        assert "wait for it to finish and run this again" in line
        assert qa("ask", "What did the steel committee agree on?", "--index", index).returncode == 0
    finally:
        holder.kill()  # SIGKILL: the kernel drops the lock with the process
    with Assistant.open(index) as a:
        assert len(a.add(new).added) == 1
        assert len(a.articles()) == 13


def test_writers_in_one_process_take_turns_and_a_second_store_is_refused(index, tmp_path):
    paths = [
        article(tmp_path / "t", f"t{i}.txt", f"Thread story {i}", f"Thread number {i} wrote this story.")
        for i in range(6)
    ]
    errors: list[BaseException] = []
    with Assistant.open(index) as a:

        def add(p: Path) -> None:
            try:
                a.add(p)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=add, args=(p,)) for p in paths]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and len(a.articles()) == 18
        with Assistant.open(index) as other, a.store.writing():
            with pytest.raises(IndexLockedError, match=f"PID {os.getpid()} \\(this process"):
                other.add(paths[0])


def test_a_reader_opened_before_a_write_answers_during_it_and_sees_it_after(index, tmp_path):
    new = article(
        tmp_path / "new",
        "kite.txt",
        "Kite festival returns",
        "The kite festival returned to Farrow Bay on Saturday.",
    )
    with Assistant.open(index) as reader:
        before = reader.search("kite festival Farrow Bay", k=3, mode="bm25")
        assert all("Kite" not in p.title for p in before)
        holder = Holder(index, "commit", str(new))  # commits the article, then hangs before saving FAISS/BM25
        try:
            for mode in ("hybrid", "dense", "bm25"):  # the old view still answers, whole and consistent
                assert reader.search("committee plan", k=5, mode=mode)
            with Assistant.open(index) as fresh:  # a reader opening mid-write sees the committed state
                hits = fresh.search("kite festival Farrow Bay", k=1, mode="bm25")
                assert hits[0].title == "Kite festival returns"
                assert len(fresh.store.view.vectors) == len(fresh.store.view.lexical) == fresh.stats().chunks
        finally:
            holder.kill()  # dies without saving FAISS and BM25
        hits = reader.search("kite festival Farrow Bay", k=1, mode="bm25")  # picked up, rebuilt, saved
        assert hits[0].title == "Kite festival returns"
        assert len(reader.store.view.vectors) == len(reader.store.view.lexical) == reader.stats().chunks
    gen = json.loads((index / "derived.json").read_text())["generation"]
    with Assistant.open(index) as again:
        assert again.store.generation() == gen  # the rebuilt files were saved for everyone


def test_a_reader_sees_what_another_process_added_and_removed(index, tmp_path):
    new = article(
        tmp_path / "new", "owl.txt", "Owl census counts more owls", "Volunteers counted 41 owls in May."
    )
    with Assistant.open(index) as reader:
        assert (
            reader.ask("How many owls did volunteers count?").passages[0].title
            != "Owl census counts more owls"
        )
        assert qa("ingest", new, "--index", index).returncode == 0
        answer = reader.ask("How many owls did volunteers count?")
        assert answer.passages[0].title == "Owl census counts more owls"
        owl = answer.passages[0].article_id
        assert qa("remove", owl, "--index", index).returncode == 0
        assert all(p.article_id != owl for p in reader.search("owls volunteers", k=5))


def test_asking_while_adding_and_removing_in_the_same_process_never_fails(index, tmp_path):
    """Readers take one snapshot per request: a write landing mid-request cannot mix
    FAISS and BM25 of two generations (which would raise or cite wrong chunks). Every
    passage and citation is a slice of its article's text at its offsets: of the article
    as stored now, or, for one this test removed meanwhile, as it was before removal."""
    errors: list[BaseException] = []
    removed: dict[str, str] = {}  # id -> text, recorded before the article is removed
    answers = [0]
    stop = threading.Event()
    with Assistant.open(index) as a:

        def ask_forever(i: int) -> None:
            while not stop.is_set():
                try:
                    for mode in ("hybrid", "dense", "bm25"):
                        ans = a.ask(f"What did the {TOPICS[i % 8]} committee agree on?", mode=mode)
                        spans = [(p.article_id, p.start, p.end, p.text) for p in ans.passages]
                        spans += [(c.article_id, c.start, c.end, c.sentence) for c in ans.citations]
                        for article_id, start, end, text in spans:
                            stored = a.store.article(article_id)
                            whole = stored.text if stored is not None else removed.get(article_id)
                            assert whole is not None, f"{article_id} is neither stored nor removed"
                            assert text and whole[start:end] == text, (article_id, start, end)
                        answers[0] += 1
                except BaseException as exc:
                    errors.append(exc)
                    return

        readers = [threading.Thread(target=ask_forever, args=(i,)) for i in range(4)]
        for t in readers:
            t.start()
        try:
            for round_ in range(6):
                a.add(make_corpus(tmp_path / f"round{round_}", 15, tag=f"r{round_}-"))
                for art in a.articles()[:3]:
                    stored = a.article(art.id)
                    assert stored is not None
                    removed[art.id] = stored.text
                    a.remove(art.id)
        finally:
            stop.set()
            for t in readers:
                t.join()
    assert errors == [], errors[:1]
    assert answers[0] > 20


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "manifest.json"
    atomic_write_text(target, "old")

    def boom(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_every_file_is_fsynced_before_it_is_switched_to(index, tmp_path, monkeypatch):
    """FAISS, BM25, derived.json and manifest.json: written to a temporary name,
    fsynced, renamed; SQLite runs in WAL mode with synchronous=FULL."""
    synced: set[str] = set()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.add(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with Assistant.open(index) as a:
        a.add(make_corpus(tmp_path / "more", 3, tag="m"))
        folder = json.loads((index / "derived.json").read_text())["folder"]
        tmp_name = f".{folder}.tmp"
        files = [p for p in (index / folder).rglob("*") if p.is_file()]
        assert files
        for f in files:
            assert str(f).replace(f"/{folder}/", f"/{tmp_name}/") in synced, f
        assert any(s.startswith(str(index / ".derived.json.")) for s in synced)
        assert any(s.startswith(str(index / ".manifest.json.")) for s in synced)
        assert str(index) in synced  # the directory entry of each rename
        conn = a.store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_failed_save_of_derived_files_keeps_the_previous_ones(index, tmp_path, monkeypatch):
    from index.storage.bm25.index import LexicalIndex

    before = json.loads((index / "derived.json").read_text())

    def fail(self: object, directory: Path, link_from: object = ()) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(LexicalIndex, "save", fail)
    with Assistant.open(index) as a:
        report = a.add(make_corpus(tmp_path / "more", 2, tag="x"))  # records are committed all the same
        assert len(report.added) == 2
        assert a.search("item x1", k=1, mode="bm25")[0].title == "Steel report x1"  # in memory
    assert json.loads((index / "derived.json").read_text()) == before
    assert not [p for p in index.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.undo()
    with Assistant.open(index) as b:  # the next open rebuilds them from the records
        assert b.search("item x1", k=1, mode="bm25")[0].title == "Steel report x1"
    assert json.loads((index / "derived.json").read_text())["generation"] > before["generation"]


def test_a_lost_manifest_is_restored_from_the_records(index):
    stats = Assistant.open(index).stats()
    (index / "manifest.json").unlink()
    with Assistant.open(index) as a:
        assert a.stats().articles == stats.articles and a.stats().model == "hash:64"
    assert (index / "manifest.json").is_file()


def test_a_folder_left_by_an_interrupted_create_can_be_used(tmp_path):
    d = tmp_path / "index"
    d.mkdir()
    (d / "records.sqlite").write_bytes(b"")  # died before the first commit
    (d / "write.lock").write_text("")
    with Assistant.open(d, model="hash:64") as a:
        assert len(a.add(make_corpus(tmp_path / "c", 2)).added) == 2


def test_the_lock_wait_is_bounded(index):
    holder = Holder(index)
    try:
        with Assistant.open(index) as a:
            a.store.lock_timeout = 0.5
            started = time.monotonic()
            with pytest.raises(IndexLockedError):
                a.remove(a.articles()[0].id)
            assert 0.4 < time.monotonic() - started < 5
    finally:
        holder.kill()
