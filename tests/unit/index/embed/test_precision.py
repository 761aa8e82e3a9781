"""``precision=auto`` is decided by measured figures (faked here), cached per machine
and model, and an ingest switches to the bulk precision only when it pays."""

import json

import numpy as np
import pytest

from index.embed import HashingEmbedder, auto
from index.embed import precision as prec
from index.embed.auto import AutoEmbedder
from index.embed.precision import Measured, choose, profile

# An AMX Xeon as measured here: bf16 encodes passages fastest, int8 starts and answers fastest.
XEON = [
    Measured("int8", startup_s=0.3, query_ms=2.7, passages_per_s=48.0),
    Measured("fp32", startup_s=7.5, query_ms=13.1, passages_per_s=28.5),
    Measured("bf16", startup_s=7.9, query_ms=13.1, passages_per_s=74.0),
]
# An AVX512-BF16 EPYC as reported: bf16 slower than int8 at both.
EPYC = [
    Measured("int8", startup_s=0.4, query_ms=4.0, passages_per_s=39.3),
    Measured("fp32", startup_s=9.0, query_ms=24.0, passages_per_s=19.4),
    Measured("bf16", startup_s=9.5, query_ms=20.0, passages_per_s=30.0),
]


def test_the_choice_follows_the_figures_not_the_cpu_flags():
    assert choose(XEON, "query").precision == "int8"
    assert choose(XEON, "bulk").precision == "bf16"
    assert choose(EPYC, "query").precision == "int8"
    assert choose(EPYC, "bulk").precision == "int8"
    reason = choose(XEON, "bulk").reason
    assert "74/s" in reason and "int8 48" in reason


def test_a_precision_that_failed_to_run_is_never_chosen():
    broken = [Measured("int8", error="onnxruntime is not installed"), *XEON[1:]]
    assert choose(broken, "query").precision in ("fp32", "bf16")
    assert choose(broken, "bulk").precision == "bf16"
    assert choose([Measured(p, error="x") for p in ("int8", "fp32")], "query").precision == "fp32"


@pytest.fixture
def model_dir(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    return folder


def test_figures_are_measured_once_and_kept_per_machine_and_model(tmp_path, model_dir, caplog):
    calls = []

    def fake_measure(path):
        calls.append(path)
        return XEON

    cache = tmp_path / "cache"
    with caplog.at_level("WARNING"):
        first = profile(model_dir, cache, measure=fake_measure)
    assert "measuring how fast each precision runs" in caplog.text
    again = profile(model_dir, cache, measure=fake_measure)
    assert len(calls) == 1 and again == first
    saved = json.loads(next((cache / "precision").glob("*.json")).read_text())
    assert saved["machine"] == prec.machine_key() and len(saved["measured"]) == 3
    (model_dir / "config.json").write_text('{"changed": true}')  # another model: measured again
    profile(model_dir, cache, measure=fake_measure)
    assert len(calls) == 2
    profile(model_dir, cache, measure=fake_measure, remeasure=True)
    assert len(calls) == 3


def test_an_unwritable_cache_still_measures_once_per_process(tmp_path, model_dir, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    calls = []
    with caplog.at_level("WARNING"):
        profile(model_dir, blocker / "cache", measure=lambda p: calls.append(p) or EPYC)
        profile(model_dir, blocker / "cache", measure=lambda p: calls.append(p) or EPYC)
    assert len(calls) == 1 and "could not save the precision figures" in caplog.text


class FakeEngine(HashingEmbedder):
    def __init__(self, precision):
        super().__init__(64)
        self.precision = precision


@pytest.fixture
def auto_on(monkeypatch, tmp_path, model_dir):
    loaded = []

    def fake_load(path, name, precision, cache=None):
        loaded.append(precision)
        return FakeEngine(precision)

    monkeypatch.setattr(auto, "load_precision", fake_load)

    def make(figures):
        found = profile(model_dir, tmp_path / "cache", measure=lambda p: figures)
        return AutoEmbedder(str(model_dir), "fake", found=found), loaded

    return make


def test_auto_answers_on_the_query_precision_and_switches_only_for_big_jobs(auto_on):
    emb, loaded = auto_on(XEON)
    assert emb.encode(["a question"]).shape == (1, 64)
    assert emb.precision == "int8" and loaded == ["int8"]
    emb.plan(20)  # one small file: torch's start-up would not pay for itself
    assert emb.precision == "int8" and loaded == ["int8"]
    emb.plan(5000)  # 104 s in int8 against 8 + 68 s in bf16
    assert emb.precision == "bf16" and loaded == ["int8", "bf16"]
    vecs, parts = emb.encode_spans(["one two three"], [[(0, 3), (4, 7)]])
    assert vecs.shape == (1, 64) and parts[0].shape == (2, 64)
    np.testing.assert_allclose(np.linalg.norm(parts[0], axis=1), 1.0, rtol=1e-5)


def test_auto_never_switches_where_the_query_precision_is_also_the_fastest(auto_on):
    emb, loaded = auto_on(EPYC)
    emb.plan(1_000_000)
    emb.encode(["x"])
    assert emb.precision == "int8" and loaded == ["int8"]


def test_an_ingest_tells_auto_how_much_is_left(auto_on, tmp_path):
    from index.ingest import ingest
    from index.storage.manifest import IndexSettings
    from index.storage.store import IndexStore
    from index.text.chunking import ChunkSettings

    emb, loaded = auto_on(XEON)
    planned = []
    real_plan = emb.plan
    emb.plan = lambda n: planned.append(n) or real_plan(n)
    folder = tmp_path / "articles"
    folder.mkdir()
    body = " ".join(f"Sentence number {i} says something about ferries and tariffs." for i in range(40))
    for i in range(30):
        (folder / f"a{i:02d}.txt").write_text(f"Article {i}\n\n{body} Unique {i}.\n")
    settings = IndexSettings("fake", "fake", 64, 4096, ChunkSettings())
    store = IndexStore.create(tmp_path / "index", settings)
    try:
        ingest(store, emb, [folder], batch_articles=10)
    finally:
        store.close()
    assert len(planned) == 3  # one estimate per batch of 10 articles
    # the first estimate extrapolates from the first batch to all 30 articles
    assert planned[0] == pytest.approx(3 * planned[-1], rel=0.2)
    assert loaded == ["int8"]  # a few dozen chunks: not worth bf16's start-up
