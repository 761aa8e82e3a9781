"""How much a question copies the wording of the sentence that answers it
(``python -m eval.wording QUESTIONS --articles PATH``).

A question set whose questions reuse their answer sentence's words measures
keyword matching, not understanding: SQuAD questions share 62% of their content
terms with the sentence holding the answer (mean over 500 of the shared half).
*Overlap* here is the share of a question's BM25 terms (lower case, stop words
out, stemmed) found in the first sentence of its article that holds one of its
answer strings. The own-words sets under ``eval/paraphrase`` are checked with it
(``tests/endtoend/test_paraphrase.py``); it also reports answers that are not found in
their article, which would make a question unscorable."""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.formats import Question, load
from index.sources.readers import iter_articles
from index.text.sentences import sentence_spans
from index.text.terms import tokenize


@dataclass(frozen=True)
class Wording:
    """One answerable question against its article."""

    id: str
    question: str
    article: str | None  # the title it was found in; None when no gold article is indexed here
    sentence: str | None  # the first sentence holding an answer; None when no answer is in the text
    overlap: float | None


def answer_sentence(text: str, answers: Sequence[str]) -> str | None:
    """The first sentence of ``text`` that contains one of ``answers`` (case-insensitive)."""
    low = text.lower()
    for a, b in sentence_spans(text):
        part = low[a:b]
        if any(ans.lower() in part for ans in answers if ans.strip()):
            return text[a:b]
    return None


def overlap(question: str, sentence: str) -> float:
    """Share of the question's BM25 terms that the sentence contains too."""
    q = set(tokenize(question))
    return len(q & set(tokenize(sentence))) / len(q) if q else 0.0


def check(questions: Sequence[Question], texts: dict[str, str]) -> list[Wording]:
    """``texts`` maps article titles (and ids) to their stored text."""
    out = []
    for q in questions:
        if q.unanswerable or not q.answers:
            continue
        found = None
        for g in q.gold:
            text = texts.get(g.article) or texts.get(g.article.lower())
            if text is None:
                continue
            sentence = answer_sentence(text, q.answers)
            if sentence is not None:
                found = (g.article, sentence)
                break
        if found is None:
            title = next((g.article for g in q.gold if g.article in texts), None)
            out.append(Wording(q.id, q.question, title, None, None))
        else:
            out.append(Wording(q.id, q.question, found[0], found[1], overlap(q.question, found[1])))
    return out


def article_texts(paths: Sequence[Path]) -> dict[str, str]:
    """Title (also lower case, id and file name) -> cleaned article text, as ingest stores it."""
    texts: dict[str, str] = {}
    for art in iter_articles(paths):
        if not hasattr(art, "title"):
            continue  # a reader's problem report
        keys = {art.title, art.title.lower(), art.id}
        if art.origin:
            keys |= {Path(art.origin).name, Path(art.origin).stem}
        for key in keys:
            texts.setdefault(key, art.text)
    return texts


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m eval.wording",
        description="How much each question copies the wording of its answer sentence.",
        epilog="example:\n  python -m eval.wording eval/paraphrase/demo.jsonl --articles eval/demo/articles",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("questions", type=Path, help="a qa-jsonl question set")
    p.add_argument("--articles", type=Path, required=True, nargs="+", help="the articles it is about")
    p.add_argument("--above", type=float, default=0.0, help="list only questions with overlap above this")
    args = p.parse_args(argv)
    qset = load(args.questions, args.articles[0], "qa-jsonl")
    rows = check(qset.questions, article_texts(args.articles))
    for r in rows:
        if r.sentence is None:
            print(f"{r.id}: NO ANSWER IN TEXT ({r.article or 'article not found'}): {r.question}")
        elif r.overlap is not None and r.overlap > args.above:
            print(f"{r.id}: {r.overlap:.2f}  {r.question}\n      {r.sentence[:160]}")
    scored = [r.overlap for r in rows if r.overlap is not None]
    missing = sum(r.sentence is None for r in rows)
    if scored:
        print(
            f"{len(scored)} answerable questions: mean overlap {statistics.mean(scored):.2f}, "
            f"median {statistics.median(scored):.2f}, {sum(v > 2 / 3 for v in scored)} above 0.67; "
            f"{missing} with no answer string in their article"
        )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
