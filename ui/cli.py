"""The ``qa`` command: runs what :mod:`ui.cliargs` parses. Each subcommand imports
what it needs inside its branch, so ``qa --help`` and ``qa stats`` stay fast.

The CLI is the application's top: it imports the library (``qa``), the app (``ui``)
and the evaluation (``eval``); nothing imports it. It is also the edge where the
environment is read, once: ``QA_INDEX``, ``QA_AUTH`` (by the parser) and the library's
:class:`qa.Config` (``QA_PRECISION``, ``QA_CACHE_DIR``, ``QA_VECTOR_INDEX``,
``QA_NPROBE``), passed down from here."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from index import QAError
from ui.cliargs import DEMO_INDEX, build_parser
from ui.terminal import os_error_message, silence_stdout
from ui.webcli import fetch_options, run_watch


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="qa: %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a model hub
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")  # gRPC's own log (milvus-lite's keepalive chatter)
    try:
        from index.config import Config

        args.config = Config.from_env()
        if getattr(args, "store", None):
            args.config = replace(args.config, store=args.store)
        return int(_run(args) or 0)
    except BrokenPipeError:  # `qa stats --articles | head`: the reader has all it wanted
        silence_stdout()
        return 141  # what a shell reports for a command ended by SIGPIPE
    except QAError as exc:
        print(f"qa: error: {' '.join(str(exc).splitlines())}", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder that cannot be created, a full disk: one line, no traceback
        print(f"qa: error: {os_error_message(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    from qa.assistant import Assistant

    if args.command == "serve":
        return _serve(args)
    if args.command == "eval":
        return _eval(args)
    if args.command == "bench":
        from eval.bench import run_from_args

        return run_from_args(args)
    if args.command == "watch":
        return run_watch(args)
    if args.command == "ingest":
        from index.sources.readers import printable
        from index.text.chunking import ChunkSettings

        try:
            chunk = ChunkSettings(size=args.chunk_size, overlap=args.chunk_overlap)
        except ValueError as exc:
            print(f"qa: error: {exc}", file=sys.stderr)
            return 2
        if isinstance(args.ray, str) and os.path.exists(args.ray):
            print(f"qa: error: --ray took {args.ray!r} for a cluster address; put --ray after the paths, "
                  "or write --ray=ADDRESS", file=sys.stderr)  # fmt: skip
            return 2
        if not args.paths and not args.feed:
            print("qa: error: give files, folders or URLs to add, or --feed URL", file=sys.stderr)
            return 2
        if args.ray:  # before the index is made: say what to install, if ray is missing
            from index.distributed import require_ray

            require_ray()
        made = not os.path.exists(args.index)
        with Assistant.open(args.index, model=args.model, chunk=chunk, config=args.config) as assistant:
            report = assistant.add(
                args.paths, progress=not args.quiet and sys.stderr.isatty(), **fetch_options(args),
                ray=args.ray or False, workers=args.ray_workers,
            )  # fmt: skip
            empty = assistant.counts().articles == 0
        if made and empty:  # nothing went in: leave no empty index behind (made by this call alone)
            shutil.rmtree(args.index, ignore_errors=True)
        for problem in report.rejected:
            print(f"qa: rejected {problem}", file=sys.stderr)
        for dup in report.duplicates:
            where = printable(dup["path"])
            print(f"qa: duplicate {where}: same text as article {dup['duplicate_of']}, not added again",
                  file=sys.stderr)  # fmt: skip
        print(json.dumps(report.to_dict(), indent=2) if args.json else report.summary())
        if made and empty:
            print(f"qa: nothing was added, so no index was made at {args.index}", file=sys.stderr)
        return 3 if report.rejected else 0
    if args.command == "doctor":
        from ui.terminal import doctor

        return doctor(args.model, args.remeasure, args.json, args.config)
    _require_index(args.index, args.config)
    from ui import terminal

    with Assistant.open(args.index, config=args.config) as assistant:
        if args.command == "ask":
            answer = assistant.ask(
                args.text, k=args.k, history=args.history, mode=args.mode,
                since=args.since, until=args.until, source=args.source,
            )  # fmt: skip
            print(
                json.dumps(answer.to_dict(), indent=2, ensure_ascii=False)
                if args.json
                else terminal.format_answer(answer)
            )
        elif args.command == "search":
            passages = assistant.search(
                args.text, k=args.k, mode=args.mode, since=args.since, until=args.until, source=args.source
            )
            if args.json:
                print(json.dumps([p.to_dict() for p in passages], indent=2, ensure_ascii=False))
            if args.k is not None and len(passages) < args.k:
                print(
                    f"qa: {len(passages)} of the {args.k} passages asked for: {_fewer(args)}", file=sys.stderr
                )
            elif not passages:
                print(f"qa: no passages found: {_fewer(args)}", file=sys.stderr)
            for i, p in enumerate(passages if not args.json else [], start=1):
                print(f"{i}. {p.title} ({p.article_id}, chars {p.start}-{p.end}, score {p.score:.4f})")
                print(f"   {' '.join(p.text.split())[:300]}")
        elif args.command == "remove":
            for aid in args.ids:
                assistant.remove(aid)
                print(f"removed {aid}")
        elif args.command == "stats":
            stats: dict[str, Any] = assistant.stats().to_dict()
            if args.articles:
                stats["articles_list"] = [a.to_dict() for a in assistant.articles()]
            print(
                json.dumps(stats, indent=2, ensure_ascii=False) if args.json else terminal.format_stats(stats)
            )
    return 0


def _require_index(index_dir: str, config: Any, hint: str = "") -> None:
    """Fail with one line when ``index_dir`` holds no index in the engine ``config.store``
    names (the library's own test; locally: a manifest, or records that name their
    settings, from which it repairs the rest)."""
    from index.errors import IndexCorruptError
    from index.storage import engine_exists

    if config.store in (None, "local") and os.path.isfile(index_dir):
        raise IndexCorruptError(f"{index_dir} is a file, not an index folder; give a folder with --index DIR")
    if not engine_exists(index_dir, config):
        store = f" --store {config.store}" if config.store else ""
        local = config.store in (None, "local")
        same = os.path.abspath(index_dir) == os.path.abspath(DEMO_INDEX)
        if not hint and local and not same and engine_exists(DEMO_INDEX, config):
            hint = f", or use the demo index that 'make run' built: --index {DEMO_INDEX}"
        raise IndexCorruptError(
            f"no index at {index_dir}{' in ' + config.store if config.store else ''}; "
            f"build one with 'qa ingest PATH --index {index_dir}{store}'{hint}"
        )


def _fewer(args: argparse.Namespace) -> str:
    if args.since or args.until or args.source:
        return "no more chunks match the date and source filters"
    if args.mode == "bm25":
        return "bm25 returns only chunks that contain a word of the query"
    return "the index holds no more chunks"


def _eval(args: argparse.Namespace) -> int:
    import eval as evaluation

    summary = evaluation.run(
        args.articles,
        args.questions,
        args.out,
        fmt=args.format,
        index=args.index,
        k=args.k,
        compare=args.compare.split(","),
        model=args.model,
        limit=args.limit,
        calibration=args.calibration,
        config=args.config,
        leave_out=args.leave_out,
    )
    from eval.report import KEYS

    keys = [k for k in KEYS if k != "index_seconds"]  # printed once, below
    print("config   " + " ".join(f"{k:>10}" for k in keys))
    for block in summary["configurations"]:
        values = [
            "-" if block[k] is None else f"{block[k]:.3f}" if isinstance(block[k], float) else str(block[k])
            for k in keys
        ]
        print(f"{block['config']['mode']:<8} " + " ".join(f"{v:>10}" for v in values))
    if summary.get("left_out"):
        for block in summary["configurations"]:
            left = block["left_out"]
            print(
                f"{block['config']['mode']}: left out {left['articles']} article files; of their "
                f"{left['questions']} questions {_pct(left['declined'])} declined, "
                f"{_pct(left['declined_or_tentative'])} declined or tentative; of the "
                f"{left['kept_answerable']} answerable ones whose article stayed "
                f"{_pct(left['kept_declined'])} declined (the left-out questions count as "
                "unanswerable in the table)"
            )
    print(
        f"index built in {summary['index_seconds']} s; "
        f"wrote {args.out}/summary.json, results.jsonl, report.md"
    )
    return 0


def _serve(args: argparse.Namespace) -> int:
    index_dir = args.index or (DEMO_INDEX if args.demo else args.env_index)
    if args.demo:
        from eval.corpus import ensure_demo_index

        ensure_demo_index(index_dir, config=args.config)
    else:
        _require_index(index_dir, args.config, ", or run 'qa serve --demo'")
    from ui.app import serve

    serve(index_dir, host=args.host, port=args.port, auth=args.auth, config=args.config)
    return 0


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


if __name__ == "__main__":
    sys.exit(main())

