"""The bad-input catalogue, bad questions: one line, nothing changed."""


import json
from dataclasses import dataclass

import pytest

from index.errors import InputError
from qa import Assistant
from tests.promises.catalogue.common import QUESTION, fingerprint, one_line_error, qa

# -- questions ----------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    name: str
    question: object
    error: str | None  # part of the message; None when it must be answered
    k: object = None
    mode: str = "hybrid"


ASKS = [
    Ask("empty", "", "the question is empty; type a question"),
    Ask("whitespace only", " \t\n\r  \u3000 ", "the question is empty"),
    Ask("only control characters", "\x00\x01\x07\x1b\x7f", "the question is empty"),
    Ask("100,000 characters", "robots " * 14_286, "characters long; the limit is 2000: shorten it"),
    Ask("NUL and ANSI escapes inside", "Who won the\x00 regional\x1b[31m robotics contest?", None),
    Ask("lone surrogate inside", "Who won the \ud800 robotics contest?", None),
    Ask("markup inside", "<script>alert(1)</script> Who won the robotics contest?", None),
    Ask("not text", None, "the question must be text"),
    Ask("k = 0", QUESTION, "not a positive whole number; ask for k >= 1", k=0),
    Ask("k < 0", QUESTION, "not a positive whole number", k=-3),
    Ask("k a string", QUESTION, "not a positive whole number", k="3"),
    Ask("k a bool", QUESTION, "not a positive whole number", k=True),
    Ask("k larger than the index", QUESTION, "ask for k <= 3", k=10_000),
    Ask("unknown mode", QUESTION, "retrieval mode 'magic' is unknown; use one of", mode="magic"),
]


@pytest.mark.parametrize("case", ASKS, ids=lambda c: c.name)
def test_bad_questions_get_a_one_line_error_and_change_nothing(index, case):
    before = fingerprint(index)
    with Assistant.open(index) as a:
        if case.error is None:
            answer = a.ask(case.question, k=case.k, mode=case.mode)  # type: ignore[arg-type]
            assert "\x00" not in answer.question and "\x1b" not in answer.question
            json.dumps(answer.to_dict())  # the answer is still valid JSON (no lone surrogates)
        else:
            with pytest.raises(InputError) as err:
                a.ask(case.question, k=case.k, mode=case.mode)  # type: ignore[arg-type]
            assert case.error in str(err.value) and "\n" not in str(err.value)
            with pytest.raises(InputError):
                a.search(case.question, k=case.k, mode=case.mode)  # type: ignore[arg-type]
    assert fingerprint(index) == before


CLI_ASKS = [
    (["ask", "   "], "the question is empty"),
    (["ask", "robots " * 14_286], "the limit is 2000"),
    (["ask", "\x1b\x07\x01 \x7f"], "the question is empty"),
    (["ask", QUESTION, "-k", "0"], "ask for k >= 1"),
    (["ask", QUESTION, "-k", "999"], "ask for k <= 3"),
    (["search", QUESTION, "-k", "-1"], "ask for k >= 1"),
    (["remove", "no-such-article"], "list them with 'qa stats --articles'"),
]


@pytest.mark.parametrize(("args", "message"), CLI_ASKS, ids=[" ".join(a)[:30] for a, _ in CLI_ASKS])
def test_cli_bad_requests_exit_1_with_one_line(index, args, message):
    before = fingerprint(index)
    proc = qa(*args, "--index", index)
    assert proc.returncode == 1
    assert message in one_line_error(proc.stderr)
    assert fingerprint(index) == before


