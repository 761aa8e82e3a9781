"""The Gradio app: layout and wiring. Callbacks parse, call :class:`qa.Assistant`
(in ui.chat, ui.library, ui.api) and format (ui.format); no retrieval here.

No ``from __future__ import annotations`` here: Gradio reads the callbacks'
annotations (``gr.SelectData``) at run time, and ``gr`` is imported late."""

import importlib.util
import logging
import socket
from pathlib import Path
from typing import Any

from qa import Assistant, Config, QAError
from ui import chat as chat_cb
from ui import library as lib
from ui.api import make_api
from ui.assets import CSS, HEAD
from ui.format import empty_sources_html, notice_html

# One question per article of the demo corpus (eval/demo/articles), each answered
# confidently and rightly by the demo index (tests/endtoend/test_demo.py checks it).
EXAMPLES = [
    "Who won the men's race at the Farrow Bay Marathon?",
    "How long does the new Gull Island ferry take to cross?",
    "Why did scientists raise the alert on Mount Kessar?",
    "Which school won the Cedar Valley robotics challenge?",
    "How long was the Ashvale library closed?",
    "What did Carney say about the visit?",
    "What is the US tariff on cars from Canada?",
    "How high is the US tariff on steel and aluminum now?",
    "Which country is the largest trading partner of the United States?",
    "What trade deal did USMCA replace?",
]
AUTH_ENV = "QA_AUTH"
DEFAULT_PORT = 7860

log = logging.getLogger(__name__)


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """``"USER:PASS"`` -> ``(user, password)``; None or blank -> no login."""
    if not auth or not auth.strip():
        return None
    user, sep, password = auth.strip().partition(":")
    if not sep or not user or not password:
        raise QAError(f"--auth (or ${AUTH_ENV}) must look like USER:PASS")
    return user, password


def mcp_available() -> bool:
    """True when ``gradio[mcp]`` is installed, so ask/search are MCP tools too."""
    return importlib.util.find_spec("mcp") is not None


def build_app(assistant: Assistant) -> Any:
    """The Blocks app over ``assistant``: chat with sources, settings, library, API."""
    import gradio as gr

    ask_api, search_api = make_api(assistant)

    def library_view(k_now: Any = chat_cb.DEFAULT_K) -> tuple[Any, ...]:
        """Stats, the article table and menus, and the passages slider fitted to the index."""
        articles = assistant.articles()
        stats = assistant.stats()
        top, k_fit = chat_cb.fit_k(k_now, stats.chunks)  # top >= k_now: see fit_k
        return (
            lib.stats_html(stats),
            lib.article_rows(articles),
            gr.Dropdown(choices=lib.article_choices(articles), value=None),
            gr.Dropdown(choices=lib.source_choices(articles)),
            gr.Slider(maximum=top, value=k_fit),
        )

    def respond(message: str, history: list[dict[str, Any]], turns: list[Any], *raw: Any) -> Any:
        settings = chat_cb.Settings.parse(*raw)
        yield from chat_cb.respond(assistant, message, history, turns, settings)

    progress_bar = gr.Progress(track_tqdm=True)

    def add_files(files: list[str] | None, k_now: Any, progress: Any = progress_bar) -> tuple[Any, ...]:
        rows, summary = lib.add_uploads(assistant, files, lambda f, d: progress(f, desc=d))
        ok = any(r[1] in ("added", "replaced", "unchanged") for r in rows)
        # the last removal's notice goes: it may name an article this upload just brought back
        return (notice_html(summary, ok), lib.results_html(rows), None, "", *library_view(k_now))

    def add_web(text: str, feeds: bool, k_now: Any, progress: Any = progress_bar) -> tuple[Any, ...]:
        rows, summary = lib.add_urls(assistant, text, feeds, lambda f, d: progress(f, desc=d))
        ok = any(r[1] in ("added", "replaced", "unchanged") for r in rows)
        return (notice_html(summary, ok), lib.results_html(rows), "", "", *library_view(k_now))

    def remove(article_id: str | None, k_now: Any) -> tuple[Any, ...]:
        removed, message = lib.remove_article(assistant, article_id)
        return (notice_html(message, removed), "", *library_view(k_now))

    def pick_row(evt: gr.SelectData) -> str | None:
        return lib.article_for_row(assistant.articles(), evt.row_value)

    def pick_example(evt: gr.SelectData) -> str:
        return str((evt.value or {}).get("text", ""))

    # a fresh page starts fitted to the index as it is now; loading it refits (fit_k)
    k_top, k_start = chat_cb.start_k(assistant.counts().chunks)
    with gr.Blocks(title="Article QA", analytics_enabled=False) as app:
        turns = gr.State([])
        with gr.Row(elem_id="qa-header"):
            gr.HTML(
                "<h1>Article QA</h1><div class='qa-muted'>Answers quoted from your articles, "
                "every sentence cited. Click a number to see its source.</div>"
            )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(
                            label="Conversation",
                            elem_id="qa-chat",
                            height="64vh",
                            examples=[{"text": q} for q in EXAMPLES],
                            placeholder="**Ask about the articles in the library.**\n\n"
                            "Follow-ups use the conversation: *“And what did Carney say?”*",
                            latex_delimiters=[],
                            feedback_options=None,
                            sanitize_html=True,
                            allow_tags=False,
                            buttons=[],  # its copy button would copy the Markdown source, escapes and all
                        )
                        box = gr.Textbox(
                            placeholder="Ask a question… (Enter to send)",
                            show_label=False,
                            submit_btn="Ask",
                            elem_id="qa-box",
                            autofocus=True,
                            max_lines=4,
                        )
                        new = gr.Button("New chat", size="sm", variant="secondary", elem_id="qa-new")
                    with gr.Column(scale=2):
                        with gr.Accordion("Search settings", open=False, elem_id="qa-settings"):
                            k = gr.Slider(
                                1,
                                k_top,
                                value=k_start,
                                step=1,
                                label="Passages to show",
                                elem_id="qa-k",
                            )
                            mode = gr.Radio(
                                list(chat_cb.MODES),
                                value="hybrid",
                                label="Retrieval mode",
                                info="hybrid = keywords + meaning; dense = meaning; bm25 = keywords",
                                elem_id="qa-mode",
                            )
                            with gr.Row():
                                since = gr.Textbox(
                                    label="Since", placeholder="YYYY-MM-DD", elem_id="qa-since"
                                )
                                until = gr.Textbox(
                                    label="Until", placeholder="YYYY-MM-DD", elem_id="qa-until"
                                )
                            source = gr.Dropdown(
                                label="Source or title contains",
                                choices=[],
                                value=None,
                                allow_custom_value=True,
                                elem_id="qa-source",
                            )
                        sources = gr.HTML(empty_sources_html(), elem_id="qa-sources")
                        bridge = gr.Textbox(visible="hidden", elem_id="qa-cite-bridge")
            with gr.Tab("Library", id="library"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2):
                        gr.Markdown(
                            f"### Add articles\n{', '.join(lib.UPLOAD_TYPES)} · up to "
                            f"{lib.MAX_FILE_MB} MB per file. JSON records need `title` and `text`."
                        )
                        # Every file reaches the server, which says per file why one is refused
                        # (a browser-side type filter would only flash a toast and drop it).
                        files = gr.File(
                            file_count="multiple",
                            type="filepath",
                            label="Article files",
                            elem_id="qa-upload",
                        )
                        add_btn = gr.Button("Add to library", variant="primary", elem_id="qa-add")
                        web_urls = gr.Textbox(
                            label="Or web addresses, one per line",
                            placeholder="https://example.org/news/story.html",
                            lines=2,
                            elem_id="qa-urls",
                        )
                        with gr.Row():
                            web_feeds = gr.Checkbox(
                                label="These are feeds or sitemaps (add their entries)", elem_id="qa-feeds"
                            )
                            web_btn = gr.Button("Fetch and add", elem_id="qa-fetch")
                        add_status = gr.HTML(elem_id="qa-add-status")
                        results = gr.HTML(elem_id="qa-results")
                    with gr.Column(scale=3):
                        stats = gr.HTML(elem_id="qa-stats")
                        table = gr.Dataframe(
                            headers=lib.ARTICLE_HEADERS,
                            type="array",
                            interactive=False,
                            wrap=True,
                            label="Articles (click a row to pick it)",
                            datatype=["str", "str", "str", "number"],
                            column_widths=lib.ARTICLE_WIDTHS,
                            show_search="search",
                            max_height=480,
                            elem_id="qa-articles",
                        )
                        with gr.Row():
                            pick = gr.Dropdown(
                                label="Article", choices=[], value=None, scale=4, elem_id="qa-pick"
                            )
                            remove_btn = gr.Button("Remove", variant="stop", scale=1, elem_id="qa-remove")
                        remove_status = gr.HTML(elem_id="qa-remove-status")

        settings = [k, mode, since, until, source]
        view = [stats, table, pick, source, k]
        chat_io = dict(
            inputs=[box, chat, turns, *settings],
            outputs=[chat, sources, turns, box],
            api_visibility="private",
            show_progress="hidden",
        )
        box.submit(respond, **chat_io)
        chat.example_select(pick_example, None, box, api_visibility="private").then(respond, **chat_io)
        new.click(chat_cb.new_chat, None, [chat, sources, turns, box], api_visibility="private")
        chat.clear(chat_cb.new_chat, None, [chat, sources, turns, box], api_visibility="private")
        bridge.change(
            chat_cb.show_source, [turns, bridge], sources, api_visibility="private", show_progress="hidden"
        )
        add_btn.click(
            add_files,
            [files, k],
            [add_status, results, files, remove_status, *view],
            api_visibility="private",
        )
        web_btn.click(
            add_web,
            [web_urls, web_feeds, k],
            [add_status, results, web_urls, remove_status, *view],
            api_visibility="private",
        )
        remove_btn.click(remove, [pick, k], [remove_status, add_status, *view], api_visibility="private")
        table.select(pick_row, None, pick, api_visibility="private")
        app.load(library_view, k, view, api_visibility="private")
        gr.api(ask_api, api_name="ask")
        gr.api(search_api, api_name="search")
    return app


def launch(
    app: Any,
    host: str = "127.0.0.1",
    port: int | None = 7860,
    auth: tuple[str, str] | None = None,
    block: bool = True,
    quiet: bool = False,
    json_api: Assistant | None = None,
) -> Any:
    """Start the server the way ``qa serve`` does (theme, CSS, script, upload
    limit, MCP when available); with ``block=False`` return once it listens.
    ``json_api``: also serve that assistant's plain JSON API at ``/api`` (ui.jsonapi)."""
    import gradio as gr

    routes = []
    if json_api is not None:
        from starlette.routing import Mount

        from ui.jsonapi import make_json_api

        routes.append(Mount("/api", app=make_json_api(json_api, auth, lambda r: page_user(app, r))))
    app.queue(default_concurrency_limit=8)
    app.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        auth_message="Article QA: log in with the user and password given to qa serve --auth.",
        show_error=True,
        max_file_size=lib.MAX_FILE_BYTES,
        footer_links=["api", "settings"],
        run_history=False,
        enable_monitoring=False,
        ssr_mode=False,
        mcp_server=mcp_available(),
        prevent_thread_lock=not block,
        quiet=quiet,
        app_kwargs={"routes": routes},
        theme=gr.themes.Default(
            primary_hue="blue",
            font=["ui-sans-serif", "system-ui", "sans-serif"],  # system fonts: nothing to fetch
            font_mono=["ui-monospace", "monospace"],
        ),
        css=CSS,
        head=HEAD,
    )
    return app


def page_user(app: Any, request: Any) -> str | None:
    """The user whose page login cookie ``request`` carries, or None."""
    server = getattr(app, "server_app", None)
    if server is None:
        return None
    token = request.cookies.get(f"access-token-{server.cookie_id}") or request.cookies.get(
        f"access-token-unsecure-{server.cookie_id}"
    )
    return server.tokens.get(token) if token else None


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (as uvicorn binds: SO_REUSEADDR)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(host: str, port: int | None) -> tuple[int, str | None]:
    """``(port to listen on, a note for the user or None)``. An explicit ``port`` that
    is taken is an error; the default one moves to the next free port, and says so."""
    wanted = DEFAULT_PORT if port is None else port
    if port_is_free(host, wanted):
        return wanted, None
    if port is not None:
        raise QAError(
            f"port {port} on {host} is in use (another qa serve?); stop that server or pick another "
            "port with --port N"
        )
    for other in range(wanted + 1, wanted + 40):
        if port_is_free(host, other):
            return other, f"port {wanted} is in use; serving on port {other} instead (choose with --port N)"
    raise QAError(f"ports {wanted}-{wanted + 39} on {host} are all in use; pick a free one with --port N")


def serve(
    index_dir: str | Path,
    host: str = "127.0.0.1",
    port: int | None = None,
    auth: str | None = None,
    config: Config | None = None,
) -> None:
    """Open the index, serve the app (the page, its Gradio API and MCP tools, and the
    JSON API at /api), then load the model (so the page is up seconds sooner; a question
    asked meanwhile waits for the model), and serve until stopped. ``port=None`` takes
    7860 or the next free port. ``auth`` as ``USER:PASS`` turns on a login (the ``qa``
    command passes ``--auth`` or ``$QA_AUTH``)."""
    login = parse_auth(auth)
    chosen, note = pick_port(host, port)
    if note:
        log.warning("%s", note)
    assistant = Assistant.open(index_dir, config=config)
    try:
        app = launch(build_app(assistant), host, chosen, login, block=False, quiet=True, json_api=assistant)
    except OSError as exc:  # taken between the check and the start: Gradio says so in its own words
        if "port" not in str(exc).lower():
            raise
        raise QAError(
            f"port {chosen} on {host} was taken while starting; pick another port with --port N"
        ) from exc
    url = f"http://{host}:{chosen}/"
    print(
        f"qa: serving {index_dir} on {url} (Ctrl-C to stop); JSON API at {url}api/ (docs: {url}api/docs), "
        f"MCP at {url}gradio_api/mcp/",
        flush=True,
    )
    assistant.embedder.encode(["warm up"])  # load the model now, not on the first question
    app.block_thread()
