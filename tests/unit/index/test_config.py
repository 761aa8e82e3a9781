"""Config: read from the environment once, at the edge; checked; never read by the library."""

from pathlib import Path

import pytest

from index.config import Config, default_cache_dir
from index.errors import ConfigError


def test_the_defaults_need_no_environment():
    c = Config.from_env({})
    assert c == Config() and c.precision == "auto" and c.cache_dir == default_cache_dir()
    assert c.vector_index is None and c.nprobe is None


def test_each_variable_is_read_and_normalised(tmp_path):
    env = {"QA_PRECISION": " Int8 ", "QA_CACHE_DIR": str(tmp_path), "QA_VECTOR_INDEX": "IVF"}
    env["QA_NPROBE"] = "48"
    assert Config.from_env(env) == Config("int8", Path(tmp_path), "ivf", 48)
    assert Config.from_env({"QA_CACHE_DIR": "~/x"}).cache_dir == Path.home() / "x"
    assert Config.from_env({"QA_NPROBE": "  "}).nprobe is None  # blank is unset


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"QA_PRECISION": "fp16"}, "QA_PRECISION='fp16' is not allowed; use auto, fp32, bf16 or int8, or"),
        ({"QA_VECTOR_INDEX": "hnsw"}, "QA_VECTOR_INDEX='hnsw' is not allowed; use auto, flat or ivf"),
        ({"QA_NPROBE": "-3"}, "QA_NPROBE='-3' is not allowed; use a whole number from 1 up, or unset it"),
        ({"QA_NPROBE": "1.5"}, "QA_NPROBE='1.5' is not allowed"),
    ],
)
def test_a_bad_value_names_the_variable_and_what_it_takes(env, message):
    with pytest.raises(ConfigError) as err:
        Config.from_env(env)
    assert str(err.value).startswith(message)


def test_a_config_made_in_code_is_checked_too():
    for bad in ({"precision": "fp8"}, {"vector_index": "hnsw"}, {"nprobe": 0}, {"nprobe": True}):
        with pytest.raises(ConfigError):
            Config(**bad)


def test_library_code_never_reads_the_environment():
    root = Path(__file__).resolve().parents[3]
    readers = []
    for folder in ("index", "qa"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "os.environ" in text or "getenv(" in text:
                readers.append(path.relative_to(root).as_posix())
    # config.py reads it when asked (Config.from_env); precision.py hands it on to a child process
    assert sorted(readers) == ["index/config.py", "index/embed/precision.py"]
