"""Data for ``qa bench``: the shared corpora and their questions, and synthetic
indexes of any size built through the index's own code.

A synthetic index has articles of :data:`CHUNKS_PER_ARTICLE` chunks. Each chunk
copies one *base* chunk of a real index (or, without one, a window of a real
text embedded by the model): its text is a random window of 100-150 words of
the base's article starting near the base chunk, and its vector is the base
vector plus Gaussian noise, renormalised, with a cosine of about
:data:`COSINE` to the base. So the texts have real vocabulary and the vectors
the real clusters, and BM25 and the dense index agree about topics as they do
on real data. Each chunk's base is drawn at random (an article's chunks come from
different real articles, so no two synthetic articles are syndicated copies), and its
sentence vectors are its vector plus noise over its real sentence spans: meaningless,
but read and scored by answering as real ones are. Everything is drawn from one
seeded generator.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embed import Embedder
from index.embed.sentences import SentenceVectors
from index.errors import InputError
from index.ingest import chunk_hash
from index.sources.article import Article
from index.storage import queries
from index.storage.manifest import IndexSettings, read_manifest
from index.storage.records import NewChunk
from index.storage.store import IndexStore
from index.storage.vectors import kind_for
from index.text.sentences import sentence_spans

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SQUAD = "squad-dev-half"
SCIFACT = "scifact"
SYNTHETIC_FORMAT = 3  # bump when the recipe changes: cached indexes are then rebuilt
COSINE = 0.85  # expected cosine of a synthetic vector to its base
CHUNKS_PER_ARTICLE = 10
COMMIT_EVERY = 20_000  # chunks per SQLite transaction while building
WINDOW_WORDS = (100, 150)
_TITLE_WORDS = 24  # as index.ingest puts the title in front of each chunk


def say(message: str) -> None:
    """A status line on stderr (stdout carries the table and the JSON)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Corpus:
    """A shared corpus: what ``ingest`` reads, and real questions about it."""

    name: str
    paths: tuple[Path, ...]
    questions: tuple[str, ...]


def data_dir(path: str | Path | None) -> Path:
    """The shared data folder, checked; the error says how to provide it."""
    d = Path(path) if path else DATA_DIR
    if not (d / SQUAD).is_dir():
        raise InputError(
            f"the shared data is missing: {d / SQUAD} does not exist; put the data at ../shared/data "
            "beside the repository, or pass --data DIR"
        )
    return d


def squad_corpus(data: Path) -> Corpus:
    """SQuAD dev half: its article files and its questions."""
    folder = data / SQUAD
    questions = [rec["question"] for rec in _jsonl(folder / "questions.jsonl")]
    return Corpus(SQUAD, (folder / "articles",), tuple(questions))


def scifact_corpus(data: Path, work: Path) -> Corpus:
    """SciFact abstracts made ingestable as ``eval.formats`` does for BEIR, and its claims."""
    from eval.formats import load

    folder = data / SCIFACT
    if not (folder / "corpus.jsonl").is_file():
        raise InputError(f"{folder / 'corpus.jsonl'} is missing; restore ../shared/data, or run with --quick")
    qset = load(folder / "qrels" / "train.tsv", folder, "beir", work=work)
    questions = [rec["text"] for rec in _jsonl(folder / "queries.jsonl")]
    return Corpus(SCIFACT, qset.articles, tuple(questions))


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise InputError(f"{path} is missing; restore ../shared/data")
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# -- base chunks -------------------------------------------------------------


@dataclass(frozen=True)
class BasePool:
    """Real chunks to copy: per base article its title and words; per base chunk
    its article, its first word and its (unit) vector."""

    titles: list[str]
    words: list[list[str]]
    article: np.ndarray
    start: np.ndarray
    vectors: np.ndarray
    source: str

    def __len__(self) -> int:
        return len(self.article)


def pool_from_index(index_dir: Path) -> tuple[BasePool, IndexSettings]:
    """Every chunk of a real index (read from its SQLite records), and its settings."""
    settings, _ = read_manifest(index_dir)
    with queries.reading(index_dir) as conn:
        arts = queries.article_texts(conn)
        rows = queries.chunk_positions(conn)
    if not rows:
        raise InputError(f"the index at {index_dir} has no chunks to build synthetic ones from")
    where = {aid: i for i, (aid, _, _) in enumerate(arts)}
    texts = [text for _, _, text in arts]
    article = np.asarray([where[aid] for aid, _, _ in rows], dtype=np.int64)
    start = np.asarray([len(texts[where[aid]][:s].split()) for aid, s, _ in rows], dtype=np.int64)
    vectors = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), settings.dim)
    pool = BasePool([t for _, t, _ in arts], [t.split() for t in texts], article, start, vectors, "index")
    return pool, settings


def pool_from_model(
    paths: Sequence[Path], embedder: Embedder, max_chunks: int = 2000, seed: int = 0
) -> tuple[BasePool, IndexSettings]:
    """Without a real index: windows of the real articles, embedded by the model."""
    from index.sources.readers import find_files, read_file

    files, _ = find_files(paths)
    docs = [(a.title, a.text.split()) for f in files for a in read_file(f)[0] if a.text.split()]
    if not docs:
        raise InputError(f"no articles found in {', '.join(map(str, paths))}")
    step = WINDOW_WORDS[0] + 20
    spans = [(d, s) for d, (_, words) in enumerate(docs) for s in range(0, max(len(words) - 40, 1), step)]
    rng = np.random.default_rng(seed)
    if len(spans) > max_chunks:
        spans = [spans[i] for i in np.sort(rng.choice(len(spans), max_chunks, replace=False))]
    texts = [_indexed(docs[d][0], " ".join(docs[d][1][s : s + WINDOW_WORDS[1]])) for d, s in spans]
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    pool = BasePool(
        [t for t, _ in docs],
        [w for _, w in docs],
        np.asarray([d for d, _ in spans], dtype=np.int64),
        np.asarray([s for _, s in spans], dtype=np.int64),
        vectors,
        "model",
    )
    settings = IndexSettings(embedder.name, embedder.path, embedder.dim, embedder.max_tokens)
    return pool, settings


# -- synthetic indexes ---------------------------------------------------------


def noise_sigma(dim: int, cosine: float = COSINE) -> float:
    """Per-coordinate noise for which a unit vector plus noise has about ``cosine``
    to the original: |noise|^2 ~ dim sigma^2 = 1/cosine^2 - 1."""
    return math.sqrt((1.0 / cosine**2 - 1.0) / dim)


def _indexed(title: str, text: str) -> str:
    return f"{' '.join(title.split()[:_TITLE_WORDS])}\n{text}"


class SyntheticArticles:
    """Draws synthetic articles from a base pool with one seeded generator."""

    def __init__(self, pool: BasePool, model_name: str, seed: int) -> None:
        self.pool = pool
        self.model_name = model_name
        self.rng = np.random.default_rng(seed)
        self.sigma = noise_sigma(pool.vectors.shape[1])

    def article(self, number: int, n_chunks: int) -> tuple[Article, list[NewChunk]]:
        """Synthetic article ``number``: ``n_chunks`` windows of base chunks drawn at random
        (so that two synthetic articles are not copies of each other, which the syndication
        check would group), joined by blank lines, each with its span, indexed text, hash
        and vector; the title is the first base chunk's article's."""
        pool, rng = self.pool, self.rng
        bases = rng.integers(len(pool), size=n_chunks)
        title = pool.titles[int(pool.article[bases[0]])]
        vecs = pool.vectors[bases] + rng.normal(0.0, self.sigma, (n_chunks, pool.vectors.shape[1]))
        vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
        texts = []
        for b in bases.tolist():
            words = pool.words[int(pool.article[b])]
            length = int(rng.integers(WINDOW_WORDS[0], WINDOW_WORDS[1] + 1))
            first = int(pool.start[b]) + int(rng.integers(-20, 21))
            first = max(0, min(first, len(words) - length))
            texts.append(" ".join(words[first : first + length]))
        body, chunks, at = "", [], 0
        for text, vec in zip(texts, vecs, strict=True):
            start = at + (2 if body else 0)
            body = f"{body}\n\n{text}" if body else text
            at = start + len(text)
            indexed = _indexed(title, text)
            key = chunk_hash(self.model_name, indexed)
            chunks.append(NewChunk(start, at, text, indexed, key, vec, self._sentences(text, vec)))
        art = Article(id=f"synthetic-{number:07d}", title=title, text=body, origin="synthetic")
        return art, chunks

    def _sentences(self, text: str, vec: np.ndarray) -> bytes:
        """Sentence vectors for a synthetic chunk: its sentences' real spans, each with the
        chunk's vector plus noise. They mean nothing, but answering reads and scores them
        as it does real ones, so ``ask`` is timed on the path a real index takes (without
        them it would time the fallback that embeds sentences at question time)."""
        spans = np.asarray(sentence_spans(text) or [(0, len(text))], dtype=np.int64)
        noisy = vec + self.rng.normal(0.0, self.sigma, (len(spans), vec.shape[0]))
        noisy = (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)
        return SentenceVectors(spans, noisy).to_blob()


def build_synthetic(
    directory: Path,
    size: int,
    pool: BasePool,
    settings: IndexSettings,
    *,
    seed: int = 0,
    progress: bool = False,
) -> float:
    """Write a synthetic index of ``size`` chunks into the new folder ``directory``
    (``store.apply`` in batches, one ``store.derive()`` at the end); its seconds."""
    started = time.perf_counter()
    maker = SyntheticArticles(pool, settings.model_name, seed)
    store = IndexStore.create(directory, settings)
    try:
        from tqdm import tqdm

        with tqdm(total=size, desc=f"synthetic {size:,}", unit="chunk", disable=not progress) as bar:
            batch: list[tuple[Article, list[NewChunk]]] = []
            pending = 0
            for number, done in enumerate(range(0, size, CHUNKS_PER_ARTICLE)):
                batch.append(maker.article(number, min(CHUNKS_PER_ARTICLE, size - done)))
                pending += len(batch[-1][1])
                if pending >= COMMIT_EVERY or done + CHUNKS_PER_ARTICLE >= size:
                    store.apply(batch, derive=False)
                    bar.update(pending)
                    batch, pending = [], 0
        say(f"building FAISS and BM25 for {size:,} synthetic chunks")
        store.derive()
    finally:
        store.close()
    return time.perf_counter() - started


def synthetic_index(
    work: Path,
    corpus: str,
    size: int,
    model: str,
    make_pool: Callable[[], tuple[BasePool, IndexSettings]],
    *,
    bases: str = "index",
    rebuild: bool = False,
    seed: int = 0,
    progress: bool = False,
) -> tuple[Path, dict[str, Any]]:
    """The cached synthetic index of ``size`` chunks in ``work`` (built when missing,
    made by another recipe, or ``rebuild``), and how it came to be. ``bases`` says
    where ``make_pool`` takes its base chunks from (``index`` or ``model``)."""
    directory = work / f"synthetic-{corpus}-{size}"
    marker = work / f"synthetic-{corpus}-{size}.json"
    key = {
        "format": SYNTHETIC_FORMAT, "size": size, "corpus": corpus, "model": model,
        "seed": seed, "cosine": COSINE, "chunks_per_article": CHUNKS_PER_ARTICLE, "bases": bases,
        "vector_index": kind_for(size),  # by size (a new index's "auto")
    }  # fmt: skip
    if not rebuild and marker.is_file() and IndexStore.exists(directory):
        try:
            saved = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:
            saved = {}
        if all(saved.get(k) == v for k, v in key.items()):
            say(
                f"reusing the cached synthetic index {directory} ({size:,} chunks; --rebuild builds it again)"
            )
            return directory, {"cached": True, "build_seconds": saved.get("build_seconds")}
    marker.unlink(missing_ok=True)
    shutil.rmtree(directory, ignore_errors=True)
    pool, settings = make_pool()
    say(f"building a synthetic index of {size:,} chunks in {directory} ({len(pool):,} {pool.source} bases)")
    seconds = build_synthetic(directory, size, pool, settings, seed=seed, progress=progress)
    marker.write_text(json.dumps(key | {"build_seconds": round(seconds, 2)}), encoding="utf-8")
    return directory, {"cached": False, "build_seconds": round(seconds, 2)}


def measure_update(
    directory: Path, pool: BasePool, settings: IndexSettings, *, chunks: int = 1000, rounds: int = 3
) -> dict[str, Any]:
    """What one ``add`` and one ``remove`` of ``chunks`` chunks cost on the index in
    ``directory`` (embedding aside): the SQLite commit, then bringing FAISS and BM25 in
    step (new chunks tokenized and added as a segment, removed ones tombstoned, the new
    view saved). Each round removes what it added, so the index ends as it began;
    medians of ``rounds`` rounds, seconds."""
    maker = SyntheticArticles(pool, settings.model_name, seed=1)
    timings: dict[str, list[float]] = {"commit_s": [], "derive_s": [], "remove_s": []}
    store = IndexStore.open(directory)
    try:
        for r in range(rounds):
            batch = [
                maker.article(90_000_000 + r * 100_000 + i, min(CHUNKS_PER_ARTICLE, chunks - done))
                for i, done in enumerate(range(0, chunks, CHUNKS_PER_ARTICLE))
            ]
            started = time.perf_counter()
            store.apply(batch, derive=False)
            timings["commit_s"].append(time.perf_counter() - started)
            started = time.perf_counter()
            store.derive()
            timings["derive_s"].append(time.perf_counter() - started)
            started = time.perf_counter()
            store.apply(removals=[art.id for art, _ in batch])
            timings["remove_s"].append(time.perf_counter() - started)
        segments = store.view.lexical.segments
    finally:
        store.close()
    out: dict[str, Any] = {k: round(float(np.median(v)), 3) for k, v in timings.items()}
    return out | {"chunks": chunks, "rounds": rounds, "bm25_segments": segments}
