"""The pymilvus connection and the three collections of one index (the only module
that imports pymilvus, and only when a Milvus index is opened).

``<prefix>_chunks``: one row per chunk and generation: the chunk's span and text, its
article's title, date, source and URL (so a hit needs no second read), the BM25 terms
(our tokenizer's stems, space-joined: Milvus's BM25 function then counts exactly our
terms, through its plain ``standard`` tokenizer, which leaves such a string as it is),
the sparse BM25 vector Milvus makes from them, the dense vector, the sentence vectors
(base64), the chunk hash, and the generations ``g0`` (added) and ``g1`` (removed;
:data:`LIVE` while stored).
``<prefix>_articles``: an article's text in pieces of at most :data:`PIECE` characters
(VARCHAR holds 64 KiB), its metadata as JSON on piece 0, with the same generations.
``<prefix>_meta``: key -> JSON: the settings, the generation state, and the dense
score moments of each generation not yet superseded.
``<prefix>_terms``: per BM25 term, how many live chunks hold it (``df``), its count
before the generation ``g`` that last changed it (``prev``): term weights read it
(counting with Milvus's ``TEXT_MATCH`` takes milvus-lite 0.1 s a term at 1,000 chunks).
Milvus needs a vector field in every collection: the others carry a 2-d dummy.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from index.errors import QAError
from index.storage.milvus.uri import MilvusTarget

log = logging.getLogger(__name__)

LIVE = 1 << 62  # g1 of a row not removed
PIECE = 16_000  # characters of article text per row (4 bytes a character at most: under 64 KiB)
TEXT_MAX = 65_535
CONNECT_SECONDS = 10.0  # a server that does not answer in this time is reported, not waited for
CALL_SECONDS = 60.0
BATCH = 500  # ids per "in" filter
SEARCH_MAX = 16_384  # Milvus's largest topk
_DUMMY = [0.0, 0.0]
EXTRA = "pip install 'article-qa[milvus]'"


_lite_lock = threading.Lock()
_lite_open: dict[str, int] = {}  # clients open on each milvus-lite file in this process


class MilvusError(QAError):
    """Milvus cannot be reached, or refused a call."""


def _pymilvus() -> Any:
    try:
        import pymilvus
    except ImportError as exc:
        raise MilvusError(f"the Milvus store needs pymilvus, which is not installed; run {EXTRA}") from exc
    return pymilvus


def connect(target: MilvusTarget) -> Any:
    """A ``MilvusClient`` for ``target``; one line naming it when that fails, within
    :data:`CONNECT_SECONDS`."""
    pymilvus = _pymilvus()
    if target.lite:
        try:
            import milvus_lite  # noqa: F401 - pymilvus starts it for a file uri
        except ImportError as exc:
            raise MilvusError(
                f"a milvus-lite file ({target.uri}) needs milvus-lite, which is not installed; run {EXTRA}"
            ) from exc
    try:
        client = pymilvus.MilvusClient(uri=target.uri, timeout=CONNECT_SECONDS)
    except Exception as exc:  # pymilvus raises MilvusException, grpc errors, OSError, ...
        first = " ".join(str(exc).split())[:300]
        raise MilvusError(
            f"could not open the {target.describe()} ({first}); "
            + ("check the path, and that no other process has it open"
               if target.lite else "check that Milvus runs there and the address is right")
        ) from exc  # fmt: skip
    if target.lite:
        path = os.path.abspath(target.uri)
        with _lite_lock:
            _lite_open[path] = _lite_open.get(path, 0) + 1
    return client


def disconnect(client: Any, target: MilvusTarget) -> None:
    """Close ``client``; the last client of a milvus-lite file in this process also stops
    the file's in-process server, which frees the file for another process (milvus-lite
    keeps it locked, for this process, until then or until exit)."""
    client.close()
    if not target.lite:
        return
    path = os.path.abspath(target.uri)
    with _lite_lock:
        left = _lite_open.get(path, 1) - 1
        if left > 0:
            _lite_open[path] = left
            return
        _lite_open.pop(path, None)
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError:  # an older milvus-lite: the file is freed at exit
        return
    server_manager_instance.release_server(path)


def names(prefix: str) -> tuple[str, str, str, str]:
    return f"{prefix}_chunks", f"{prefix}_articles", f"{prefix}_meta", f"{prefix}_terms"


def create_collections(client: Any, prefix: str, dim: int) -> None:
    """The four collections (see the module docstring), indexed and loaded."""
    # milvus-lite's in-process gRPC server logs a traceback for each call it does not
    # implement (AllocTimestamp, which pymilvus tries while creating); nothing fails
    quiet = logging.getLogger("grpc._server")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        _create(client, prefix, dim)
    finally:
        quiet.setLevel(level)


def _create(client: Any, prefix: str, dim: int) -> None:
    pymilvus = _pymilvus()
    dt, (chunks, articles, meta, terms) = pymilvus.DataType, names(prefix)
    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("id", dt.INT64, is_primary=True)
    s.add_field("article_id", dt.VARCHAR, max_length=TEXT_MAX)
    s.add_field("start", dt.INT64)
    s.add_field("end", dt.INT64)
    s.add_field("text", dt.VARCHAR, max_length=TEXT_MAX)
    for name in ("title", "date", "source", "url", "sentences"):
        s.add_field(name, dt.VARCHAR, max_length=TEXT_MAX)
    s.add_field("hash", dt.VARCHAR, max_length=64)
    s.add_field("has_sentences", dt.BOOL)
    s.add_field("g0", dt.INT64)
    s.add_field("g1", dt.INT64)
    s.add_field(
        "terms", dt.VARCHAR, max_length=TEXT_MAX, enable_analyzer=True,
        analyzer_params={"tokenizer": "standard"},
    )  # fmt: skip
    s.add_field("sparse", dt.SPARSE_FLOAT_VECTOR)
    s.add_field("vector", dt.FLOAT_VECTOR, dim=dim)
    s.add_function(
        pymilvus.Function(
            name="bm25", function_type=pymilvus.FunctionType.BM25,
            input_field_names=["terms"], output_field_names=["sparse"],
        )
    )  # fmt: skip
    ip = client.prepare_index_params()
    ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    ip.add_index("vector", index_type="FLAT", metric_type="IP")  # exact, as FAISS flat is locally
    client.create_collection(chunks, schema=s, index_params=ip, consistency_level="Strong")

    a = client.create_schema(auto_id=False, enable_dynamic_field=False)
    a.add_field("key", dt.VARCHAR, is_primary=True, max_length=TEXT_MAX)
    a.add_field("article_id", dt.VARCHAR, max_length=TEXT_MAX)
    a.add_field("part", dt.INT64)
    a.add_field("g0", dt.INT64)
    a.add_field("g1", dt.INT64)
    a.add_field("text", dt.VARCHAR, max_length=TEXT_MAX)
    a.add_field("meta", dt.VARCHAR, max_length=TEXT_MAX)
    a.add_field("text_hash", dt.VARCHAR, max_length=64)
    a.add_field("dummy", dt.FLOAT_VECTOR, dim=2)
    ip = client.prepare_index_params()
    ip.add_index("dummy", index_type="FLAT", metric_type="L2")
    client.create_collection(articles, schema=a, index_params=ip, consistency_level="Strong")

    m = client.create_schema(auto_id=False, enable_dynamic_field=False)
    m.add_field("key", dt.VARCHAR, is_primary=True, max_length=256)
    m.add_field("value", dt.VARCHAR, max_length=TEXT_MAX)
    m.add_field("dummy", dt.FLOAT_VECTOR, dim=2)
    ip = client.prepare_index_params()
    ip.add_index("dummy", index_type="FLAT", metric_type="L2")
    client.create_collection(meta, schema=m, index_params=ip, consistency_level="Strong")

    t = client.create_schema(auto_id=False, enable_dynamic_field=False)
    t.add_field("term", dt.VARCHAR, is_primary=True, max_length=TEXT_MAX)
    t.add_field("df", dt.INT64)
    t.add_field("prev", dt.INT64)
    t.add_field("g", dt.INT64)
    t.add_field("dummy", dt.FLOAT_VECTOR, dim=2)
    ip = client.prepare_index_params()
    ip.add_index("dummy", index_type="FLAT", metric_type="L2")
    client.create_collection(terms, schema=t, index_params=ip, consistency_level="Strong")


def dummy() -> list[float]:
    return list(_DUMMY)


def batches(items: Sequence[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])
