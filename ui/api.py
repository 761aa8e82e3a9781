"""The HTTP API (and MCP tools): ``/ask`` and ``/search`` over one Assistant.

They return exactly ``Answer.to_dict()`` and ``[Passage.to_dict(), ...]``, the
JSON of the Python API and of ``qa ask --json`` / ``qa search --json``. The
docstrings below are what API and MCP clients are shown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from qa import Assistant, QAError
from ui.format import none_if_blank

log = logging.getLogger(__name__)


def make_api(
    assistant: Assistant,
) -> tuple[Callable[..., dict[str, Any]], Callable[..., list[dict[str, Any]]]]:
    """The ``ask`` and ``search`` endpoint functions, typed for ``gr.api``."""
    import gradio as gr

    def ask(
        question: str,
        history: list[str] | None = None,
        k: int | None = None,
        mode: str = "hybrid",
        since: str = "",
        until: str = "",
        source: str = "",
    ) -> dict[str, Any]:
        """Answer a question about the indexed news articles with sentences quoted from them, each cited.

        Returns the answer JSON: question, answer (sentences each followed by [n]), abstained,
        abstain_reason, query (the question after follow-up rewriting), citations (n, article_id,
        title, date, source, url, sentence, passage, start, end, score, passage_start, passage_end,
        speaker, page (in a PDF, else null), also_in (other outlets that ran the same story)),
        passages and timings_ms.

        Args:
            question: the question, e.g. "What did Trump say about USMCA?"
            history: earlier questions of the conversation, oldest first (for follow-ups)
            k: passages to retrieve (default 5)
            mode: retrieval mode: hybrid (default), fusion, dense, bm25 or rrf
            since: only articles dated on or after this day (YYYY-MM-DD); empty for no limit
            until: only articles dated on or before this day (YYYY-MM-DD); empty for no limit
            source: only articles whose source or title contains this text; empty for all
        """
        try:
            answer = assistant.ask(
                question,
                k=k,
                history=list(history or []),
                mode=mode or "hybrid",
                since=none_if_blank(since),
                until=none_if_blank(until),
                source=none_if_blank(source),
            )
        except QAError as exc:
            raise _user_error(gr, "/ask", exc) from exc
        return answer.to_dict()

    def search(
        query: str,
        k: int | None = None,
        mode: str = "hybrid",
        since: str = "",
        until: str = "",
        source: str = "",
    ) -> list[dict[str, Any]]:
        """Find the passages of the indexed news articles that best match a query, best first.

        Each passage has article_id, title, text, start and end (offsets in the article), score,
        chunk_id, date, source, url, dense_score and bm25_score.

        Args:
            query: what to look for, e.g. "steel tariffs"
            k: passages to return (default 5)
            mode: retrieval mode: hybrid (default), fusion, dense, bm25 or rrf
            since: only articles dated on or after this day (YYYY-MM-DD); empty for no limit
            until: only articles dated on or before this day (YYYY-MM-DD); empty for no limit
            source: only articles whose source or title contains this text; empty for all
        """
        try:
            passages = assistant.search(
                query,
                k=k,
                mode=mode or "hybrid",
                since=none_if_blank(since),
                until=none_if_blank(until),
                source=none_if_blank(source),
            )
        except QAError as exc:
            raise _user_error(gr, "/search", exc) from exc
        return [p.to_dict() for p in passages]

    return ask, search


def _user_error(gr: Any, endpoint: str, exc: QAError) -> Exception:
    """A request the assistant cannot take: its message to the caller, one line in the
    log (no traceback: that is for faults of the server)."""
    message = " ".join(str(exc).split())
    log.warning("gradio api %s: %s", endpoint, message)
    return gr.Error(message, print_exception=False)
