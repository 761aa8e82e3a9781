"""Fit answering to data and save it per model and precision (``python -m eval.calibrate``).

Writes ``qa/calibration/<model>-<precision>.json`` (see :mod:`qa.calibration`): the
best-sentence step's weights, the sentence model, the confidence model and its
thresholds, which sets tuned them and what they give on sets that tuned nothing.

**Tuning sets** (everything is fitted on these alone):

* SQuAD: the shared dev half split by article into A (even positions in title order)
  and B (odd); every third article of each is left out of the index, so its questions
  have no answer there. Tuning uses A: a sample of its original questions, whose
  article is in the index or not, and the own-words questions of ``eval/paraphrase/squad.jsonl``
  about A's articles (and its first half of on-topic questions no article answers).
* The demo corpus with ``eval/paraphrase/demo.jsonl`` (answerable, follow-ups, on-topic
  and off-topic questions the articles do not answer) and ``eval/paraphrase/say.jsonl``
  ("What did X say about Y?": quoted on Y, quoted on other things only, never quoted).
* Small collections: each demo article and each SQuAD A article indexed alone, asked
  its own own-words questions and those of the other articles (unanswerable there).

**Report sets** (tuned nothing): SQuAD B the same way, the second half of the SQuAD
on-topic questions, the seed article indexed alone with ``eval/paraphrase/seed.jsonl``,
and the demo corpus with its original question set.

Steps: (1) the best-sentence step's two weights and depth, by hit@1 on the tuning
questions over a grid, and (2) the sentence model, a softmax over each question's
candidate sentences (:func:`eval.fit.fit_choice`), both with each question set
weighing the same whatever its size (SQuAD's 1,200 questions copy their sentence's
words; readers' do not); (3) the confidence model, a logistic regression from the
best sentence's evidence to "the answer holds a gold answer" (unanswerable: never),
every question counting once, so that it is calibrated on the pool; (4) the
thresholds: a tentative answer from the confidence that declines at most 2.5% of the
answerable questions of any tuning set, a confident one from the larger of 0.5 and
the confidence below which 90% of the tuning questions about an article the index
does not hold fall (:data:`ABSENT`).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from eval.calibration_sets import ROOT, Case, Env, environments
from eval.fit import expected_calibration_error, fit_choice, fit_logistic, reliability
from eval.gold import Resolver
from eval.metrics import answer_contains, percentile
from index.embed import DEFAULT_MODEL_NAME
from qa import Assistant
from qa.asking import compose_from
from qa.assistant import term_weights
from qa.calibration import Calibration, ConfidenceModel, file_for
from qa.calibration import load as load_calibration
from qa.compose import Composed, compose
from qa.evidence import FEATURES, Evidence, SentenceModel
from qa.quotes import parse_say_question
from qa.rewrite import rewrite
from qa.sentences import best, coverage, sentences, similarities

log = logging.getLogger(__name__)

HEAD = 10  # fused candidates kept to try the best-sentence step on
GRID_COVERAGE = (0.0, 1.0, 2.0, 3.0)
GRID_SIMILARITY = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 14.0)
GRID_DEPTH = (5, 10)
MAX_DECLINED = 0.025
L2 = 1e-3  # per question: light enough that a feature of a few questions (a say-question's quote) counts
UNANSWERABLE_BELOW = 0.9
# Question sets whose unanswerable questions are about an article the index does not hold:
# 90% of them must be at most tentative. (On-topic questions the indexed article does not
# answer are in the fit and in the report, but this model cannot tell most of them apart.)
ABSENT = ("squad-removed", "one-article")


@dataclass
class Seen:
    """A case as the assistant saw it."""

    case: Case
    gold_ids: set[str]
    head: list[tuple[float, float, float, bool]]  # fused z, best coverage, best similarity, hit
    evidence: Evidence | None = None


# -- asking -----------------------------------------------------------------------
def observe(
    env: Env, precision: str | None, calibration: Calibration | None, model: str | None = None
) -> list[Seen]:
    """Ask every case of ``env`` (its index built if missing): the fused head for the
    best-sentence grid and, with ``calibration``, the evidence an answer is made from."""
    from index.embed import load_embedder

    env.index.parent.mkdir(parents=True, exist_ok=True)
    with Assistant.open(env.index, embedder=load_embedder(model, precision)) as assistant:
        assistant.add(list(env.articles))
        resolver = Resolver(assistant)
        out = []
        for case in env.cases:
            gold = {i for g in case.gold if (i := resolver.article_id(g))} if not case.unanswerable else set()
            seen = Seen(case, gold, _head(assistant, case, gold))
            if calibration is not None:
                seen.evidence = assistant.evidence(
                    case.question, history=list(case.history), calibration=calibration
                )
            out.append(seen)
    return out


def _head(assistant: Assistant, case: Case, gold: set[str]) -> list[tuple[float, float, float, bool]]:
    query = rewrite(case.question, list(case.history))
    passages = assistant.search(query, k=min(HEAD, assistant.counts().chunks), mode="fusion")
    snap = assistant.snapshot()
    weight = term_weights(snap)
    terms = {t: weight(t) for t in _terms(query)}
    qvec = assistant.embedder.encode([query])[0]
    vectors = assistant.sentence_vectors(snap, {p.chunk_id: p for p in passages})
    out = []
    for p in passages:
        cov = max((coverage(terms, s.terms, s.prefixes) for s in sentences(p.text)), default=0.0)
        sim = best(similarities(vectors.get(p.chunk_id), p.text, qvec))
        hit = p.article_id in gold and answer_contains(p.text, case.answers)
        out.append((p.score, cov, sim, hit))
    return out


def _terms(query: str) -> list[str]:
    from index.text.terms import tokenize

    return tokenize(query)


# -- fitting ----------------------------------------------------------------------
def group_weights(seen: Sequence[Seen]) -> list[float]:
    """Weights that make each question set count the same, whatever its size."""
    sizes: dict[str, int] = {}
    for s in seen:
        sizes[s.case.group] = sizes.get(s.case.group, 0) + 1
    return [1.0 / sizes[s.case.group] for s in seen]


def fit_rerank(seen: Sequence[Seen]) -> tuple[dict[str, float], float]:
    """The grid point with the best hit@1 over answerable cases with a hit in the head,
    each question set weighing the same."""
    usable = [s for s in seen if not s.case.unanswerable and any(h[3] for h in s.head)]
    weights = group_weights(usable)
    best_point, best_hit = (2.0, 0.0, 5), -1.0
    for cw in GRID_COVERAGE:
        for sw in GRID_SIMILARITY:
            for depth in GRID_DEPTH:
                hits = 0.0
                for s, weight in zip(usable, weights, strict=True):
                    top = s.head[:depth]
                    scores = [z + cw * cov + sw * max(0.0, sim) for z, cov, sim, _ in top]
                    hits += weight * top[int(np.argmax(scores))][3]
                rate = hits / sum(weights)
                if rate > best_hit + 1e-9:
                    best_point, best_hit = (cw, sw, depth), rate
    return {"coverage": best_point[0], "similarity": best_point[1], "depth": best_point[2]}, best_hit


def hit_at_1(seen: Sequence[Seen], point: dict[str, float]) -> dict[str, float]:
    """hit@1 per role and set with the best-sentence step at ``point``."""
    out: dict[str, list[bool]] = {}
    for s in seen:
        if s.case.unanswerable or not any(h[3] for h in s.head):
            continue
        top = s.head[: int(point["depth"])]
        scores = [z + point["coverage"] * cov + point["similarity"] * max(0.0, sim) for z, cov, sim, _ in top]
        out.setdefault(f"{s.case.role}:{s.case.group}", []).append(top[int(np.argmax(scores))][3])
    return {k: sum(v) / len(v) for k, v in sorted(out.items())}


def right_sentences(s: Seen) -> np.ndarray:
    assert s.evidence is not None
    return np.asarray([
        c.passage.article_id in s.gold_ids and answer_contains(c.sentence, s.case.answers)
        for c in s.evidence.candidates
    ])  # fmt: skip


def fit_sentence(seen: Sequence[Seen], start: Sequence[float]) -> np.ndarray:
    """The sentence model: a softmax over each answerable question's candidates, each
    question set weighing the same (SQuAD's questions copy their sentence's words;
    readers' do not, and there are fewer of them)."""
    usable = []
    for s in seen:
        if s.case.unanswerable or s.evidence is None or not s.evidence.candidates:
            continue
        right = right_sentences(s)
        if right.any():
            usable.append((s, np.asarray([c.features for c in s.evidence.candidates]), right))
    weights = group_weights([s for s, _, _ in usable])
    return fit_choice([(x, r) for _, x, r in usable], start=np.asarray(start, float), weights=weights)


def composed(assistant_free: Calibration, s: Seen, names: bool = False) -> Composed:
    """The answer from ``s``'s evidence; ``names``: as users get it, with what :mod:`qa.names`
    does (:func:`qa.asking.compose_from`): the report, not the fit (which fits the model's
    own view of the evidence)."""
    assert s.evidence is not None
    ev = s.evidence
    if names and ev.snapshot is not None:
        return compose_from(ev, assistant_free, ev.snapshot)
    return compose(ev.query, ev.candidates, assistant_free, ev.weight, parse_say_question(ev.query),
                   ev.answer_passages)  # fmt: skip


def answer_text(c: Composed) -> str:
    return " ".join(x.sentence for x in c.picked)


def is_right(s: Seen, c: Composed) -> bool:
    return not s.case.unanswerable and bool(c.picked) and answer_contains(answer_text(c), s.case.answers)


def calibrate(
    data: Path,
    work: Path,
    precision: str | None,
    sample: int,
    model: str | None = None,
    only: set[str] | None = None,
) -> Calibration:
    """Fit and report (see the module doc). ``model``: another model folder (or
    ``hash:DIM`` in tests); ``only``: the names of the indexes to use (all by default)."""
    started = time.monotonic()
    envs = [e for e in environments(data, work, sample) if only is None or e.name in only]
    base = load_calibration("default", None)
    model_name = model or DEFAULT_MODEL_NAME
    say(f"{sum(len(e.cases) for e in envs)} questions in {len(envs)} indexes; asking them for the grid")
    first = [s for e in envs for s in observe(e, precision, None, model)]
    rerank, hit1 = fit_rerank([s for s in first if s.case.role == "tune"])
    say(f"best-sentence step {rerank}: tuning hit@1 {hit1:.3f} (each set weighing the same)")
    for point in (rerank, {"coverage": base.rerank_coverage, "similarity": 0.0, "depth": 5}):
        say(f"  hit@1 at {point}: " + ", ".join(f"{k} {v:.3f}" for k, v in hit_at_1(first, point).items()))
    step = replace(base, rerank_coverage=rerank["coverage"], rerank_similarity=rerank["similarity"],
                   rerank_depth=int(rerank["depth"]))  # fmt: skip
    seen = [s for e in envs for s in observe(e, precision, step, model)]
    tune = [s for s in seen if s.case.role == "tune"]
    weights = fit_sentence(tune, base.sentence.weights)
    say("sentence model: " + ", ".join(f"{f} {w:.2f}" for f, w in zip(FEATURES, weights, strict=True)))
    permissive = replace(
        step, sentence=SentenceModel(tuple(float(w) for w in weights)), answer_at=0.0, tentative_at=0.0,
        confidence=ConfidenceModel((0.0,) * len(base.confidence.weights), 0.0),
    )  # fmt: skip
    rows = [(s, composed(permissive, s)) for s in tune]
    rows = [(s, c) for s, c in rows if c.evidence]  # an early decline (nothing retrieved) has no evidence
    x = np.asarray([c.evidence for _, c in rows])
    y = np.asarray([is_right(s, c) for s, c in rows])
    w, b = fit_logistic(x, y, l2=L2)  # every question counts once: calibrated on the pool as a whole
    confidence = ConfidenceModel(tuple(float(v) for v in w), b)
    conf = {id(s): confidence.probability(c.evidence) for s, c in rows}
    groups = sorted({s.case.group for s, _ in rows if not s.case.unanswerable})
    lowest = {
        g: float(percentile([conf[id(s)] for s, _ in rows if s.case.group == g and not s.case.unanswerable],
                            100 * MAX_DECLINED))
        for g in groups
    }  # fmt: skip
    tentative_at = min(lowest.values())  # each set of answerable questions: at most 2.5% declined
    kinds = sorted({s.case.group for s, _ in rows if s.case.unanswerable and s.case.group in ABSENT})
    highest = {
        g: float(percentile([conf[id(s)] for s, _ in rows if s.case.group == g and s.case.unanswerable],
                            100 * UNANSWERABLE_BELOW))
        for g in kinds
    }  # fmt: skip
    answer_at = max(0.5, *highest.values())  # each set of unanswerable questions: 90% at most tentative
    say(f"confidence: tentative from {tentative_at:.3f} ({_rounded(lowest)}), an answer from {answer_at:.3f} "
        f"({_rounded(highest)})")  # fmt: skip
    final = replace(permissive, confidence=confidence, tentative_at=round(tentative_at, 4),
                    answer_at=round(answer_at, 4), model=model_name, precision=precision)  # fmt: skip
    report = {group: summary for group, summary in _report(seen, final).items()}
    info = {
        "about": "Fitted by python -m eval.calibrate; see its module doc for the sets and steps.",
        "tuned_on": sorted({s.case.group for s in tune}),
        "questions": {"tune": len(tune), "report": len(seen) - len(tune)},
        "tuning": {"rerank_hit_at_1": round(hit1, 4)},
        "report": report,
        "seconds": round(time.monotonic() - started, 1),
    }
    return replace(final, info=info)


def _report(seen: Sequence[Seen], cal: Calibration) -> dict[str, dict[str, Any]]:
    """Per role and group: right, declined, tentative; and the reliability of confidence."""
    out: dict[str, dict[str, Any]] = {}
    by: dict[str, list[tuple[Seen, Composed]]] = {}
    for s in seen:
        by.setdefault(f"{s.case.role}:{s.case.group}", []).append((s, composed(cal, s, names=True)))
    for s in seen:
        if s.case.unanswerable and s.case.kind in ("on-topic", "off-topic"):
            by.setdefault(f"{s.case.role}:{s.case.group}:{s.case.kind}", []).append(
                (s, composed(cal, s, names=True))
            )
    for key, rows in sorted(by.items()):
        ans = [(s, c) for s, c in rows if not s.case.unanswerable]
        una = [(s, c) for s, c in rows if s.case.unanswerable]
        out[key] = {
            "answerable": len(ans),
            "unanswerable": len(una),
            "right": _rate([is_right(s, c) for s, c in ans]),
            "declined_answerable": _rate([c.status == "declined" for _, c in ans]),
            "tentative_answerable": _rate([c.status == "tentative" for _, c in ans]),
            "declined_unanswerable": _rate([c.status == "declined" for _, c in una]),
            "declined_or_tentative_unanswerable": _rate([c.status != "answer" for _, c in una]),
        }
    for role in ("tune", "report"):
        rows = [(s, composed(cal, s, names=True)) for s in seen if s.case.role == role]
        p = [c.confidence for _, c in rows]
        r = [is_right(s, c) for s, c in rows]
        out[f"{role}:reliability"] = {
            "ece": round(expected_calibration_error(p, r), 4),
            "bins": [
                b.__dict__ | {"predicted": round(b.predicted, 3), "observed": round(b.observed, 3)}
                for b in reliability(p, r)
            ],
        }
    return out


def _rounded(d: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.3f}" for k, v in d.items())


def _rate(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def say(message: str) -> None:
    print(f"calibrate: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m eval.calibrate",
        description=__doc__.split("\n\n")[0],
        epilog="example:\n  python -m eval.calibrate --precision int8"
        "   # writes qa/calibration/all-MiniLM-L6-v2-int8.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--data", type=Path, default=ROOT.parent / "shared" / "data", help="the shared data folder"
    )
    p.add_argument(
        "--work", type=Path, default=ROOT / ".qa" / "calibrate", help="indexes (built once, reused)"
    )
    p.add_argument(
        "--precision", default="int8", choices=("int8", "fp32", "bf16"), help="the query precision"
    )
    p.add_argument(
        "--sample", type=int, default=1200, help="SQuAD questions per split whose article is indexed"
    )
    p.add_argument(
        "--out", type=Path, help="where to write (default: qa/calibration/<model>-<precision>.json)"
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="calibrate: %(message)s")
    cal = calibrate(args.data, args.work, args.precision, args.sample)
    out = args.out or file_for(cal.model, cal.precision)
    out.write_text(json.dumps(cal.to_dict(), indent=1) + "\n", encoding="utf-8")
    say(f"wrote {out}")
    for key, value in cal.info["report"].items():
        if "reliability" not in key:
            print(f"{key:<34} " + "  ".join(f"{k} {v}" for k, v in value.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
