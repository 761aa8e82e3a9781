"""Chat callbacks: parse what the page sends, call :class:`qa.Assistant`, format.

No Gradio import here: the callbacks take and return plain values (message
lists, HTML strings, the list of answers of this conversation), so they are
tested without a server."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from qa import DEFAULT_K, Answer, Assistant, QAError
from ui.format import (
    answer_parts,
    empty_sources_html,
    error_markdown,
    escape_markdown,
    none_if_blank,
    parse_cite_ref,
    settings_summary,
    sources_html,
)

MODES = ("hybrid", "dense", "bm25")  # the UI offers these of qa.MODES (fusion and rrf are for measuring)
MAX_K = 20
THINKING = "_Searching the articles…_"
UNEXPECTED = "Something went wrong while answering; the server log has the details. Try again."

log = logging.getLogger(__name__)

Message = dict[str, Any]


@dataclass(frozen=True)
class Turn:
    """One answered question of a conversation and how it was searched."""

    answer: Answer
    settings: str = ""


@dataclass(frozen=True)
class Settings:
    """What the settings panel says, checked: passages, mode and filters."""

    k: int = DEFAULT_K
    mode: str = "hybrid"
    since: str | None = None
    until: str | None = None
    source: str | None = None

    @classmethod
    def parse(
        cls,
        k: Any = DEFAULT_K,
        mode: Any = "hybrid",
        since: Any = None,
        until: Any = None,
        source: Any = None,
    ) -> Settings:
        """From the raw widget values; blank text means no filter."""
        try:
            kk = int(k) if k not in (None, "") else DEFAULT_K
        except (TypeError, ValueError):
            kk = DEFAULT_K
        return cls(
            k=max(1, kk),
            mode=str(mode or "hybrid"),
            since=none_if_blank(since),
            until=none_if_blank(until),
            source=none_if_blank(source),
        )

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``Assistant.ask`` and ``Assistant.search``."""
        return {
            "k": self.k,
            "mode": self.mode,
            "since": self.since,
            "until": self.until,
            "source": self.source,
        }

    def summary(self, shown: int | None = None) -> str:
        """What the sources panel shows and how it was searched (``shown`` passages came back)."""
        return settings_summary(self.k, self.mode, self.since, self.until, self.source, shown)


def fit_k(k: Any, chunks: int) -> tuple[int, int]:
    """``(slider maximum, k)`` for an index of ``chunks`` chunks, ``k`` being what
    the browser's slider holds now: k is cut to the passages the index holds, and
    the maximum follows the index but never drops below ``k`` as the browser has it.
    Gradio refuses a value above the maximum it last sent, and a question can leave
    the browser before a lowered maximum has arrived there."""
    try:
        wanted = max(1, min(MAX_K, int(k)))
    except (TypeError, ValueError):
        wanted = DEFAULT_K
    top, _ = start_k(chunks)
    return max(top, wanted), min(_passages(chunks), wanted)


def start_k(chunks: int) -> tuple[int, int]:
    """``(slider maximum, k)`` for a page served now, before any browser holds a value:
    the index's passages up to ``MAX_K``, and at least 2 (Gradio refuses a slider whose
    minimum, 1, is not below its maximum: an empty or one-chunk index)."""
    return max(2, _passages(chunks)), min(_passages(chunks), DEFAULT_K)


def _passages(chunks: int) -> int:
    return max(1, min(MAX_K, chunks))


def respond(
    assistant: Assistant,
    message: str,
    chat: list[Message] | None,
    turns: list[Turn] | None,
    settings: Settings,
) -> Iterator[tuple[list[Message], str, list[Turn], str]]:
    """One chat turn, streamed: ``(messages, sources HTML, answers so far, text
    left in the input box)`` after the question shows, then once per cited
    sentence. The earlier questions of this conversation reach ``Assistant.ask``
    as its history, so follow-ups work. On an error the question stays in the box; a
    blank question is not asked (the conversation and the last answer's sources stay)."""
    chat = list(chat or [])
    turns = list(turns or [])
    message = message or ""
    if not message.strip():  # a blank send changes nothing: no bubbles, the last sources stay
        sources = _turn_sources(turns, len(turns) - 1) if turns else empty_sources_html()
        yield list(chat), sources, list(turns), ""
        return
    chat.append({"role": "user", "content": escape_markdown(message)})
    chat.append({"role": "assistant", "content": THINKING})
    yield list(chat), empty_sources_html("Searching…"), list(turns), ""
    try:
        # The slider means "up to k": on an index smaller than k (one article), as many as it holds.
        kwargs = settings.kwargs() | {"k": min(settings.k, max(1, assistant.counts().chunks))}
        answer = assistant.ask(message, history=[t.answer.question for t in turns], **kwargs)
    except QAError as exc:  # the library's message says what to do
        chat[-1] = {"role": "assistant", "content": error_markdown(str(exc))}
        yield list(chat), empty_sources_html("No sources: the question was not asked."), list(turns), message
        return
    except Exception:  # a bug: say so in the chat instead of "Searching…" forever
        log.exception("answering %r failed", message)
        chat[-1] = {"role": "assistant", "content": error_markdown(UNEXPECTED)}
        yield list(chat), empty_sources_html("No sources."), list(turns), message
        return
    turn = len(turns)
    shown = settings.summary(len(answer.passages))
    turns.append(Turn(answer, shown))
    sources = sources_html(answer, turn, settings=shown)
    parts = answer_parts(answer, turn)
    for i in range(1, len(parts) + 1):
        chat[-1] = {"role": "assistant", "content": " ".join(parts[:i])}
        yield list(chat), sources, list(turns), ""


def show_source(turns: list[Turn] | None, ref: str) -> str:
    """The sources panel for the answer a clicked ``[n]`` belongs to, with that
    citation's card marked. ``ref`` is the link's ``"<turn>-<n>"``."""
    turns = list(turns or [])
    parsed = parse_cite_ref(ref.split(":")[0] if ref else "")
    if parsed is None or not 0 <= parsed[0] < len(turns):
        return empty_sources_html("That citation belongs to a conversation that was cleared.")
    turn, n = parsed
    return _turn_sources(turns, turn, focus=n)


def _turn_sources(turns: list[Turn], turn: int, focus: int | None = None) -> str:
    """The sources panel of answer ``turn``, searched as it was (``focus``: a card to mark)."""
    return sources_html(turns[turn].answer, turn, focus=focus, settings=turns[turn].settings)


def new_chat() -> tuple[list[Message], str, list[Turn], str]:
    """An empty conversation: no messages, no sources, no history."""
    return [], empty_sources_html(), [], ""
