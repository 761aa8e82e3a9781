"""Files in, chunks embedded and stored: the build side's one entry point.

An ingest holds the index's writer lock from start to end, commits every
``batch_articles`` articles in one SQLite transaction (so a crash keeps whole
articles or none of one, and a rerun skips what was committed), and rebuilds
FAISS and BM25 once at the end (and every minute or so on long runs, so that
readers see the progress)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.embed import Embedder
from index.embed.sentences import SentenceVectors, chunk_sentences
from index.sources.article import Article
from index.sources.readers import Problem, find_files, read_file
from index.storage.records import NewChunk
from index.storage.snapshot import StorageEngine
from index.text.chunking import Chunker
from index.text.terms import tokenize

log = logging.getLogger(__name__)

_TITLE_WORDS = 24  # at most this much of the title is put in front of each chunk
_DERIVE_EVERY = 60.0  # seconds between rebuilds of FAISS and BM25 during a long ingest
STREAM_BATCH = 32  # at most this many articles per batch from a stream (fetched pages)


@dataclass(frozen=True)
class IngestReport:
    """What one ``add`` did, article by article."""

    added: tuple[dict[str, str], ...] = ()
    replaced: tuple[dict[str, str], ...] = ()
    unchanged: tuple[dict[str, str], ...] = ()
    upgraded: tuple[dict[str, str], ...] = ()  # unchanged, but given what an older version did not store
    duplicates: tuple[dict[str, str], ...] = ()
    rejected: tuple[Problem, ...] = ()
    chunks_added: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "replaced": list(self.replaced),
            "unchanged": list(self.unchanged),
            "upgraded": list(self.upgraded),
            "duplicates": list(self.duplicates),
            "rejected": [p.to_dict() for p in self.rejected],
            "chunks_added": self.chunks_added,
            "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.replaced)} replaced, "
            f"{len(self.unchanged)} unchanged, "
            + (f"{len(self.upgraded)} upgraded, " if self.upgraded else "")
            + f"{len(self.duplicates)} duplicate, "
            f"{len(self.rejected)} rejected; {self.chunks_added} chunks stored, "
            f"{self.chunks_embedded} embedded in {self.seconds:.1f} s"
        )


@dataclass
class Tally:
    """What an ingest has done so far, and how much is left (for progress and planning)."""

    added: list[dict[str, str]] = field(default_factory=list)
    replaced: list[dict[str, str]] = field(default_factory=list)
    unchanged: list[dict[str, str]] = field(default_factory=list)
    upgraded: list[dict[str, str]] = field(default_factory=list)
    duplicates: list[dict[str, str]] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    chunks_added: int = 0
    chunks_embedded: int = 0
    batches: int = 0  # committed since FAISS and BM25 were last rebuilt
    chars_done: int = 0  # article text handed to batches so far
    chars_left: int = 0  # article text read but not yet batched, plus the bytes of files not yet read
    derived_at: float = field(default_factory=time.monotonic)
    derive_cost: float = 0.0

    def report(self, seconds: float) -> IngestReport:
        return IngestReport(
            added=tuple(self.added),
            replaced=tuple(self.replaced),
            unchanged=tuple(self.unchanged),
            upgraded=tuple(self.upgraded),
            duplicates=tuple(self.duplicates),
            rejected=tuple(self.rejected),
            chunks_added=self.chunks_added,
            chunks_embedded=self.chunks_embedded,
            seconds=seconds,
        )


def chunk_hash(model_name: str, indexed: str) -> str:
    """Identity of an embedded chunk: the model and the exact text it saw."""
    return hashlib.sha1(f"{model_name}\n{indexed}".encode()).hexdigest()


def make_chunker(store: StorageEngine, embedder: Embedder) -> Chunker:
    """The chunker for this index: its settings, the model's own token limit."""
    return Chunker(store.settings.chunk, embedder.count_tokens, embedder.max_tokens)


def title_line(title: str) -> str:
    """What goes in front of each chunk of an article: its title, shortened."""
    return " ".join(title.split()[:_TITLE_WORDS])


def indexed_text(title: str, chunk: str) -> str:
    """The text the model is given for a chunk: the title line, then the chunk."""
    return f"{title_line(title)}\n{chunk}"


def chunk_article(article: Article, chunker: Chunker, count_model: Any) -> list[tuple[int, int, str]]:
    """``(start, end, indexed text)`` per chunk; the indexed text is the title
    line (shortened) followed by the chunk, and always fits the model."""
    context = title_line(article.title)
    reserve = chunker.count(context) + 1
    model_reserve = count_model([context])[0] + 1
    spans = chunker.split(article.text, reserve=reserve, model_reserve=model_reserve)
    return [(a, b, indexed_text(article.title, article.text[a:b])) for a, b in spans]


def ingest(
    store: StorageEngine,
    embedder: Embedder,
    paths: Iterable[str | Path],
    *,
    progress: bool = False,
    batch_articles: int = 100,
    stream: Iterable[Article | Problem | None] = (),
) -> IngestReport:
    """Read, chunk, embed (only what is new) and store; one transaction per batch.
    ``stream`` gives articles (or problems) from elsewhere, such as fetched pages; it is
    read after the files, under the same lock. Its articles are stored every
    ``STREAM_BATCH``, and whenever it yields None (nothing ready yet), so that
    embedding overlaps the work that produces them.
    Raises :class:`~index.errors.IndexLockedError` when another writer is at work."""
    started = time.perf_counter()
    with store.writing():
        tally = Tally()
        try:
            _ingest(store, embedder, paths, tally, progress, batch_articles, stream)
        finally:
            if tally.batches:  # whatever was committed becomes searchable, even after an error
                store.derive()
    return tally.report(time.perf_counter() - started)


def _ingest(
    store: StorageEngine,
    embedder: Embedder,
    paths: Iterable[str | Path],
    tally: Tally,
    progress: bool,
    batch_articles: int,
    stream: Iterable[Article | Problem | None] = (),
) -> None:
    files, problems = find_files(paths)
    tally.rejected.extend(problems)
    chunker = make_chunker(store, embedder)

    def store_batch(batch: list[Article]) -> None:
        _store_batch(store, embedder, chunker, batch, tally, progress)
        derive_now_and_then(store, tally)

    batcher = Batcher(tally, store_batch)
    read = ((path, *read_file(path)) for path in _progress(files, progress))
    take_files(files, read, tally, batcher, batch_articles)
    for item in stream:
        if item is None:  # the stream has nothing ready: store what came, rather than wait idle
            batcher.flush()
        elif isinstance(item, Problem):
            tally.rejected.append(item)
        else:
            batcher.take(item, min(batch_articles, STREAM_BATCH))
    batcher.flush()


def take_files(
    files: Sequence[Path],
    read: Iterable[tuple[Path, list[Article], list[Problem]]],
    tally: Tally,
    batcher: Batcher,
    batch_articles: int,
) -> None:
    """Give ``batcher`` the articles of ``read`` (each of ``files`` with its articles and
    problems, in order), keeping count of the text still to come."""
    unread = sum(_size(f) for f in files)
    for path, articles, probs in read:
        tally.rejected.extend(probs)
        unread -= _size(path)
        tally.chars_left = unread + sum(len(a.text) for a in articles)
        for art in articles:
            tally.chars_left -= len(art.text)
            batcher.take(art, batch_articles)  # inside the file loop: a big JSONL commits as it goes


class Batcher:
    """Collects articles into batches and hands each full batch to ``store_batch``."""

    def __init__(self, tally: Tally, store_batch: Callable[[list[Article]], None]) -> None:
        self.tally = tally
        self.store_batch = store_batch
        self.seen_texts: dict[str, str] = {}
        self.batch: list[Article] = []

    def take(self, art: Article, batch_articles: int) -> None:
        tally = self.tally
        if not tokenize(f"{art.title} {art.text}"):  # BM25 cannot index an article without terms
            why = f"'{art.title[:40]}' has no words to search for"
            tally.rejected.append(Problem(art.origin or art.id, why))
            return
        if art.id in {a.id for a in self.batch}:
            # The same article again (same id: its id field or canonical URL) before the first copy
            # is stored: store that one first, so this one is judged as a later add would be
            # (unchanged when the same, else it replaces it), one rule within a run and across runs.
            self.flush()
        other = self.seen_texts.get(art.text_hash)
        if other is not None and other != art.id:
            tally.duplicates.append(_entry(art) | {"duplicate_of": other})
            return
        self.seen_texts[art.text_hash] = art.id
        self.batch.append(art)
        if len(self.batch) >= batch_articles:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            batch, self.batch = self.batch, []
            self.store_batch(batch)


def derive_now_and_then(store: StorageEngine, tally: Tally) -> None:
    """Make committed batches searchable during a long ingest, without spending
    more than about a tenth of the time on it (at 1M chunks a rebuild costs ~10 s)."""
    now = time.monotonic()
    if tally.batches and now - tally.derived_at >= max(_DERIVE_EVERY, 9 * tally.derive_cost):
        store.derive()
        tally.batches, tally.derived_at, tally.derive_cost = 0, time.monotonic(), time.monotonic() - now


def _store_batch(
    store: StorageEngine,
    embedder: Embedder,
    chunker: Chunker,
    batch: Sequence[Article],
    tally: Tally,
    progress: bool,
) -> None:
    todo, older = plan_batch(store, batch, tally)
    if not todo:
        return
    chunked = [(art, chunk_spans(art, chunker, embedder), replacing) for art, replacing in todo]
    vectors, missing = known_vectors(store, chunked)
    tally.chars_done += sum(len(a.text) for a in batch)
    plan = getattr(embedder, "plan", None)  # an auto precision may switch engines for a large ingest
    if missing and plan is not None:
        per_char = (tally.chunks_embedded + len(missing)) / max(tally.chars_done, 1)
        plan(len(missing) + int(tally.chars_left * per_char))
    if missing:
        vectors.update(embed_chunks(embedder, missing, progress and len(missing) >= 64))
    commit_batch(store, chunked, vectors, older, tally)
    tally.chunks_embedded += len(missing)


Spans = list[tuple[int, int, str, str]]  # (start, end, indexed text, chunk hash) per chunk


def plan_batch(
    store: StorageEngine, batch: Sequence[Article], tally: Tally
) -> tuple[list[tuple[Article, bool]], set[str]]:
    """What of ``batch`` is to be (re)stored: ``([(article, replacing), ...], ids of stored
    articles to give what an older version did not store)``; unchanged articles and copies
    of a stored article's text are tallied."""
    stored = store.hashes(a.id for a in batch)
    same_text = store.ids_for_text(a.text_hash for a in batch)
    same = [a.id for a in batch if a.id in stored and stored[a.id][0] == a.content_hash]
    older = store.articles_without_sentences(same) if same else set()
    todo: list[tuple[Article, bool]] = []
    for art in batch:
        old = stored.get(art.id)
        if old is not None and old[0] == art.content_hash and art.id not in older:
            tally.unchanged.append(_entry(art))
            continue
        other = same_text.get(art.text_hash)
        if other is not None and other != art.id:
            tally.duplicates.append(_entry(art) | {"duplicate_of": other})
            continue
        todo.append((art, old is not None))
    return todo, older


def chunk_spans(art: Article, chunker: Chunker, embedder: Embedder) -> Spans:
    """The article's chunks as ``(start, end, indexed text, hash)``."""
    return [
        (a, b, text, chunk_hash(embedder.name, text))
        for a, b, text in chunk_article(art, chunker, embedder.count_tokens)
    ]


def known_vectors(
    store: StorageEngine, chunked: Sequence[tuple[Article, Spans, bool]]
) -> tuple[dict[str, tuple[np.ndarray, bytes | None]], dict[str, tuple[str, str]]]:
    """``(vectors already stored, {hash: (indexed text, chunk text)} of the chunks to embed)``."""
    vectors = store.stored_vectors({h for _, spans, _ in chunked for *_, h in spans})
    missing = {
        h: (text, art.text[a:b])
        for art, spans, _ in chunked
        for a, b, text, h in spans
        if vectors.get(h, (None, None))[1] is None
    }
    return vectors, missing


def commit_batch(
    store: StorageEngine,
    chunked: Sequence[tuple[Article, Spans, bool]],
    vectors: dict[str, tuple[np.ndarray, bytes | None]],
    older: set[str],
    tally: Tally,
) -> None:
    """Store the chunked articles with their vectors in one transaction, and tally them."""
    upserts = []
    for art, spans, replacing in chunked:
        chunks = [NewChunk(a, b, art.text[a:b], text, h, *vectors[h]) for a, b, text, h in spans]
        upserts.append((art, chunks))
        if art.id in older:
            tally.upgraded.append(_entry(art))
        else:
            (tally.replaced if replacing else tally.added).append(_entry(art))
        tally.chunks_added += len(chunks)
    store.apply(upserts, derive=False)
    tally.batches += 1


def embed_chunks(
    embedder: Embedder, chunks: dict[str, tuple[str, str]], progress: bool
) -> dict[str, tuple[np.ndarray, bytes]]:
    """``{hash: (vector, sentence vectors blob)}`` for chunks given as ``{hash: (indexed
    text, chunk text)}``: one pass of the model gives both (the sentences' spans are
    found in the chunk text, which ends the indexed text)."""
    spans = [chunk_sentences(chunk) for _, chunk in chunks.values()]
    shifted = [
        [(a + len(indexed) - len(chunk), b + len(indexed) - len(chunk)) for a, b in s]
        for (indexed, chunk), s in zip(chunks.values(), spans, strict=True)
    ]
    vecs, parts = embedder.encode_spans(
        [indexed for indexed, _ in chunks.values()], shifted, progress=progress
    )
    return {
        h: (vec, SentenceVectors(np.asarray(s, dtype=np.int64).reshape(-1, 2), part).to_blob())
        for h, vec, s, part in zip(chunks, vecs, spans, parts, strict=True)
    }


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _entry(art: Article) -> dict[str, str]:
    return {"id": art.id, "title": art.title, "path": art.origin or ""}


def _progress(files: list[Path], enabled: bool) -> Iterable[Path]:
    if not enabled or len(files) < 2:
        return files
    from tqdm import tqdm

    return tqdm(files, desc="reading", unit="file")
