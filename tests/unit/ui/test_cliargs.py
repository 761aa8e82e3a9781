"""The parser of ``qa`` (:mod:`ui.cliargs`): each command's help, and a wrong command
line told in one line."""

from tests.conftest import run_qa


def test_every_command_has_help_with_examples():
    for cmd in ("", "ingest", "ask", "search", "remove", "stats", "serve", "doctor", "eval", "bench"):
        done = run_qa(*filter(None, (cmd, "--help")))
        assert done.returncode == 0, f"qa {cmd} --help failed ({done.returncode}): {done.stderr}"
        assert "examples:" in done.stdout, cmd


def test_a_wrong_command_line_is_one_line_naming_the_help(tmp_path):
    """A missing argument, an unknown command or a bad value: one line on stderr, exit 2,
    not argparse's usage block (a new user read the block as a crash)."""
    for args, words in (
        (("ask", "--index", tmp_path), ("qa ask: error:", "QUESTION", "'qa ask --help'")),
        (("frobnicate",), ("qa: error:", "frobnicate", "'qa --help'")),
        (("ask", "tariffs?", "--bogus"), ("qa ask: error:", "--bogus", "'qa ask --help'")),
        (("ingest", "--chunk-size", "abc", "x"), ("qa ingest: error:", "--chunk-size", "'qa ingest --help'")),
        (("aks", "x"), ("qa: error:", "no command 'aks'", "did you mean 'ask'?")),
        (("ask", "x", "--since", "2025-13-01"), ("qa ask: error:", "--since", "'2025-13-01'")),
    ):
        done = run_qa(*args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert all(w in done.stderr for w in words), done.stderr
