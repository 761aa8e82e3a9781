"""Question sets, metrics, benchmarks and reports; the demo corpus lives in ``eval/demo``.

>>> import eval
>>> summary = eval.run("articles/", "questions.jsonl", out="/tmp/e", compare=["hybrid", "bm25"])
"""

from eval.runner import run

__all__ = ["run"]
