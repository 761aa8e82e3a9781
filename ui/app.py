"""A first chat UI in Gradio over :class:`qa.Assistant` (no retrieval here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa import Assistant, QAError
from ui.format import answer_markdown, escape_markdown, sources_html

EXAMPLES = [
    "What did Trump say about USMCA?",
    "What did Carney say about competition?",
    "How much of Canada's exports go to the United States?",
]


def _text(content: Any) -> str:
    """Message content as text (Gradio may hand back a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text(c) for c in content)
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    return ""


def chat_turn(
    assistant: Assistant, message: str, history: list[dict[str, Any]] | None
) -> tuple[list[dict[str, Any]], str]:
    """One chat turn: the updated message list and the sources panel HTML.
    Earlier user turns reach ``Assistant.ask`` as the conversation history."""
    history = list(history or [])
    previous = [_text(m.get("content")) for m in history if m.get("role") == "user"]
    try:
        answer = assistant.ask(message, history=previous)
    except QAError as exc:
        reply, sources = f"⚠️ {escape_markdown(str(exc))}", ""
    else:
        reply, sources = answer_markdown(answer), sources_html(answer)
    history += [{"role": "user", "content": message}, {"role": "assistant", "content": reply}]
    return history, sources


def build_app(assistant: Assistant) -> Any:
    import gradio as gr

    def respond(message: str, history: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str, str]:
        messages, sources = chat_turn(assistant, message, history)
        return messages, sources, ""

    def ask_api(question: str) -> dict[str, Any]:
        return assistant.ask(question).to_dict()

    with gr.Blocks(title="Article QA") as app:
        gr.Markdown("## Article QA\nAsk about the indexed articles; every sentence cites its source.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", height=460)
                box = gr.Textbox(placeholder="Ask a question…", show_label=False, submit_btn=True)
                gr.Examples(EXAMPLES, inputs=box)
                clear = gr.Button("New chat")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML()
        box.submit(respond, [box, chat], [chat, sources, box], api_name=False)
        clear.click(lambda: ([], "", ""), None, [chat, sources, box], api_name=False)
        api_in = gr.Textbox(visible=False)
        api_out = gr.JSON(visible=False)
        api_in.submit(ask_api, api_in, api_out, api_name="ask")
    return app


def serve(index_dir: str | Path, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None) -> None:
    """Open the index (model loaded once, up front) and serve the chat UI."""
    assistant = Assistant.open(index_dir)
    _ = assistant.embedder  # load the model now, not on the first question
    login = None
    if auth:
        user, _, password = auth.partition(":")
        if not user or not password:
            raise QAError("--auth must look like USER:PASS")
        login = (user, password)
    build_app(assistant).launch(server_name=host, server_port=port, auth=login, show_error=True)
