"""The served app answers through Gradio's API with the contract JSON."""

import pytest

from tests.conftest import SEED, shared


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from qa import Assistant
    from ui.app import build_app

    a = Assistant.open(tmp_path_factory.mktemp("ui") / "index", model="hash:128")
    a.add([shared(SEED)])
    app = build_app(a)
    app.launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    yield app
    app.close()
    a.close()


def test_api_ask_returns_the_contract(served):
    from gradio_client import Client

    client = Client(served.local_url, verbose=False)
    d = client.predict("Who is the White House spokeswoman?", api_name="/ask")
    assert {"question", "answer", "abstained", "citations", "passages", "timings_ms"} <= d.keys()
    assert "Karoline Leavitt" in d["answer"]


def test_chat_turn_carries_history_and_escapes(tmp_path):
    from qa import Assistant
    from ui.app import chat_turn

    with Assistant.open(tmp_path / "i", model="hash:128") as a:
        a.add([shared(SEED)])
        history, sources = chat_turn(a, "What did Trump say about USMCA?", [])
        assert history[0] == {"role": "user", "content": "What did Trump say about USMCA?"}
        assert "\\[1\\]" in history[1]["content"] and "<mark>" in sources
        # Gradio may hand content back as a list of parts; the follow-up still sees the first turn.
        history[0]["content"] = [{"type": "text", "text": history[0]["content"]}]
        history, _ = chat_turn(a, "And what did Carney say?", history)
        assert len(history) == 4 and "Carney" in history[3]["content"]
        history, sources = chat_turn(a, "   ", history)
        assert history[-1]["content"].startswith("⚠️") and sources == ""
