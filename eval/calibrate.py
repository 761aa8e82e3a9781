"""Calibrate the abstention threshold on data (``python -m eval.calibrate``).

Takes a SQuAD-folder set, copies its index, removes every Nth article from
the copy, and asks (a) a sample of questions whose article is still there and
(b) every question whose article was removed. The threshold is the given
percentile of the answerable questions' relevance, so about that share of
answerable questions are declined; it prints how many unanswerable ones are.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from pathlib import Path

import numpy as np

from eval.formats import load
from qa import Assistant
from qa.compose import ComposeSettings, candidates_for, relevance
from qa.quotes import parse_say_question


def features(assistant: Assistant, question: str) -> tuple[float, float]:
    """(best sentence coverage, best passage cosine) as the answer step sees them."""
    passages = assistant.search(question)
    cfg = ComposeSettings(min_relevance=0.0)
    query = " ".join(question.split())
    cands = candidates_for(query, passages, assistant.store.lexical.idf, parse_say_question(query), cfg)
    rel = relevance(cands, passages, cfg)
    return rel.coverage, rel.dense or 0.0


def calibrate(
    articles: Path, questions: Path, index: Path, every: int, sample: int, percentile: float
) -> dict[str, float]:
    qset = load(questions, articles, "squad-folder")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "index"
        with Assistant.open(index) as built:
            built.add(list(qset.articles))
        shutil.copytree(index, copy)
        with Assistant.open(copy) as a:
            gone = {Path(x["origin"]).name for x in sorted(a.articles(), key=lambda x: x["title"])[::every]}
            for x in a.articles():
                if Path(x["origin"]).name in gone:
                    a.remove(x["id"])
            kept = [q for q in qset.questions if q.gold[0].article not in gone]
            held = [q for q in qset.questions if q.gold[0].article in gone]
            random.seed(0)
            kept = random.sample(kept, min(sample, len(kept)))
            ans = np.array([features(a, q.question) for q in kept])
            una = np.array([features(a, q.question) for q in held])
    mean_a, mean_u = ans.mean(axis=1), una.mean(axis=1)
    tau = float(np.percentile(mean_a, percentile))
    tau_cov = float(np.percentile(ans[:, 0], percentile))
    return {
        "answerable": len(ans),
        "unanswerable": len(una),
        "min_relevance": round(tau, 3),
        "declined_answerable": float(np.mean(mean_a < tau)),
        "declined_unanswerable": float(np.mean(mean_u < tau)),
        "min_coverage": round(tau_cov, 3),
        "declined_answerable_coverage_only": float(np.mean(ans[:, 0] < tau_cov)),
        "declined_unanswerable_coverage_only": float(np.mean(una[:, 0] < tau_cov)),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--articles", type=Path, default=Path("../shared/data/squad-dev-half"))
    p.add_argument("--questions", type=Path, default=Path("../shared/data/squad-dev-half/questions.jsonl"))
    p.add_argument("--index", type=Path, required=True, help="index of the articles (built if missing)")
    p.add_argument("--every", type=int, default=6, help="remove every Nth article (default 6)")
    p.add_argument("--sample", type=int, default=1200, help="answerable questions to sample (default 1200)")
    p.add_argument("--percentile", type=float, default=4.0, help="share of answerable to decline, in %%")
    args = p.parse_args()
    result = calibrate(args.articles, args.questions, args.index, args.every, args.sample, args.percentile)
    for key, value in result.items():
        print(f"{key:>36}: {value:.3f}" if isinstance(value, float) else f"{key:>36}: {value}")


if __name__ == "__main__":
    main()
