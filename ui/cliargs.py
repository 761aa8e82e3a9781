"""The command line of ``qa``: the parser with every subcommand's options, help and
examples. It is where the defaults that come from the environment are read, once
(``QA_INDEX``, ``QA_AUTH``); :mod:`ui.cli` runs what it parses."""

from __future__ import annotations

import argparse
import difflib
import os
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NoReturn

from index import ChunkSettings
from qa import MODES
from ui.webcli import WATCH_EXAMPLES, add_fetch_options, add_watch_options

FALLBACK_INDEX = ".qa/index"
CHUNK = ChunkSettings()  # the defaults of a new index
DEMO_INDEX = ".qa/demo"

EXAMPLES = {
    "ingest": "examples:\n  qa ingest ../shared/data/seed --index /tmp/i\n"
    "  qa ingest news/ extra.jsonl --index my-index --chunk-size 160\n"
    "  qa ingest https://example.org/news/story.html --index /tmp/i\n"
    "  qa ingest --feed https://example.org/rss.xml --feed https://example.org/sitemap.xml\n"
    "  qa ingest news/ --index my-index --ray                # 2 Ray workers on this machine\n"
    "  qa ingest news/ --index my-index --ray=HOST:6379 --ray-workers 8",
    "ask": 'examples:\n  qa ask "What did Trump say about USMCA?" --index /tmp/i\n'
    '  qa ask "And what did Carney say?" --history "What did Trump say about USMCA?" --index /tmp/i --json',
    "search": 'examples:\n  qa search "steel tariffs" --index /tmp/i -k 3\n'
    '  qa search "USMCA review" --mode bm25 --index /tmp/i --json',
    "remove": "examples:\n  qa stats --articles --index /tmp/i   # find the id\n"
    "  qa remove prime-minister-carney-holds-trade-talks-3f2a9c1d0b --index /tmp/i",
    "stats": "examples:\n  qa stats --index /tmp/i\n  qa stats --articles --index /tmp/i --json",
    "eval": "examples:\n  qa eval --articles eval/demo/articles --questions eval/demo/questions.jsonl "
    "--out /tmp/e\n"
    "  qa eval --articles ../shared/data/squad-dev-half --questions "
    "../shared/data/squad-dev-half/questions.jsonl \\\n      --format squad-folder --out /tmp/e "
    "--compare hybrid,dense,bm25\n"
    "  qa eval --articles ../shared/data/squad-dev-half --questions "
    "../shared/data/squad-dev-half/questions.jsonl \\\n      --format squad-folder --leave-out 2 --out /tmp/l"
    "   # every other article left out\n"
    "  qa eval --articles ../shared/data/scifact --questions ../shared/data/scifact/qrels/train.tsv "
    "--format beir --out /tmp/s",
    "serve": "examples:\n  qa serve --demo                 # build the demo index if needed, open the chat\n"
    "  qa serve --index /tmp/i --port 8080 --auth alice:secret",
    "doctor": "examples:\n  qa doctor                # measured once per machine and model, then kept\n"
    "  qa doctor --remeasure    # after a hardware or library change\n"
    "  QA_PRECISION=int8 qa ask ...   # to override auto",
    "bench": "examples:\n"
    "  qa bench --quick                        # SQuAD ingest + its real index (minutes)\n"
    "  qa bench --quick --sizes 20000          # ... plus a synthetic index of 20,000 chunks\n"
    "  qa bench --out /tmp/b                   # everything: SciFact too, 10k (real), 100k, 1M\n"
    "  qa bench --skip-ingest --sizes 100k,1M  # query side only; cached indexes are reused\n"
    "  qa bench --skip-ingest --sizes 100k --store milvus  # ... and milvus-lite beside the local engine\n",
}


class _Parser(argparse.ArgumentParser):
    """argparse, with a wrong command line told in one line (not the usage block)."""

    commands: dict[str, argparse.ArgumentParser]

    def error(self, message: str) -> NoReturn:
        wrong = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if wrong:  # "qa aks": say which command was meant
            choices = re.findall(r"'([^']*)'", wrong.group(2))
            close = difflib.get_close_matches(wrong.group(1), choices, n=1)
            if message.startswith("argument COMMAND:"):
                message = f"there is no command '{wrong.group(1)}'; " + (
                    f"did you mean '{close[0]}'?" if close else f"the commands are {', '.join(choices)}"
                )
            elif close:
                message = f"{message}; did you mean '{close[0]}'?"
        self.exit(2, f"{self.prog}: error: {message}; '{self.prog} --help' shows the options\n")

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:  # type: ignore[override]
        """An option no command knows is told by that command's parser ("'qa ask --help'
        shows the options"), not the top one's."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            commands = getattr(self, "commands", {})
            (commands.get(getattr(parsed, "command", None)) or self).error(
                f"unrecognized arguments: {' '.join(extra)}"
            )
        return parsed


def _day(text: str) -> str:
    """A --since/--until value: a real day, told by the option's name when it is not."""
    try:
        date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date like 2025-10-07, not {text!r}") from None
    return text


def build_parser(env: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    """The parser; defaults that come from the environment are read here (``env``,
    by default ``os.environ``), once."""
    env = os.environ if env is None else env
    default_index = env.get("QA_INDEX") or FALLBACK_INDEX
    parser = _Parser(
        prog="qa",
        description="Ask questions about news articles; answers cite the exact sentences.",
        epilog="examples:\n"
        "  qa ingest ../shared/data/seed --index /tmp/i      # articles in, an index made\n"
        '  qa ask "What did Trump say about USMCA?" --index /tmp/i\n'
        "  qa serve --index /tmp/i                           # the chat UI and the JSON API\n"
        "  qa serve --demo                                   # the demo articles (what 'make run' does)\n\n"
        "Run 'qa COMMAND --help' for each command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.commands = {}

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EXAMPLES.get(name),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.commands[name] = p
        if name not in ("serve", "eval", "doctor"):
            p.add_argument(
                "--index",
                default=default_index,
                metavar="DIR",
                help=f"index directory (default: $QA_INDEX or {FALLBACK_INDEX})",
            )
        if name != "doctor":
            p.add_argument(
                "--store",
                default=None,
                metavar="ENGINE",
                help="where the index is kept: local (default), milvus (milvus-lite in the index "
                "directory), milvus:PATH.db, milvus+http://HOST:PORT[/NAME] (default: $QA_STORE or local)",
            )
        return p

    p = command("ingest", "Add articles (.txt .md .html .json .jsonl .pdf, folders recursively, web pages).")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files, folders or http(s):// page URLs to add")
    add_fetch_options(p)
    p.add_argument(
        "--model",
        metavar="PATH",
        help="sentence-transformers model folder (new index only; "
        "default: packaged all-MiniLM-L6-v2; 'hash:256' for a model-free test index)",
    )
    p.add_argument(
        "--chunk-size",
        type=int,
        default=CHUNK.size,
        metavar="N",
        help=f"tokens per chunk, a new index only (default {CHUNK.size})",
    )
    p.add_argument(
        "--chunk-overlap",
        type=int,
        default=CHUNK.overlap,
        metavar="N",
        help=f"tokens shared by neighbouring chunks, a new index only (default {CHUNK.overlap})",
    )
    p.add_argument(
        "--ray",
        nargs="?",
        const=True,
        metavar="ADDRESS",
        help="read, chunk and embed on Ray workers (this process still writes): on a Ray started "
        "here, or on the cluster at ADDRESS; put it after the paths, or write --ray=ADDRESS "
        "(needs: pip install 'article-qa[ray]')",
    )
    p.add_argument(
        "--ray-workers",
        type=int,
        default=2,
        metavar="N",
        help="embedding workers on Ray, one CPU each (default 2)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")

    p = command(
        "watch", "Keep an index current with folders and feeds: a cycle every --every, until stopped."
    )
    p.epilog = WATCH_EXAMPLES
    add_watch_options(p)

    for name, help_text in (
        ("ask", "Answer a question with cited sentences."),
        ("search", "Show the passages that match a query."),
    ):
        p = command(name, help_text)
        p.add_argument("text", metavar="QUESTION" if name == "ask" else "QUERY")
        p.add_argument("-k", type=int, default=None, metavar="N", help="passages to retrieve (default 5)")
        p.add_argument(
            "--mode",
            choices=MODES,
            default="hybrid",
            help=(
                "retrieval mode (default: hybrid; fusion = hybrid without re-scoring by best sentence; "
                "dense = meaning alone; bm25 = words alone; rrf = plain reciprocal rank fusion, to compare)"
            ),
        )
        p.add_argument("--json", action="store_true", help="print the JSON the HTTP API gives")
        p.add_argument(
            "--since", type=_day, metavar="YYYY-MM-DD", help="only articles dated on or after this day"
        )
        p.add_argument(
            "--until", type=_day, metavar="YYYY-MM-DD", help="only articles dated on or before this day"
        )
        p.add_argument("--source", metavar="TEXT", help="only articles whose source or title contains TEXT")
        if name == "ask":
            p.add_argument(
                "--history",
                action="append",
                default=[],
                metavar="QUESTION",
                help="an earlier question of the conversation (repeat, oldest first)",
            )

    p = command("remove", "Remove articles by id.")
    p.add_argument("ids", nargs="+", metavar="ARTICLE_ID")

    p = command("stats", "Show index size, model and settings.")
    p.add_argument("--articles", action="store_true", help="list every article too")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command(
        "doctor", "Show how the model runs on this machine: each precision's speed and what auto picks."
    )
    p.add_argument("--model", metavar="PATH", help="model folder (default: the packaged all-MiniLM-L6-v2)")
    p.add_argument(
        "--remeasure", action="store_true", help="measure again instead of using the saved figures"
    )
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("eval", "Evaluate on a question set: summary.json, results.jsonl, report.md with plots.")
    p.add_argument(
        "--articles", metavar="PATH", help="articles to index (file or folder; BEIR: dataset folder)"
    )
    p.add_argument("--questions", required=True, metavar="FILE", help="question set (see README: formats)")
    p.add_argument(
        "--format", default="auto", choices=("auto", "qa-jsonl", "squad-json", "squad-folder", "beir")
    )
    p.add_argument("--out", required=True, metavar="DIR", help="where to write the results")
    p.add_argument(
        "-k", type=int, default=10, metavar="N", help="passages per question for hit@k (default 10)"
    )
    p.add_argument(
        "--compare", default="hybrid", metavar="MODES", help="e.g. hybrid,dense,bm25 (default hybrid)"
    )
    p.add_argument("--model", metavar="PATH", help="model for a new index (default: packaged MiniLM)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    p.add_argument("--index", metavar="DIR", help="index to build or reuse (default: OUT/index)")
    p.add_argument(
        "--calibration", metavar="FILE", help="answer with this calibration file (default: the model's own)"
    )
    p.add_argument(
        "--leave-out",
        type=int,
        metavar="K",
        help="index all article files but every K-th (sorted by name; 2: every other one) and count "
        "the questions about a left-out article as unanswerable: does it decline what the index lacks?",
    )

    p = command("serve", "Serve the chat UI and the JSON API (open the address it prints in a browser).")
    p.add_argument(
        "--index",
        default=None,
        metavar="DIR",
        help=f"index directory (default: $QA_INDEX or {FALLBACK_INDEX})",
    )
    p.set_defaults(env_index=default_index)
    p.add_argument(
        "--demo",
        action="store_true",
        help=f"serve the demo index ({DEMO_INDEX}), building it from the bundled corpus if missing",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, local only)")
    p.add_argument(
        "--port", type=int, default=None, help="port (default: 7860, or the next free one when it is taken)"
    )
    p.add_argument(
        "--auth",
        metavar="USER:PASS",
        default=env.get("QA_AUTH"),
        help="require this login (default: $QA_AUTH; none)",
    )

    p = sub.add_parser(
        "bench",
        help="Benchmark ingest, query latency, recall, memory and cold start.",
        description="Benchmark ingest (real corpora vs the raw model), query latency and recall@10 "
        "(real and synthetic indexes, each served in a fresh process), memory, index size and cold "
        "start. Prints a table, then one JSON line.",
        epilog=EXAMPLES["bench"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--sizes",
        metavar="N,N",
        help="index sizes in chunks, e.g. 10000,100k,1M (default: 10000,100000,1000000; with --quick: "
        "only the real index); a size within 2x of the real index's count is the real index",
    )
    p.add_argument("--queries", type=int, default=200, metavar="N", help="questions per index (default 200)")
    p.add_argument(
        "--work", default=".qa/bench", metavar="DIR", help="indexes and caches (default: .qa/bench)"
    )
    p.add_argument("--out", metavar="DIR", help="also write DIR/bench.json")
    p.add_argument(
        "--store",
        metavar="ENGINE",
        help="also measure this engine beside the local one, on copies of the same indexes: milvus "
        "(milvus-lite files in --work) or milvus+http://HOST:PORT (a server)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="SQuAD ingest and its own index only: no SciFact, no synthetic sizes unless --sizes names them",
    )
    p.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16", "int8"),
        help="model precision (default: $QA_PRECISION or auto: bf16 where the CPU has it, else int8)",
    )
    p.add_argument("--model", metavar="PATH", help="model folder or hash:DIM (default: packaged MiniLM)")
    p.add_argument("--skip-ingest", action="store_true", help="reuse the real index in --work; no ingest")
    p.add_argument("--rebuild", action="store_true", help="build synthetic indexes again, ignoring the cache")
    p.add_argument("--data", metavar="DIR", help="the shared data (default: ../shared/data beside the repo)")
    p.add_argument(
        "--precision-chunks",
        type=int,
        default=1000,
        metavar="N",
        help="chunks encoded in fp32 and the selected precision for the speed-up (default 1000)",
    )
    return parser
