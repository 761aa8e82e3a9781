"""The segmented BM25 index: equal to bm25s over the live texts, through adds, removals,
merges and save/load; tombstone semantics; hard-linked saves."""

from __future__ import annotations

import json
import math
import os
import random
import shutil

import numpy as np
import pytest

from index.storage.bm25.index import LexicalIndex
from index.storage.bm25.segments import MAX_SEGMENTS
from index.text.terms import STOPWORDS, tokenize

WORDS = [f"w{i}x" for i in range(120)]
WORDS += ["steel", "tariffs", "ferry", "robots", "the", "and", "running", "ran"]


def corpus_text(rng: random.Random, n_words: int | None = None) -> str:
    n = rng.randint(0, 30) if n_words is None else n_words
    # Zipf-like (low indexes much more common), plus some uniform picks for the rare words
    pick = [min(int(rng.paretovariate(1.1)) - 1, len(WORDS) - 1) for _ in range(n)]
    return " ".join(WORDS[i if rng.random() < 0.75 else rng.randrange(len(WORDS))] for i in pick)


def _bm25s():  # the reference implementation, a test dependency only
    import logging

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.NOTSET)  # it sets DEBUG on import
    return bm25s


def reference(texts: dict[int, str], query: str) -> np.ndarray | None:
    """bm25s's scores of ``query`` over ``texts`` in id order; None when no query term is indexed."""
    bm25 = _bm25s().BM25(k1=1.2, b=0.75)
    bm25.index([tokenize(texts[i]) for i in sorted(texts)], show_progress=False)
    tokens = [t for t in tokenize(query) if t in bm25.vocab_dict and t]
    return np.asarray(bm25.get_scores(tokens)) if tokens else None


def check_equal(index: LexicalIndex, texts: dict[int, str], queries: list[str]) -> None:
    live = np.asarray(sorted(texts), dtype=np.int64)
    assert np.array_equal(index.live_ids(), live)
    assert len(index) == len(live)
    rows = index.rows(live)
    assert (rows >= 0).all()
    dead = np.setdiff1d(index.ids, live)
    assert (index.rows(dead) == -1).all()
    for q in queries:
        got, want = index.score_all(q), reference(texts, q) if texts else None
        if want is None:
            assert got is None, q
            continue
        assert got is not None and got.dtype == np.float32 and len(got) == len(index.ids)
        np.testing.assert_allclose(got[rows], want, rtol=1e-5, atol=1e-5, err_msg=q)
        assert (got[np.isin(index.ids, dead)] == 0).all()  # removed rows score exactly 0


QUERIES = ["w0x", "w1x w2x w3x w40x w250x", "steel steel tariffs", "running ferry", "the and", "nothing"]
QUERIES.append("w0x w0x w5x")  # a repeated query token counts once per occurrence, as in bm25s


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_bm25s_through_updates(seed):
    rng = random.Random(seed)
    texts = {i: corpus_text(rng) for i in range(1, 60)}
    index = LexicalIndex.build(list(texts), list(texts.values()))
    check_equal(index, texts, QUERIES)
    next_id = 100
    for step in range(25):
        add = {next_id + j: corpus_text(rng) for j in range(rng.randint(0, 12))}
        next_id += 20
        remove = [*rng.sample(sorted(texts), min(len(texts), rng.randint(0, 8))), 10**9]  # 10**9 is absent
        index = index.updated(list(add), list(add.values()), remove)
        for i in remove:
            texts.pop(i, None)
        texts.update(add)
        assert index.segments <= MAX_SEGMENTS
        check_equal(index, texts, QUERIES if step % 5 == 4 else QUERIES[:3])
        for token in ["w0x", "w7x", "steel", "absent"]:
            df = sum(token in tokenize(t) for t in texts.values())
            n = len(texts)
            assert index.idf(token) == pytest.approx(math.log(1 + (n - df + 0.5) / (df + 0.5)))


def test_updated_leaves_the_old_index_unchanged():
    old = LexicalIndex.build([1, 2, 3], ["steel tariffs", "ferry at noon", "steel mills"])
    before = (old.ids.copy(), old.score_all("steel"), len(old), old.idf("steel"))
    new = old.updated([4, 5], ["steel again", "robots"], [1])
    assert (old.ids.tolist(), len(old), old.idf("steel")) == (before[0].tolist(), before[2], before[3])
    assert np.array_equal(old.score_all("steel"), before[1])
    assert old.rows(np.array([1])).tolist() == [0]
    assert len(new) == 4 and new.rows(np.array([1])).tolist() == [-1]


def test_updated_rejects_bad_input():
    index = LexicalIndex.build([5, 6], ["a steel", "ferry"])
    with pytest.raises(ValueError, match="exceed"):
        index.updated([6], ["x"], [])
    with pytest.raises(ValueError, match="ascend"):
        index.updated([9, 8], ["x", "y"], [])
    with pytest.raises(ValueError, match="one id per text"):
        index.updated([9], [], [])
    with pytest.raises(ValueError, match="twice"):
        LexicalIndex.build([1, 1], ["a", "b"])


def test_build_sorts_ids():
    index = LexicalIndex.build([3, 1, 2], ["ferry", "steel", "robots"])
    assert index.ids.tolist() == [1, 2, 3]
    assert index.search("steel", 5)[0].tolist() == [1]


def test_tombstones_in_rows_top_search_and_stats():
    texts = ["steel tariffs", "steel steel", "ferry steel", "robots", "steel mills hire", "steel"]
    index = LexicalIndex.build(list(range(10, 16)), texts)
    index = index.updated([], [], [11])  # one of six: below the compaction threshold
    assert index.ids.tolist() == list(range(10, 16)) and len(index) == 5
    assert index.live_ids().tolist() == [10, 12, 13, 14, 15]
    assert index.rows(np.array([10, 11, 99])).tolist() == [0, -1, -1]
    scores = index.score_all("steel")
    assert scores is not None and scores[1] == 0
    ids, top = index.top(scores, 10)
    assert 11 not in ids.tolist() and 13 not in ids.tolist() and (top > 0).all()
    assert list(top) == sorted(top, reverse=True)
    assert index.search("steel", 2)[0].tolist() == ids[:2].tolist()
    live = scores[index.rows(index.live_ids())]
    assert index.score_stats(scores) == pytest.approx((live.mean(), live.std()))
    forced = np.ones(len(index.ids), dtype=np.float32)  # removed rows stay out whatever the scores say
    assert index.top(forced, 10)[0].tolist() == [10, 12, 13, 14, 15]


def test_top_breaks_ties_by_lower_id():
    index = LexicalIndex.build(list(range(1, 11)), ["steel ferry"] * 10)
    scores = index.score_all("steel")
    assert index.top(scores, 3)[0].tolist() == [1, 2, 3]
    scores[6] += 1
    assert index.top(scores, 3)[0].tolist() == [7, 1, 2]
    assert index.top(scores, 0)[0].tolist() == []


def test_empty_index(tmp_path):
    index = LexicalIndex.build([], [])
    assert len(index) == 0 and index.ids.dtype == np.int64 and len(index.ids) == 0 and index.segments == 0
    assert index.score_all("steel") is None
    assert index.search("steel", 3)[0].tolist() == []
    assert index.rows(np.array([1])).tolist() == [-1]
    assert index.idf("steel") == pytest.approx(math.log(2))
    assert index.score_stats(np.zeros(0, dtype=np.float32)) == (0.0, 0.0)
    index.save(tmp_path / "e")
    loaded = LexicalIndex.load(tmp_path / "e")
    assert len(loaded) == 0 and loaded.score_all("steel") is None
    grown = loaded.updated([1], ["steel"], [])
    assert grown.search("steel", 3)[0].tolist() == [1]
    gone = grown.updated([], [], [1])  # every row removed: the segment is dropped
    assert len(gone) == 0 and gone.segments == 0 and gone.score_all("steel") is None


def test_texts_without_tokens():
    index = LexicalIndex.build([1, 2], ["the and", ""])
    assert len(index) == 2 and index.score_all("the steel") is None


def test_merge_policy_bounds_segments_and_keeps_scores():
    rng = random.Random(7)
    texts = {i: corpus_text(rng, 20) for i in range(1000)}
    index = LexicalIndex.build(list(texts), list(texts.values()))
    counts = []
    for step in range(60):
        add = {2000 + 10 * step + j: corpus_text(rng, 20) for j in range(10)}
        index = index.updated(list(add), list(add.values()), [])
        texts.update(add)
        counts.append(index.segments)
    assert max(counts) <= MAX_SEGMENTS and 1 < max(counts)
    check_equal(index, texts, QUERIES)


def test_updates_tokenize_only_the_added_texts(monkeypatch):
    import index.storage.bm25.index as lexical

    rng = random.Random(5)
    index = LexicalIndex.build(list(range(100)), [corpus_text(rng, 10) for _ in range(100)])
    calls = []
    monkeypatch.setattr(lexical, "tokenize", lambda text: calls.append(text) or tokenize(text))
    for step in range(12):  # merges along the way
        index = index.updated([1000 + step], ["steel ferry"], [step])
    assert len(calls) == 12


def test_compaction_drops_removed_rows():
    rng = random.Random(3)
    texts = {i: corpus_text(rng, 10) for i in range(1, 101)}
    index = LexicalIndex.build(list(texts), list(texts.values()))
    index = index.updated([], [], list(range(1, 16)))  # 15%: tombstones
    assert len(index.ids) == 100 and len(index) == 85
    index = index.updated([], [], list(range(16, 26)))  # 25%: rewritten without them
    assert index.ids.tolist() == list(range(26, 101)) and len(index) == 75
    for i in range(1, 26):
        del texts[i]
    check_equal(index, texts, QUERIES)


def saved(tmp_path, name="a"):
    rng = random.Random(11)
    texts = {i: corpus_text(rng) for i in range(1, 80)}
    index = LexicalIndex.build(list(texts), list(texts.values())).updated([], [], [3, 4])
    index.save(tmp_path / name)
    return index, texts


def seg_files(directory):
    meta = json.loads((directory / "lexical.json").read_text())
    return {e["name"]: directory / e["name"] for e in meta["segments"]}


def test_save_load_round_trip(tmp_path):
    index, texts = saved(tmp_path)
    loaded = LexicalIndex.load(tmp_path / "a")
    assert np.array_equal(loaded.ids, index.ids) and len(loaded) == len(index) == 77
    assert isinstance(loaded.ids, np.memmap) or isinstance(loaded.ids.base, np.memmap)
    for q in QUERIES:
        a, b = index.score_all(q), loaded.score_all(q)
        assert (a is None and b is None) or np.array_equal(a, b)
        assert loaded.idf(q) == index.idf(q)
    del texts[3], texts[4]
    check_equal(loaded.updated([500], ["steel ferry"], [5]), {**{i: t for i, t in texts.items() if i != 5},
                                                               500: "steel ferry"}, QUERIES)  # fmt: skip


def test_save_hard_links_unchanged_segments(tmp_path):
    saved(tmp_path)
    loaded = LexicalIndex.load(tmp_path / "a")
    new = loaded.updated([1000], ["steel robots"], [7])
    new.save(tmp_path / "b")
    old_files, new_files = seg_files(tmp_path / "a"), seg_files(tmp_path / "b")
    shared = set(old_files) & set(new_files)
    assert shared and len(new_files) == len(shared) + 1
    for name in shared:
        for f in old_files[name].iterdir():
            assert os.stat(f).st_ino == os.stat(new_files[name] / f.name).st_ino
    # saved once more into its own folder: nothing is truncated or rewritten
    LexicalIndex.load(tmp_path / "b").save(tmp_path / "b")
    assert np.array_equal(LexicalIndex.load(tmp_path / "b").score_all("w1x"), new.score_all("w1x"))


def test_save_after_move_links_from_link_from(tmp_path):
    index, _ = saved(tmp_path, "tmp")
    os.replace(tmp_path / "tmp", tmp_path / "final")  # how the store publishes a save
    new = index.updated([1000], ["steel"], [])
    new.save(tmp_path / "next", link_from=[tmp_path / "final"])
    (name,) = seg_files(tmp_path / "final")
    for f in (tmp_path / "final" / name).iterdir():
        assert os.stat(f).st_ino == os.stat(tmp_path / "next" / name / f.name).st_ino


def test_save_writes_when_the_old_files_are_gone(tmp_path):
    saved(tmp_path)
    loaded = LexicalIndex.load(tmp_path / "a")
    shutil.rmtree(tmp_path / "a")  # the memory-mapped arrays stay readable
    loaded.save(tmp_path / "b")
    for folder in seg_files(tmp_path / "b").values():
        assert all(os.stat(f).st_nlink == 1 for f in folder.iterdir())
    again = LexicalIndex.load(tmp_path / "b")
    assert np.array_equal(again.score_all("w2x"), loaded.score_all("w2x"))


def test_save_writes_when_linking_fails(tmp_path, monkeypatch):
    import index.storage.bm25.segments as segments

    saved(tmp_path)
    loaded = LexicalIndex.load(tmp_path / "a")

    def cross_device(source, target):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(segments.os, "link", cross_device)
    loaded.save(tmp_path / "b")
    for folder in seg_files(tmp_path / "b").values():
        assert all(os.stat(f).st_nlink == 1 for f in folder.iterdir())
    assert np.array_equal(LexicalIndex.load(tmp_path / "b").score_all("w2x"), loaded.score_all("w2x"))


def test_negative_and_zero_ids_round_trip(tmp_path):
    index = LexicalIndex.build([-3, 0, 4], ["steel", "ferry", "steel ferry"])
    index.save(tmp_path / "n")
    assert LexicalIndex.load(tmp_path / "n").search("steel", 5)[0].tolist() == [-3, 4]


def test_save_ignores_a_different_file_of_the_same_name(tmp_path):
    index, _ = saved(tmp_path)
    (name,) = seg_files(tmp_path / "a")
    victim = tmp_path / "a" / name / "tf.npy"
    victim.unlink()
    np.save(victim, np.zeros(3, dtype=np.float32))  # same path, another file
    index.save(tmp_path / "b")
    assert os.stat(tmp_path / "b" / name / "tf.npy").st_ino != os.stat(victim).st_ino
    assert np.array_equal(LexicalIndex.load(tmp_path / "b").score_all("w1x"), index.score_all("w1x"))


def test_stop_words_are_bm25s_english_ones_plus_question_words():
    from bm25s.stopwords import STOPWORDS_EN

    assert frozenset(STOPWORDS_EN) <= STOPWORDS
    questions = {"what", "who", "whom", "which", "when", "where", "why", "how", "did", "does", "do"}
    assert STOPWORDS - frozenset(STOPWORDS_EN) == questions


def test_old_bm25s_format_raises_value_error(tmp_path):
    old = tmp_path / "bm25"
    old.mkdir()
    np.save(old / "ids.npy", np.arange(3, dtype=np.int64))
    (old / "lexical.json").write_text(json.dumps({"rows": 3}))
    with pytest.raises(ValueError, match="older format"):
        LexicalIndex.load(old)


@pytest.mark.parametrize("damage", ["missing", "dtype", "count", "removed", "name"])
def test_damaged_index_raises_value_error(tmp_path, damage):
    saved(tmp_path)
    d = tmp_path / "a"
    (name,) = seg_files(d)
    meta = json.loads((d / "lexical.json").read_text())
    if damage == "missing":
        (d / name / "indptr.npy").unlink()
    elif damage == "dtype":
        np.save(d / name / "lengths.npy", np.zeros(77 + 2, dtype=np.int64))
    elif damage == "count":
        meta["segments"][0]["postings"] += 1
    elif damage == "removed":
        np.save(d / "removed.npy", np.array([10**6], dtype=np.int64))
    else:
        meta["segments"][0]["name"] = "../elsewhere"
    (d / "lexical.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError):
        LexicalIndex.load(d)
