"""The int8 precision (ONNX Runtime) and how ``auto`` picks a precision."""

from __future__ import annotations

import json
import re
import shutil
import time

import numpy as np
import pytest

from index.config import Config
from index.embed import default_model_path, load_embedder, requested_precision
from index.embed import onnxint8 as onnxmodel
from index.embed.precision import measure
from index.errors import ConfigError, ModelError
from tests.conftest import SEED, shared


def model_copy(tmp_path, modules=None, drop=()):
    """A copy of the packaged model folder, its modules.json replaced or files dropped."""
    folder = tmp_path / "model"
    shutil.copytree(default_model_path(), folder)
    if modules is not None:
        (folder / "modules.json").write_text(json.dumps(modules))
    for name in drop:
        (folder / name).unlink()
    return folder


def test_the_packaged_model_can_run_as_int8():
    assert onnxmodel.supports(default_model_path()) is None


@pytest.mark.parametrize(
    ("modules", "drop", "reason"),
    [
        (None, ("tokenizer.json",), "no tokenizer.json"),
        (None, ("model.safetensors",), "no model.safetensors"),
        (
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
            ],
            (),
            "not Transformer + Pooling",
        ),
    ],
)
def test_models_int8_cannot_run_say_why_and_the_measurement_reports_it(tmp_path, modules, drop, reason):
    folder = model_copy(tmp_path, modules, drop)
    assert reason in onnxmodel.supports(folder)
    with pytest.raises(ModelError, match=re.escape(reason)):
        onnxmodel.exported(folder)
    (int8,) = measure(str(folder), ["int8"])  # auto then never picks int8 for this model
    assert int8.error and reason in int8.error and int8.passages_per_s is None


def test_a_precision_is_asked_for_by_argument_or_configuration_and_checked(monkeypatch):
    monkeypatch.setenv("QA_PRECISION", "bf16")  # the library never reads it: only Config.from_env does
    assert requested_precision(None) == "auto"
    assert requested_precision("FP32") == "fp32"
    assert requested_precision("int8") == "int8"
    assert Config.from_env().precision == "bf16"
    assert Config.from_env({"QA_PRECISION": " INT8 "}).precision == "int8"
    with pytest.raises(ModelError, match="use one of auto, fp32, bf16, int8"):
        requested_precision("fp16")
    with pytest.raises(ConfigError, match="QA_PRECISION='fp16' is not allowed; use auto, fp32, bf16 or int8"):
        Config.from_env({"QA_PRECISION": "fp16"})


@pytest.fixture(scope="module")
def int8_and_fp32(tmp_path_factory):
    cache = tmp_path_factory.mktemp("onnx-cache")
    started = time.monotonic()
    int8 = load_embedder(None, "int8", cache)
    first = time.monotonic() - started
    return int8, load_embedder(None, "fp32", cache), cache, first


def sentences():
    text = (shared(SEED) / "carney-trump-white-house.txt").read_text(encoding="utf-8")
    return [s for s in (x.strip() for x in text.replace("\n", " ").split(". ")) if s][:40]


@pytest.mark.slow
def test_int8_vectors_are_normalised_and_close_to_fp32(int8_and_fp32):
    int8, fp32, _, _ = int8_and_fp32
    texts = [*sentences(), "", "x " * 600]  # empty, and one longer than the model takes (truncated)
    a, b = int8.encode(texts), fp32.encode(texts)
    assert a.shape == b.shape == (len(texts), 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.97 and cos.mean() > 0.985
    # the order of a batch does not change a row (batches are length-sorted inside)
    assert np.allclose(int8.encode(texts[::-1])[::-1], a, atol=1e-5)
    assert int8.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_int8_counts_tokens_and_names_itself_like_the_pytorch_model(int8_and_fp32):
    int8, fp32, _, _ = int8_and_fp32
    texts = [*sentences(), "Ünïcode “quotes” — and a URL https://example.com/a?b=c", ""]
    assert int8.count_tokens(texts) == fp32.count_tokens(texts)
    assert (int8.name, int8.dim, int8.max_tokens) == (fp32.name, fp32.dim, fp32.max_tokens)
    assert int8.precision == "int8"


@pytest.mark.slow
def test_the_export_is_cached_and_a_damaged_cache_file_is_named(int8_and_fp32, monkeypatch):
    _, _, cache, first = int8_and_fp32
    files = list(cache.glob("*/model-int8.onnx"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    started = time.monotonic()
    again = load_embedder(None, "int8", cache)
    assert files[0].stat().st_mtime_ns == stamp  # not exported again
    assert time.monotonic() - started < first
    assert again.encode(["a"]).shape == (1, 384)
    files[0].write_bytes(b"not an onnx file")
    with pytest.raises(ModelError, match="delete it to export the model again"):
        load_embedder(None, "int8", cache)


@pytest.mark.slow
def test_an_index_built_in_fp32_answers_the_same_when_queried_in_int8(tmp_path, int8_and_fp32):
    from qa import Assistant

    int8, fp32, _, _ = int8_and_fp32
    with Assistant.open(tmp_path / "i", embedder=fp32) as a:
        a.add([shared(SEED)])
        want = [p.chunk_id for p in a.search("What did Carney say about competition?", k=3, mode="dense")]
    with Assistant.open(tmp_path / "i", embedder=int8) as a:
        got = [p.chunk_id for p in a.search("What did Carney say about competition?", k=3, mode="dense")]
    assert got[0] == want[0] and set(got) == set(want)


@pytest.mark.slow
def test_an_unwritable_cache_fails_clearly_when_int8_is_asked_for(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ModelError, match="set QA_CACHE_DIR to a writable folder"):
        load_embedder(None, "int8", blocker / "cache")
