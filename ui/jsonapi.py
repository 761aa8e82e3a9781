"""A plain JSON API beside the page: one request, one answer.

``POST /api/ask`` and ``POST /api/search`` take a JSON body and return exactly
``Answer.to_dict()`` and ``[Passage.to_dict(), ...]`` (the JSON of the Python API and
of ``qa ask --json``), with an OpenAPI page at ``/api/docs``. It is mounted on the
same server as the page, so it shares its port and its ``--auth`` login: send the
user and password as HTTP Basic credentials (or the page's login cookie).

A request the assistant cannot take (an empty question, ``k`` of 500, a bad date)
gets HTTP 400 (422 for a malformed JSON body; 415 for a body that is not sent as JSON,
i.e. without ``Content-Type: application/json``, as ``curl -d`` alone does) with
``{"error": "one line saying what to do"}`` and one line in the server log; a fault of
the server gets 500 and its traceback in the log, never in the response.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints'
annotations at run time, and fastapi is imported late."""

import base64
import binascii
import hmac
import logging
from collections.abc import Callable
from typing import Any

from qa import Assistant, QAError
from ui.format import none_if_blank

log = logging.getLogger(__name__)

ASK_EXAMPLE = {"question": "What did Trump say about USMCA?", "history": [], "k": None, "mode": "hybrid"}


def make_json_api(
    assistant: Assistant,
    login: tuple[str, str] | None = None,
    cookie_user: Callable[[Any], str | None] | None = None,
) -> Any:
    """The FastAPI app to mount at ``/api``. ``cookie_user(request)`` names the user a
    request's page login cookie belongs to (the page's own login), or None."""
    from fastapi import Depends, FastAPI, HTTPException, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, Field

    class AskRequest(BaseModel):
        question: str = Field(description="the question, e.g. 'What did Trump say about USMCA?'")
        history: list[str | dict[str, Any]] = Field(
            default_factory=list, description="earlier questions, oldest first (or chat messages)"
        )
        k: int | None = Field(None, description="passages to return with the answer (default 5)")
        mode: str = Field("hybrid", description="hybrid (default), fusion, dense, bm25 or rrf")
        since: str | None = Field(None, description="only articles dated on or after this day (YYYY-MM-DD)")
        until: str | None = Field(None, description="only articles dated on or before this day (YYYY-MM-DD)")
        source: str | None = Field(None, description="only articles whose source or title contains this")

        model_config = {"json_schema_extra": {"examples": [ASK_EXAMPLE]}}

    class SearchRequest(BaseModel):
        query: str = Field(description="what to look for, e.g. 'steel tariffs'")
        k: int | None = Field(None, description="passages to return (default 5)")
        mode: str = Field("hybrid", description="hybrid (default), fusion, dense, bm25 or rrf")
        since: str | None = None
        until: str | None = None
        source: str | None = None

    def check_login(request: Request) -> None:
        if login is None or _basic_matches(request.headers.get("authorization", ""), login):
            return
        if cookie_user is not None and cookie_user(request):
            return
        raise HTTPException(
            status_code=401,
            detail="log in: send the user and password given to qa serve --auth as HTTP Basic credentials",
            headers={"WWW-Authenticate": 'Basic realm="Article QA"'},
        )

    app = FastAPI(
        title="Article QA",
        summary="Cited, extractive answers from the indexed news articles.",
        version="1",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        dependencies=[Depends(check_login)],
    )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def bad_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        content_type = request.headers.get("content-type")
        if not is_json(content_type):  # FastAPI did not read the body as JSON: say which header
            got = f"it came as {content_type.split(';')[0].strip()}" if content_type else "it had none"
            message = f"send the body as JSON with the header Content-Type: application/json ({got})"
            log.warning("api %s %s: 415 %s", request.method, request.url.path, message)
            return JSONResponse({"error": message}, status_code=415)
        if first.get("type") == "json_invalid":
            message = 'the body is not valid JSON; send an object such as {"question": "..."}'
        else:
            where = ".".join(str(x) for x in first.get("loc", ()) if x != "body") or "the body"
            message = f"{where}: {first.get('msg', 'not valid')}; see /api/docs for the request's fields"
        log.warning("api %s %s: 422 %s", request.method, request.url.path, message)
        return JSONResponse({"error": message}, status_code=422)

    def answer(call: Callable[[], Any], what: str) -> Any:
        try:
            return call()
        except QAError as exc:  # the request, not the server: one line, no traceback
            message = " ".join(str(exc).split())
            log.warning("api %s: 400 %s", what, message)
            return JSONResponse({"error": message}, status_code=400)
        except Exception:
            log.exception("api %s failed", what)
            return JSONResponse({"error": "the server failed to answer; its log has the details"}, 500)

    @app.post("/ask", summary="Answer a question with cited sentences")
    def ask(body: AskRequest) -> Any:
        """The answer JSON: question, answer (sentences each followed by [n]), abstained,
        abstain_reason, confidence, query, citations, passages and timings_ms."""
        return answer(
            lambda: assistant.ask(
                body.question, k=body.k, history=body.history, mode=body.mode,
                since=none_if_blank(body.since), until=none_if_blank(body.until),
                source=none_if_blank(body.source),
            ).to_dict(),
            "/ask",
        )  # fmt: skip

    @app.post("/search", summary="The passages that best match a query, best first")
    def search(body: SearchRequest) -> Any:
        return answer(
            lambda: [
                p.to_dict()
                for p in assistant.search(
                    body.query,
                    k=body.k,
                    mode=body.mode,
                    since=none_if_blank(body.since),
                    until=none_if_blank(body.until),
                    source=none_if_blank(body.source),
                )
            ],
            "/search",
        )

    @app.get("/health", summary="Whether the server is up, and what it holds")
    def health() -> dict[str, Any]:
        return {"ok": True, **assistant.counts().to_dict()}

    return app


def is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body with this Content-Type as JSON: application/json or
    application/*+json, parameters such as charset aside; a missing header is not JSON."""
    if not content_type:
        return False
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def _basic_matches(header: str, login: tuple[str, str]) -> bool:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return False
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    ok_user = hmac.compare_digest(user.encode(), login[0].encode())
    ok_pass = hmac.compare_digest(password.encode(), login[1].encode())
    return bool(sep) and ok_user and ok_pass
