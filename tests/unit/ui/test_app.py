"""The served app: the HTTP API (gradio_client), the MCP tools, login, start-up time."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import SEED, shared

QUESTION = "Who is the White House spokeswoman?"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    from qa import Assistant

    a = Assistant.open(tmp_path_factory.mktemp("ui") / "index", model="hash:128")
    a.add([shared(SEED)])
    yield a
    a.close()


@pytest.fixture(scope="module")
def served(assistant):
    from ui.app import build_app, launch

    app = launch(build_app(assistant), port=None, block=False, quiet=True, json_api=assistant)
    yield app
    app.close()


def post(url: str, body: object, auth: tuple[str, str] | None = None) -> tuple[int, object]:
    """POST JSON; ``(status, parsed body)`` whatever the status."""
    import base64
    import json

    headers = {"content-type": "application/json"}
    if auth:
        headers["authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def without_timings(d):
    return {k: v for k, v in d.items() if k != "timings_ms"}


def test_api_ask_returns_the_contract(served, assistant):
    from gradio_client import Client

    client = Client(served.local_url, verbose=False)
    assert set(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == {
        "/ask",
        "/search",
    }
    d = client.predict(QUESTION, api_name="/ask")
    assert list(d) == list(assistant.ask(QUESTION).to_dict())  # same keys, same order
    assert without_timings(d) == without_timings(assistant.ask(QUESTION).to_dict())
    assert "Karoline Leavitt" in d["answer"] and d["citations"][0]["n"] == 1
    follow = client.predict(
        "And what did Carney say?", history=["What did Trump say about USMCA?"], k=2, api_name="/ask"
    )
    assert follow["query"] == "What did Carney say about USMCA?" and len(follow["passages"]) == 2


def test_api_search_and_filters(served, assistant):
    from gradio_client import Client

    client = Client(served.local_url, verbose=False)
    got = client.predict("steel tariffs", k=2, mode="bm25", api_name="/search")
    assert got == [p.to_dict() for p in assistant.search("steel tariffs", k=2, mode="bm25")]
    # The seed article has no date: with a date bound it is left out.
    assert client.predict("steel tariffs", since="2020-01-01", api_name="/search") == []
    assert client.predict(QUESTION, source="no such source", api_name="/ask")["abstained"] is True


def test_api_errors_say_what_to_do(served):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(served.local_url, verbose=False)
    with pytest.raises(AppError, match="ask for k <= 3"):
        client.predict("steel", k=50, api_name="/search")
    with pytest.raises(AppError, match="since must be a date"):
        client.predict(QUESTION, since="yesterday", api_name="/ask")


def post_raw(url: str, data: bytes) -> tuple[int, object]:
    req = urllib.request.Request(url, data=data, headers={"content-type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_json_api_answers_in_one_request_with_the_contract(served, assistant):
    url = served.local_url + "api/"
    code, got = post(url + "ask", {"question": QUESTION})
    assert code == 200 and list(got) == list(assistant.ask(QUESTION).to_dict())
    assert without_timings(got) == without_timings(assistant.ask(QUESTION).to_dict())
    code, follow = post(url + "ask", {"question": "And what did Carney say?",
                                      "history": ["What did Trump say about USMCA?"], "k": 2})  # fmt: skip
    assert (
        code == 200 and follow["query"] == "What did Carney say about USMCA?" and len(follow["passages"]) == 2
    )
    code, got = post(url + "search", {"query": "steel tariffs", "k": 2, "mode": "bm25"})
    assert code == 200 and got == [p.to_dict() for p in assistant.search("steel tariffs", k=2, mode="bm25")]
    with urllib.request.urlopen(url + "health", timeout=10) as r:
        assert json.loads(r.read()) == {"ok": True, "articles": 1, "chunks": 3}
    with urllib.request.urlopen(url + "openapi.json", timeout=10) as r:
        paths = json.loads(r.read())["paths"]
    assert {"/ask", "/search", "/health"} <= set(paths)
    assert status(url + "docs") == 200


def test_json_api_errors_are_one_line_4xx_and_one_log_line(served, caplog):
    url = served.local_url + "api/"
    with caplog.at_level("WARNING", logger="ui.jsonapi"):
        cases = [
            (post(url + "ask", {"question": ""}), 400, "the question is empty"),
            (post(url + "search", {"query": "steel", "k": 500}), 400, "ask for k <= 3"),
            (post(url + "ask", {"question": QUESTION, "since": "yesterday"}), 400, "since must be a date"),
            (post(url + "ask", {"k": 2}), 422, "question: Field required"),
            (post(url + "ask", {"question": QUESTION, "k": "many"}), 422, "k:"),
            (post_raw(url + "ask", b"{not json"), 422, "the body is not valid JSON"),
        ]
    for (code, body), want_code, want in cases:
        assert code == want_code and list(body) == ["error"] and want in body["error"], body
        assert "\n" not in body["error"] and "Traceback" not in body["error"]
    lines = [r for r in caplog.records if r.name == "ui.jsonapi"]
    assert len(lines) == len(cases) and all(r.exc_info is None for r in lines)


def test_ask_and_search_are_mcp_tools(served):
    from mcp import ClientSession
    from mcp.client import streamable_http

    # streamable_http_client is the newer name (mcp >= 1.2x); older releases have only the old one.
    connect = (
        getattr(streamable_http, "streamable_http_client", None) or streamable_http.streamablehttp_client
    )

    async def session():
        async with connect(served.local_url + "gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as s:
                await s.initialize()
                tools = {t.name: t for t in (await s.list_tools()).tools}
                result = await s.call_tool("ask", {"question": QUESTION})
                return tools, result

    tools, result = asyncio.run(session())
    assert {"ask", "search"} <= set(tools)
    assert "question" in tools["ask"].inputSchema["properties"]
    assert "cited" in tools["ask"].description
    assert not result.isError and "Karoline Leavitt" in result.content[0].text


def test_parse_auth():
    from qa import QAError
    from ui.app import parse_auth

    assert parse_auth("alice:s3:cret") == ("alice", "s3:cret")
    assert parse_auth(None) is None and parse_auth("  ") is None
    for bad in ("alice", "alice:", ":pw"):
        with pytest.raises(QAError, match="USER:PASS"):
            parse_auth(bad)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
def test_qa_serve_is_ready_within_10_s_and_qa_auth_turns_on_login(tmp_path, minilm):
    from gradio_client import Client

    from qa import Assistant

    with Assistant.open(tmp_path / "index", embedder=minilm) as a:
        a.add([shared(SEED)])
    port = free_port()
    env = dict(os.environ, QA_AUTH="alice:secret")
    qa = Path(sys.executable).with_name("qa")
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(qa), "serve", "--index", str(tmp_path / "index"), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        while time.monotonic() - started < 30:
            if proc.poll() is not None:
                pytest.fail(f"qa serve exited: {proc.stderr.read()}")
            try:
                if status(url) == 200:
                    break
            except OSError:
                time.sleep(0.1)
        ready = time.monotonic() - started
        assert ready < 10, f"qa serve took {ready:.1f} s to answer"
        assert status(url + "config") == 401  # nothing but the login page without logging in
        client = Client(url, auth=("alice", "secret"), verbose=False)
        assert "Karoline Leavitt" in client.predict(QUESTION, api_name="/ask")["answer"]
        code, body = post(url + "api/ask", {"question": QUESTION})  # the JSON API asks for the login too
        assert code == 401 and "HTTP Basic" in body["error"]
        assert post(url + "api/ask", {"question": QUESTION}, auth=("alice", "wrong"))[0] == 401
        code, body = post(url + "api/ask", {"question": QUESTION}, auth=("alice", "secret"))
        assert code == 200 and "Karoline Leavitt" in body["answer"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_taken_default_port_moves_on_and_an_explicit_one_is_an_error():
    from qa import QAError
    from ui.app import pick_port

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(QAError, match=f"port {port} on 127.0.0.1 is in use.*--port N"):
            pick_port("127.0.0.1", port)
        import ui.app

        old = ui.app.DEFAULT_PORT
        ui.app.DEFAULT_PORT = port
        try:
            chosen, note = pick_port("127.0.0.1", None)
        finally:
            ui.app.DEFAULT_PORT = old
        assert chosen > port and f"port {port} is in use; serving on port {chosen}" in note


def test_the_library_table_config_has_the_column_widths_and_wraps(assistant):
    from ui import library as lib
    from ui.app import build_app

    app = build_app(assistant)
    table = next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == "qa-articles")
    config = table.get_config()
    assert config["column_widths"] == lib.ARTICLE_WIDTHS and config["wrap"] is True
    app.close()


def post_as(url: str, data: bytes, content_type: str | None) -> tuple[int, object]:
    """POST with exactly this Content-Type header, or none at all (urllib would add a form's)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"content-type": content_type} if content_type else {}
    conn.request("POST", parts.path, body=data, headers=headers)
    r = conn.getresponse()
    try:
        return r.status, json.loads(r.read())
    finally:
        conn.close()


def test_a_body_not_sent_as_json_gets_415_naming_the_header(served, caplog):
    url = served.local_url + "api/"
    body = json.dumps({"question": QUESTION}).encode()
    with caplog.at_level("WARNING", logger="ui.jsonapi"):
        cases = [
            (post_as(url + "ask", body, None), "(it had none)"),
            (
                post_as(url + "ask", body, "application/x-www-form-urlencoded"),
                "(it came as application/x-www-form-urlencoded)",
            ),
            (post_as(url + "search", b"query=steel", "text/plain; charset=utf-8"), "(it came as text/plain)"),
            (post_as(url + "ask", b"", None), "(it had none)"),
        ]
    for (code, got), why in cases:
        assert code == 415 and list(got) == ["error"], got
        assert got["error"] == f"send the body as JSON with the header Content-Type: application/json {why}"
    assert len([r for r in caplog.records if r.name == "ui.jsonapi" and " 415 " in r.getMessage()]) == len(
        cases
    )
    # JSON by any of its names is read as JSON
    assert post_as(url + "ask", body, "application/json; charset=utf-8")[0] == 200
    assert post_as(url + "ask", b'{"k": 2}', "application/merge-patch+json")[0] == 422
