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
