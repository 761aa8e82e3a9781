"""Question sets: the project's JSONL, SQuAD v1.1 JSON, the SQuAD folder form,
and BEIR. Each loads into :class:`Question` objects whose gold answers name an
article (by id, title or file name) and, for SQuAD, character spans."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.errors import InputError

FORMATS = ("auto", "qa-jsonl", "squad-json", "squad-folder", "beir")


@dataclass(frozen=True)
class Gold:
    """One relevant article. ``spans`` are ``(start, end)`` offsets of answers:
    into ``context`` when it is given (a SQuAD paragraph), else into the article."""

    article: str
    grade: int = 1
    context: str | None = None
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...] = ()
    gold: tuple[Gold, ...] = ()
    unanswerable: bool = False
    history: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return not self.unanswerable


@dataclass(frozen=True)
class QuestionSet:
    """Questions plus the article files to index for them."""

    format: str
    questions: tuple[Question, ...]
    articles: tuple[Path, ...] = field(default_factory=tuple)


def detect_format(questions: Path) -> str:
    """Guess the format from the path and the first record."""
    if questions.is_dir():
        if (questions / "corpus.jsonl").is_file():
            return "beir"
        if (questions / "questions.jsonl").is_file():
            return "squad-folder"
        raise InputError(f"{questions}: a folder, but neither BEIR (corpus.jsonl) nor SQuAD folder form")
    if questions.suffix == ".tsv":
        return "beir"
    if questions.suffix == ".json":
        return "squad-json"
    first = next(_jsonl(questions), (1, {}))[1]
    return "squad-folder" if "article_file" in first else "qa-jsonl"


def load(
    questions: str | Path, articles: str | Path | None, fmt: str = "auto", work: Path | None = None
) -> QuestionSet:
    """Load a question set. ``work`` is a folder for generated article files
    (SQuAD JSON and BEIR corpora are converted to JSONL there)."""
    qpath = Path(questions)
    if not qpath.exists():
        raise InputError(f"question file {qpath} does not exist")
    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r} is unknown; use one of {', '.join(FORMATS)}")
    fmt = detect_format(qpath) if fmt == "auto" else fmt
    apath = Path(articles) if articles else None
    work = work or Path(".")
    if fmt == "qa-jsonl":
        return QuestionSet(fmt, tuple(_qa_jsonl(qpath)), _article_paths(apath, qpath))
    if fmt == "squad-folder":
        folder = qpath if qpath.is_dir() else qpath.parent
        qfile = folder / "questions.jsonl" if qpath.is_dir() else qpath
        arts = apath or folder
        arts = arts / "articles" if (arts / "articles").is_dir() else arts
        return QuestionSet(fmt, tuple(_squad_folder(qfile, arts)), (arts,))
    if fmt == "squad-json":
        return _squad_json(qpath, work)
    return _beir(qpath, apath, work)


def _article_paths(apath: Path | None, qpath: Path) -> tuple[Path, ...]:
    if apath is None:
        raise InputError(f"{qpath}: say which articles the questions are about with --articles PATH")
    return (apath,)


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{no}: malformed JSON ({exc.msg}); fix or remove the line") from exc
            if not isinstance(rec, dict):
                raise InputError(f"{path}:{no}: each line must be a JSON object")
            yield no, rec


def _qa_jsonl(path: Path) -> Iterator[Question]:
    for no, rec in _jsonl(path):
        text = rec.get("question")
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"{path}:{no}: field 'question' is missing or empty")
        gold = []
        for rel in rec.get("relevant") or []:
            if isinstance(rel, str):
                gold.append(Gold(rel))
            elif isinstance(rel, dict) and isinstance(rel.get("article"), str):
                spans = tuple((int(a), int(b)) for a, b in rel.get("spans") or [])
                gold.append(Gold(rel["article"], int(rel.get("grade", 1)), None, spans))
            else:
                raise InputError(
                    f"{path}:{no}: 'relevant' items are article ids/titles or {{'article', 'spans'}}"
                )
        history = rec.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise InputError(f"{path}:{no}: 'history' must be a list of earlier questions (strings)")
        yield Question(
            id=str(rec.get("id", no)),
            question=text,
            answers=tuple(str(a) for a in rec.get("answers") or []),
            gold=tuple(gold),
            unanswerable=bool(rec.get("unanswerable", False)),
            history=tuple(history),
        )


def _squad_folder(qfile: Path, articles: Path) -> Iterator[Question]:
    paragraphs: dict[str, list[str]] = {}
    for no, rec in _jsonl(qfile):
        try:
            name, index = rec["article_file"], int(rec["paragraph_index"])
            starts, answers = rec["answer_starts"], rec["answers"]
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"{qfile}:{no}: SQuAD folder records need article_file, paragraph_index, "
                f"answers and answer_starts ({exc})"
            ) from exc
        if name not in paragraphs:
            path = articles / name
            if not path.is_file():
                raise InputError(f"{qfile}:{no}: article file {path} does not exist")
            paragraphs[name] = path.read_text(encoding="utf-8").split("\n\n")[1:]
        context = paragraphs[name][index]
        spans = tuple((int(s), int(s) + len(a)) for s, a in zip(starts, answers, strict=True))
        yield Question(str(rec["id"]), rec["question"], tuple(answers), (Gold(name, 1, context, spans),))


def _squad_json(path: Path, work: Path) -> QuestionSet:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not SQuAD v1.1 JSON (needs a top-level 'data' list): {exc}") from exc
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"{path.stem}-articles.jsonl"
    questions = []
    with out.open("w", encoding="utf-8") as fh:
        for art in data:
            title = art["title"].replace("_", " ")
            contexts = [p["context"] for p in art["paragraphs"]]
            fh.write(json.dumps({"title": title, "text": "\n\n".join(contexts)}) + "\n")
            for para in art["paragraphs"]:
                for qa in para["qas"]:
                    answers = tuple(a["text"] for a in qa["answers"])
                    spans = tuple(
                        (a["answer_start"], a["answer_start"] + len(a["text"])) for a in qa["answers"]
                    )
                    gold = (Gold(title, 1, para["context"], spans),)
                    questions.append(Question(str(qa["id"]), qa["question"], answers, gold))
    return QuestionSet("squad-json", tuple(questions), (out,))


def _beir(qpath: Path, apath: Path | None, work: Path) -> QuestionSet:
    root = apath or (qpath if qpath.is_dir() else qpath.parent.parent)
    corpus, queries = root / "corpus.jsonl", root / "queries.jsonl"
    if qpath.is_dir():
        qrels_dir = qpath / "qrels"
        pick = [qrels_dir / n for n in ("test.tsv", "dev.tsv", "train.tsv") if (qrels_dir / n).is_file()]
        if not pick:
            raise InputError(f"{qrels_dir}: no qrels (test.tsv, dev.tsv or train.tsv)")
        qpath = pick[0]
    for f in (corpus, queries):
        if not f.is_file():
            raise InputError(f"BEIR needs {f}; point --articles at the dataset folder")
    qrels: dict[str, dict[str, int]] = {}
    with qpath.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if len(row) < 3 or not row[2].lstrip("-").isdigit():
                continue  # header or blank line
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    texts = {str(rec["_id"]): rec.get("text", "") for _, rec in _jsonl(queries)}
    questions = [
        Question(qid, texts[qid], (), tuple(Gold(doc, g) for doc, g in rels.items()))
        for qid, rels in qrels.items()
        if qid in texts
    ]
    work.mkdir(parents=True, exist_ok=True)
    out = work / f"{root.name}-corpus.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for _, rec in _jsonl(corpus):
            text = (rec.get("text") or "").strip()
            title = (rec.get("title") or "").strip() or " ".join(text.split()[:12])
            if text:
                fh.write(json.dumps({"id": str(rec["_id"]), "title": title, "text": text}) + "\n")
    return QuestionSet("beir", tuple(questions), (out,))
