"""The question sets the calibration asks, and the indexes it asks them of
(:func:`environments`; which are tuning and which report sets: :mod:`eval.calibrate`)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.formats import Question, load

ROOT = Path(__file__).resolve().parent.parent
PARAPHRASE = ROOT / "eval" / "paraphrase"
DEMO = ROOT / "eval" / "demo"


@dataclass(frozen=True)
class Case:
    """One question asked of one index."""

    group: str  # e.g. "squad-original", "seed-paraphrase"
    role: str  # "tune" or "report"
    question: str
    history: tuple[str, ...]
    answers: tuple[str, ...]
    gold: tuple[str, ...]  # article references (titles, ids or file names); () when unanswerable
    unanswerable: bool
    kind: str = ""  # paraphrase, on-topic, off-topic, squad, follow-up


@dataclass(frozen=True)
class Env:
    name: str
    index: Path
    articles: tuple[Path, ...]
    cases: tuple[Case, ...]


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _case(rec: dict[str, Any], group: str, role: str, unanswerable: bool | None = None) -> Case:
    none = bool(rec.get("unanswerable")) if unanswerable is None else unanswerable
    return Case(
        group, role, rec["question"], tuple(rec.get("history") or ()), tuple(rec.get("answers") or ()),
        tuple(rec.get("relevant") or ()), none, rec.get("kind", ""),
    )  # fmt: skip


def _from_question(q: Question, group: str, role: str, unanswerable: bool) -> Case:
    gold = tuple(g.article for g in q.gold)
    return Case(group, role, q.question, q.history, q.answers, gold, unanswerable, "squad")


def environments(data: Path, work: Path, sample: int, seed: int = 0) -> list[Env]:
    """Every index the calibration asks, with its questions (see the module doc)."""
    rng = random.Random(seed)
    squad = data / "squad-dev-half"
    files = sorted((squad / "articles").glob("*.txt"))
    split = {f.name: ("tune" if i % 2 == 0 else "report") for i, f in enumerate(files)}
    left_out = {f.name for i, f in enumerate(files) if i // 2 % 3 == 0}  # every third of A and of B
    kept = tuple(f for f in files if f.name not in left_out)
    title_file = {f.read_text(encoding="utf-8").split("\n", 1)[0].strip(): f.name for f in files}

    squad_cases: list[Case] = []
    questions = load(squad / "questions.jsonl", squad, "squad-folder").questions
    for role in ("tune", "report"):
        mine = [q for q in questions if split[q.gold[0].article] == role]
        present = [q for q in mine if q.gold[0].article not in left_out]
        absent = [q for q in mine if q.gold[0].article in left_out]
        squad_cases += [_from_question(q, "squad-original", role, False) for q in rng.sample(present, sample)]
        squad_cases += [
            _from_question(q, "squad-removed", role, True)
            for q in rng.sample(absent, min(len(absent), sample // 3))
        ]
    paraphrase = _jsonl(PARAPHRASE / "squad.jsonl")
    topical = [r for r in paraphrase if r.get("unanswerable")]
    for r in paraphrase:
        if r.get("unanswerable"):
            role = "tune" if topical.index(r) % 2 == 0 else "report"
            squad_cases.append(_case(r, "squad-on-topic", role))
            continue
        name = title_file[r["relevant"][0]]
        squad_cases.append(_case(r, "squad-paraphrase", split[name], name in left_out))
    envs = [Env("squad", work / "squad", kept, tuple(squad_cases))]

    demo = _jsonl(PARAPHRASE / "demo.jsonl")
    says = _jsonl(PARAPHRASE / "say.jsonl")
    demo_cases = [_case(r, "demo-paraphrase", "tune") for r in demo] + [
        _case(r, "demo-say", "tune") for r in says
    ]
    envs.append(Env("demo", work / "demo", (DEMO / "articles",), tuple(demo_cases)))
    original = _jsonl(DEMO / "questions.jsonl")
    envs.append(Env("demo-original", work / "demo", (DEMO / "articles",),
                    tuple(_case(r, "demo-original", "report") for r in original)))  # fmt: skip

    # Small collections: one article alone, asked its own questions and the others'.
    answerable = [r for r in demo if not r.get("unanswerable")]
    unanswered = [r for r in demo if r.get("unanswerable")]
    for path in sorted((DEMO / "articles").glob("*.md")):
        title = _md_title(path)
        own = [_case(r, "one-article", "tune") for r in answerable if title in r["relevant"]]
        own += [_case(r, "one-article", "tune") for r in says if title in (r.get("relevant") or ())]
        other = [_case(r, "one-article", "tune", True) for r in answerable if title not in r["relevant"]]
        none = [_case(r, "one-article", "tune") for r in unanswered]
        cases = own + rng.sample(other, min(len(other), 12)) + rng.sample(none, min(len(none), 6))
        envs.append(Env(f"alone-{path.stem}", work / "alone" / path.stem, (path,), tuple(cases)))
    squad_para = [r for r in paraphrase if not r.get("unanswerable")]
    for f in files:
        if split[f.name] != "tune":
            continue
        title = f.read_text(encoding="utf-8").split("\n", 1)[0].strip()
        own = [_case(r, "one-article", "tune") for r in squad_para if r["relevant"][0] == title]
        other = [_case(r, "one-article", "tune", True) for r in squad_para if r["relevant"][0] != title]
        envs.append(Env(f"alone-{f.stem}", work / "alone" / f.stem, (f,), tuple(own + rng.sample(other, 8))))
    seed = _jsonl(PARAPHRASE / "seed.jsonl")
    envs.append(Env("seed", work / "alone" / "seed", (data / "seed",),
                    tuple(_case(r, "seed-paraphrase", "report") for r in seed)))  # fmt: skip
    return envs


def _md_title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("title:"):
            return line.split(":", 1)[1].strip().strip('"')
    raise ValueError(f"{path}: no title in its front matter")
