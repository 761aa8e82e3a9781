"""``qa bench`` on tiny sizes with the hashing embedder: the JSON's shape and sane
values, synthetic indexes (spans, noise, cache), and recall against exact search."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from eval.bench import BenchConfig, parse_sizes, plan_sizes, run
from eval.benchdata import COSINE, SyntheticArticles, noise_sigma, pool_from_model, squad_corpus
from eval.benchmeasure import percentiles
from eval.benchrecall import exact_top_k, recall_at_k
from eval.benchreport import format_report
from index.embed import load_embedder
from index.embed.sentences import SentenceVectors
from index.errors import InputError
from tests.conftest import SHARED, SQUAD, run_qa, shared

QUERY_KEYS = {
    "label", "requested", "corpus", "index", "cached", "build_seconds", "chunks", "dim", "vector_index",
    "nlist", "nprobe", "precision", "queries", "ask_ms", "retrieve_ms", "embed_ms_p50", "recall_at_10",
    "cold_start_s", "memory",
}  # fmt: skip
MEMORY_KEYS = {
    "model_rss_bytes", "peak_rss_bytes", "index_rss_bytes", "disk_bytes", "disk_bytes_per_chunk",
    "vector_bytes", "text_bytes", "rss_ratio", "index_rss_ratio", "process_peak_rss_bytes",
}  # fmt: skip
INGEST_KEYS = {
    "corpus", "articles", "chunks", "tokens", "rejected", "seconds", "articles_per_s", "chunks_per_s",
    "tokens_per_s", "encode_seconds", "encode_chunks_per_s", "encode_tokens_per_s", "overhead_pct",
    "precision",
}  # fmt: skip


def test_parse_sizes():
    assert parse_sizes("10000, 100k,1M") == (10_000, 100_000, 1_000_000)
    for bad in ("ten", "1G", "0", "", "1,,2"):
        with pytest.raises(InputError, match="--sizes"):
            parse_sizes(bad)


def test_plan_sizes_real_index_stands_for_a_nearby_size():
    assert plan_sizes((10_000, 100_000), 12_862) == [("real", 10_000), ("synthetic", 100_000)]
    assert plan_sizes((20_000,), 1_149) == [("real", None), ("synthetic", 20_000)]
    assert plan_sizes((), 1_149) == [("real", None)]
    assert plan_sizes((300, 30), None) == [("synthetic", 30), ("synthetic", 300)]


def test_exact_top_k_in_batches_matches_one_matmul():
    rng = np.random.default_rng(1)
    vecs = rng.normal(size=(1000, 16)).astype(np.float32)
    ids = np.arange(5, 1005, dtype=np.int64)
    q = rng.normal(size=(7, 16)).astype(np.float32)
    batches = [(ids[i : i + 128], vecs[i : i + 128]) for i in range(0, 1000, 128)]
    got_ids, got = exact_top_k(batches, q, 10)
    want = np.argsort(-(q @ vecs.T), axis=1)[:, :10]
    assert (got_ids == ids[want]).all()
    assert np.allclose(got, np.take_along_axis(q @ vecs.T, want, axis=1))


def test_recall_counts_misses_and_forgives_ties():
    exact = (np.array([[1, 2, 3]]), np.array([[0.9, 0.8, 0.7]], dtype=np.float32))
    assert recall_at_k([(np.array([1, 2, 3]), np.array([0.9, 0.8, 0.7]))], exact, 3) == 1.0
    miss = recall_at_k([(np.array([1, 2, 9]), np.array([0.9, 0.8, 0.5]))], exact, 3)
    assert miss == pytest.approx(2 / 3, abs=1e-4)
    assert recall_at_k([(np.array([1, 2, 9]), np.array([0.9, 0.8, 0.7]))], exact, 3) == 1.0  # a tie
    assert recall_at_k([(np.array([1]), np.array([0.9]))], exact, 3) == pytest.approx(1 / 3, abs=1e-4)


def test_percentiles():
    assert percentiles([1.0, 2.0, 3.0, 4.0, 100.0]) == {"p50": 3.0, "p95": 80.8}


def test_noise_gives_the_intended_cosine():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(2000, 384))
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    noisy = base + rng.normal(0, noise_sigma(384), base.shape)
    cos = (base * noisy).sum(axis=1) / np.linalg.norm(noisy, axis=1)
    assert abs(cos.mean() - COSINE) < 0.01


def test_synthetic_articles_spans_windows_and_vectors():
    embedder = load_embedder("hash:64")
    corpus = squad_corpus(shared(SHARED))
    pool, settings = pool_from_model(corpus.paths, embedder, max_chunks=200)
    assert len(pool) == 200 and settings.dim == 64
    maker = SyntheticArticles(pool, settings.model_name, seed=3)
    for number in range(20):
        art, chunks = maker.article(number, 10)
        assert len(chunks) == 10 and art.id == f"synthetic-{number:07d}"
        for ch in chunks:
            assert art.text[ch.start : ch.end] == ch.text
            assert 100 <= len(ch.text.split()) <= 150  # SQuAD articles are long enough
            assert ch.indexed.endswith(ch.text) and ch.indexed.startswith(art.title.split()[0])
            assert ch.vector.dtype == np.float32 and abs(float(np.linalg.norm(ch.vector)) - 1) < 1e-5
            sv = SentenceVectors.from_blob(ch.sentences)  # answering reads them as a real chunk's
            assert len(sv) >= 1 and sv.vectors.shape[1] == 64
            assert all(0 <= a < b <= len(ch.text) for a, b in sv.spans.tolist())
        best = (np.stack([c.vector for c in chunks]) @ pool.vectors.T).max(axis=1)
        assert (best > 0.6).all()  # each is near its base
    again = SyntheticArticles(pool, settings.model_name, seed=3).article(0, 10)
    assert again[0].text == SyntheticArticles(pool, settings.model_name, seed=3).article(0, 10)[0].text


def _check_query_row(row, label):
    assert QUERY_KEYS <= row.keys() and MEMORY_KEYS <= row["memory"].keys()
    assert row["label"] == label
    assert row["ask_ms"]["p50"] > 0 and row["ask_ms"]["p95"] >= row["ask_ms"]["p50"]
    assert row["retrieve_ms"]["p50"] > 0 and row["embed_ms_p50"] > 0
    assert 0.0 <= row["recall_at_10"] <= 1.0
    if row["vector_index"] == "flat":
        assert row["recall_at_10"] == 1.0  # exact search against exact search
    m = row["memory"]
    assert m["process_peak_rss_bytes"] >= m["peak_rss_bytes"] >= m["model_rss_bytes"] > 0
    assert m["index_rss_bytes"] == m["peak_rss_bytes"] - m["model_rss_bytes"]
    assert m["vector_bytes"] == row["chunks"] * row["dim"] * 4 and m["text_bytes"] > 0
    assert m["disk_bytes"] > m["vector_bytes"] and m["rss_ratio"] > 0
    assert all(v >= 0 for v in row["cold_start_s"].values()) and row["start_page_cache"] == "warm"
    assert row["timing_order"].startswith("embed, retrieve, ask")


def test_bench_end_to_end_on_tiny_sizes(tmp_path):
    """Quick ingest of SQuAD with the hashing model, the real index and a synthetic
    one of 300 chunks served in fresh processes; then a rerun reuses the cache."""
    shared(SQUAD)
    config = BenchConfig(sizes=(300,), queries=20, quick=True, model="hash:64", work=tmp_path, progress=False)
    result = run(config)
    json.dumps(result)  # one JSON line
    assert {"format", "machine", "config", "ingest", "query", "ivf_real", "cold_ask"} <= result.keys()
    cold = result["cold_ask"]
    assert cold["runs"] == 5 and 0 < cold["min_s"] <= cold["p50_s"] <= cold["max_s"]
    assert result["precision_choice"] is None  # the hashing model has no precisions to choose from
    (ing,) = result["ingest"]
    assert INGEST_KEYS <= ing.keys() and ing["corpus"] == "squad-dev-half"
    assert ing["articles"] == 24 and ing["chunks"] > 1000 and ing["tokens"] > ing["chunks"]
    assert ing["chunks_per_s"] > 0 and ing["encode_seconds"] > 0
    assert ing["precision"] is None  # the hashing embedder has no precision
    real, synthetic = result["query"]
    _check_query_row(real, "real")
    assert real["chunks"] == ing["chunks"] and real["queries"] == 20
    _check_query_row(synthetic, "synthetic")
    assert synthetic["chunks"] == 300 and synthetic["requested"] == 300 and synthetic["cached"] is False
    update = synthetic["update"]  # 300 chunks added and removed, 3 times
    assert update["chunks"] == 300 and update["rounds"] == 3 and update["bm25_segments"] >= 1
    assert all(update[k] > 0 for k in ("commit_s", "derive_s", "remove_s"))
    assert "update" not in real  # the real index is left as ingest made it
    ivf = result["ivf_real"]
    assert ivf["vector_index"] == "ivf" and ivf["chunks"] == real["chunks"] and 0 < ivf["recall_at_10"] <= 1
    table = format_report(result)
    assert "synthetic" in table and "real" in table and "recall@10" in table and "FAISS + BM25" in table
    assert synthetic["bases"] == real["chunks"]  # the real index's vectors, copied with noise
    assert f"noisy copies of each of {real['chunks']:,} real vectors" in table
    assert "recall@10 is flattered" in table and "retrieve timed before ask" in table
    assert "warm page cache" in table

    again = run(replace(config, skip_ingest=True))
    assert again["ingest"] == [] and again["query"][1]["cached"] is True
    assert again["query"][1]["chunks"] == 300  # what the update added, it removed


def test_cli_bench_help():
    done = run_qa("bench", "--help")
    assert done.returncode == 0
    assert "--sizes" in done.stdout and "examples:" in done.stdout and "qa bench --quick" in done.stdout


def test_cli_bench_prints_the_json_line_last_and_writes_it(tmp_path):
    """Without a real index (--skip-ingest) the synthetic bases are embedded by the model."""
    shared(SQUAD)
    done = run_qa(
        "bench", "--quick", "--skip-ingest", "--model", "hash:64", "--sizes", "200", "--queries", "5",
        "--work", tmp_path / "w", "--out", tmp_path / "out",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip().splitlines()[-1]
    result = json.loads(line)
    assert json.loads((tmp_path / "out" / "bench.json").read_text()) == result
    (row,) = result["query"]
    assert row["label"] == "synthetic" and row["chunks"] == 200 and row["recall_at_10"] == 1.0
    assert result["ivf_real"] is None


def test_cli_bench_errors_are_one_line(tmp_path):
    done = run_qa("bench", "--data", tmp_path / "nowhere", "--work", tmp_path / "w")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "--data" in done.stderr
    done = run_qa("bench", "--sizes", "lots", "--work", tmp_path / "w")
    assert done.returncode == 1 and "--sizes" in done.stderr


def test_cli_bench_store_milvus_copies_each_index_and_serves_the_copy(tmp_path):
    """``--store milvus``: the same chunks in a local copy and a milvus-lite copy (write
    rates of both), the copy served in a fresh process, its top 10 compared with the
    local engine's; a bad --store is one line."""
    pytest.importorskip("milvus_lite", reason="needs pip install 'article-qa[milvus]'")
    shared(SQUAD)
    done = run_qa(
        "bench", "--quick", "--skip-ingest", "--model", "hash:64", "--sizes", "300", "--queries", "8",
        "--work", tmp_path / "w", "--store", "milvus",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-1500:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    (row,) = result["query"]
    (engine,) = result["engines"]
    assert engine["engine"] == "milvus-lite" and engine["label"] == "synthetic"
    assert engine["chunks"] == row["chunks"] == 300
    assert engine["write"]["chunks"] == engine["write_local"]["chunks"] == 300
    assert engine["write"]["chunks_per_s"] > 0 and engine["write_local"]["chunks_per_s"] > 0
    assert engine["ask_ms"]["p50"] > 0 and engine["recall_at_10"] is None and "top10" not in row
    assert 0.5 <= engine["agreement_at_10"] <= 1.0  # the same chunks, hybrid on either engine
    assert engine["memory"]["disk_bytes"] > 0
    assert "milvus-lite" in done.stdout and "agree@10" in done.stdout
    assert not list((tmp_path / "w").glob("copy-*"))  # the measured copies are not kept
    for bad in ("local", "milvus:/tmp/x.db", "postgres"):
        done = run_qa("bench", "--quick", "--skip-ingest", "--model", "hash:64", "--sizes", "300",
                      "--work", tmp_path / "w", "--store", bad)  # fmt: skip
        assert done.returncode == 1 and done.stderr.count("\n") == 1 and "store" in done.stderr, done.stderr


def test_stored_articles_hands_another_engine_the_same_index(make_assistant, tmp_path):
    """The copy ``qa bench --store`` makes holds the same articles, chunk texts, spans
    and vectors."""
    from eval.benchengine import copy_index
    from index.storage import queries

    a = make_assistant("source", model="hash:64")
    a.add(sorted((shared(SQUAD) / "articles").iterdir())[:3])
    a.close()
    done = copy_index(a.directory, tmp_path / "copy", "local")
    with queries.reading(a.directory) as src, queries.reading(tmp_path / "copy") as dst:
        assert done["chunks"] == queries.chunk_count(src) == queries.chunk_count(dst) > 0
        assert queries.article_texts(src) == queries.article_texts(dst)
        assert queries.indexed_texts(src) == queries.indexed_texts(dst)
        ours = [(r[0], r[1]) for r in queries.chunk_positions(src)]
        theirs = [(r[0], r[1]) for r in queries.chunk_positions(dst)]
        assert ours == theirs
        assert [r[2] for r in queries.chunk_positions(src)] == [r[2] for r in queries.chunk_positions(dst)]
