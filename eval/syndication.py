"""How well syndicated copies are found: ``python -m eval.syndication``.

The set is built here, reproducibly (a fixed seed): the demo corpus
(``eval/demo/articles``), five edited copies of each story as other outlets
would run it (sentences reordered, a new headline, a paragraph added or cut, a
figure changed, their own header and footer), the stories again under one
outlet's long shared header and footer (different stories that share
boilerplate), and a run of daily "markets wrap" reports written from one
template with different figures and movers (different stories that share a
template). Precision and recall are counted over pairs of articles: a pair is
right when both are the same story, and found when the detector groups them.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from eval.corpus import DEMO_ARTICLES
from index.text import syndication
from index.text.sentences import sentence_spans


@dataclass(frozen=True)
class Item:
    """One article of the set, with the story it tells (the gold label)."""

    id: str
    title: str
    text: str
    date: str | None
    source: str
    story: str
    kind: str  # original, an edit name, shared-boilerplate or markets-wrap


_OUTLETS = (
    ("Coastal Wire", "{place} (Coastal Wire) - ", "Reporting by Mara Lind; editing by Tom Ashe."),
    (
        "Valley Courier",
        "",
        "Copyright 2025 Valley Courier. All rights reserved. This story was provided by a news agency "
        "and edited by Courier staff.",
    ),
    ("Northern Ledger", "From our news partners. ", "Follow the Northern Ledger for more regional news."),
    ("Metro Daily", "METRO DAILY - ", "Metro Daily subscribers get every story first. Sign in to comment."),
    ("The Dispatch", "", "Have a news tip? Email the Dispatch newsroom at tips@dispatch.example."),
)
_CONTEXT = (
    "The announcement comes after months of public debate, and local officials said more details "
    "would follow in the coming weeks.",
    "Critics said the plan left several questions unanswered, including who would pay for its "
    "upkeep over the next decade.",
    "Earlier this year a regional survey found that most residents supported the idea in principle, "
    "though many wanted more consultation.",
)
SHARED_HEADER = (
    "THE HARBOUR GAZETTE | Independent local journalism since 1887 | Today's paper | Weather | Puzzles"
)
SHARED_FOOTER = (
    "The Harbour Gazette is an independent newspaper owned by its readers. We rely on subscriptions to "
    "keep our newsroom running and our reporting free of influence. If you value local journalism, "
    "please consider becoming a member today. Members receive the morning newsletter, the weekend "
    "edition in print and access to our full archive going back to 1887. Corrections: if you see an "
    "error in this story, write to corrections@gazette.example and an editor will review it within two "
    "working days. Copyright 2025 The Harbour Gazette. All rights reserved. No part of this article may "
    "be reproduced without written permission."
)


def demo_stories() -> list[Item]:
    """The demo corpus as items (each its own story)."""
    from index.sources.readers import read_file

    items = []
    for path in sorted(DEMO_ARTICLES.glob("*.md")):
        (art,), _ = read_file(path)
        items.append(Item(art.id, art.title, art.text, art.date, art.source or "", path.stem, "original"))
    return items


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def reorder(text: str, rng: random.Random) -> str:
    """Swap neighbouring sentences in some paragraphs, and two middle paragraphs."""
    paras = []
    for p in _paragraphs(text):
        sents = [p[a:b] for a, b in sentence_spans(p)]
        if len(sents) > 1 and rng.random() < 0.6:
            i = rng.randrange(len(sents) - 1)
            sents[i], sents[i + 1] = sents[i + 1], sents[i]
        paras.append(" ".join(sents))
    if len(paras) > 3:
        i = rng.randrange(1, len(paras) - 2)
        paras[i], paras[i + 1] = paras[i + 1], paras[i]
    return "\n\n".join(paras)


def add_paragraph(text: str, rng: random.Random) -> str:
    paras = _paragraphs(text)
    paras.insert(rng.randrange(1, len(paras) + 1), rng.choice(_CONTEXT))
    return "\n\n".join(paras)


def cut_paragraph(text: str, rng: random.Random) -> str:
    paras = _paragraphs(text)
    del paras[rng.randrange(1, len(paras))]
    return "\n\n".join(paras)


def change_figure(text: str, rng: random.Random) -> str:
    """One or two figures in the text changed (a wire update, a corrected number)."""
    numbers = list(re.finditer(r"\b\d+(?:\.\d+)?\b", text))
    for m in sorted(rng.sample(numbers, min(2, len(numbers))), key=lambda m: -m.start()):
        text = text[: m.start()] + str(int(float(m.group())) + rng.randint(1, 9)) + text[m.end() :]
    return text


def new_headline(title: str, rng: random.Random) -> str:
    words = title.split()
    cut = rng.randint(max(2, len(words) // 2), len(words))
    return rng.choice(("UPDATE: ", "", "Explainer: ", "")) + " ".join(words[:cut]).rstrip(",:;")


def _dress(text: str, outlet: int, place: str) -> str:
    """The text with an outlet's own header (a dateline) and footer."""
    _, head, foot = _OUTLETS[outlet]
    return head.format(place=place.upper()) + text + "\n\n" + foot


_EDITS = (
    ("wire-copy", lambda t, r: change_figure(t, r)),
    ("reordered", reorder),
    ("trimmed", cut_paragraph),
    ("expanded", lambda t, r: change_figure(add_paragraph(t, r), r)),
    ("heavy", lambda t, r: change_figure(add_paragraph(cut_paragraph(reorder(t, r), r), r), r)),
)


def edited_copies(story: Item, rng: random.Random) -> list[Item]:
    """Five copies of one story, each as another outlet ran it."""
    place = story.title.split()[0]
    out = []
    for n, (kind, edit) in enumerate(_EDITS):
        title = new_headline(story.title, rng) if n % 2 else story.title
        later = timedelta(days=rng.randint(0, 2))
        day = (date.fromisoformat(story.date) + later).isoformat() if story.date else None
        text = _dress(edit(story.text, rng), n, place)
        out.append(Item(f"{story.story}--{kind}", title, text, day, _OUTLETS[n][0], story.story, kind))
    return out


def shared_boilerplate(story: Item) -> Item:
    """The story under the Gazette's long header and footer: the same story, and
    different stories that share these words."""
    text = f"{SHARED_HEADER}\n\n{story.text}\n\n{SHARED_FOOTER}"
    return Item(f"{story.story}--gazette", story.title, text, story.date, "Harbour Gazette", story.story,
                "shared-boilerplate")  # fmt: skip


_MOVERS = (
    ("Orrin Energy", "after it raised its full-year forecast"),
    ("Calder Pharma", "after regulators approved its new asthma drug"),
    ("Brightwell Retail", "after holiday sales beat expectations"),
    ("Tessel Motors", "after it recalled 40,000 vehicles"),
    ("Quay Logistics", "after a rival made a takeover offer"),
    ("Halden Bank", "after it set aside more money for bad loans"),
    ("Norra Mining", "as copper prices climbed to a two-year high"),
    ("Vireo Software", "after its chief executive stepped down"),
    ("Lumen Foods", "after it cut prices across its main brands"),
    ("Sable Airlines", "as fuel costs eased for a third week"),
)
_DRIVERS = (
    "investors weighed fresh inflation data",
    "traders bet on an interest rate cut next month",
    "oil prices swung on supply worries",
    "a run of company earnings came in mixed",
    "bond yields rose to their highest level since March",
    "the central bank's minutes pointed to a long pause",
)


def markets_wrap(day: date, rng: random.Random) -> Item:
    """A daily markets report from the one template: its own figures, movers and drivers."""
    up = rng.random() < 0.5
    verb, noun = ("rose", "gains") if up else ("fell", "losses")
    (m1, why1), (m2, why2) = rng.sample(_MOVERS, 2)
    pct = lambda: f"{rng.uniform(0.1, 2.5):.1f}"  # noqa: E731
    level = lambda lo, hi: f"{rng.uniform(lo, hi):,.2f}"  # noqa: E731
    weekday = day.strftime("%A")
    text = (
        f"Stocks {verb} on {weekday} as {rng.choice(_DRIVERS)}, while {rng.choice(_DRIVERS)}.\n\n"
        f"The benchmark index {verb} {pct()}% to {level(5000, 5600)}, the industrial average moved "
        f"{rng.randint(40, 600)} points, or {pct()}%, to {level(37000, 40000)}, and the technology index "
        f"ended {pct()}% {'higher' if up else 'lower'} at {level(15000, 17500)}.\n\n"
        f"Shares of {m1} jumped {rng.randint(3, 18)}% {why1}. {m2} slid {rng.randint(2, 12)}% {why2}.\n\n"
        f"The ten-year yield stood at {rng.uniform(3.8, 4.9):.2f}%, and oil settled at "
        f"{rng.uniform(68, 92):.2f} dollars a barrel. Gold traded at {level(1900, 2400)} dollars "
        "an ounce.\n\n"
        f"Trading volume was {rng.uniform(9, 14):.1f} billion shares, "
        f"{'above' if rng.random() < 0.5 else 'below'} the 20-day average. Markets Wrap is published every "
        f"trading day after the close; figures are provisional."
    )
    title = f"Markets wrap: stocks {verb} for {weekday} as {noun} {'spread' if up else 'deepen'}"
    return Item(f"wrap-{day.isoformat()}", title, text, day.isoformat(), "Markets Desk", f"wrap-{day}",
                "markets-wrap")  # fmt: skip


def build_set(seed: int = 16) -> list[Item]:
    """The whole evaluation set (about 80 articles), the same for the same seed."""
    rng = random.Random(seed)
    stories = demo_stories()
    items = list(stories)
    for story in stories:
        items += edited_copies(story, rng)
        items.append(shared_boilerplate(story))
    start = date(2025, 6, 2)
    days = [start + timedelta(days=d) for d in range(14)]
    items += [markets_wrap(day, rng) for day in days if day.weekday() < 5]
    return items


def measure(items: Sequence[Item]) -> dict[str, Any]:
    """Pairwise precision and recall of the detector on ``items``, with the errors."""
    sigs = {it.id: syndication.signature(it.text) for it in items if syndication.long_enough(it.text)}
    found = syndication.pairs(syndication.group(sigs))
    by_id = {it.id: it for it in items}
    ids = sorted(by_id)
    gold = {(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :] if by_id[a].story == by_id[b].story}
    hits = found & gold
    sims = {p: syndication.similarity(sigs[p[0]], sigs[p[1]]) for p in gold}
    negatives = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :] if (a, b) not in gold]
    neg_sims = sorted((syndication.similarity(sigs[a], sigs[b]), a, b) for a, b in negatives)
    by_kind: dict[str, list[int]] = {}
    for it in items:
        if it.kind in ("original", "markets-wrap"):
            continue
        original = next(o.id for o in items if o.story == it.story and o.kind == "original")
        pair = tuple(sorted((it.id, original)))
        by_kind.setdefault(it.kind, []).append(int(pair in found))
    return {
        "articles": len(items),
        "stories": len({it.story for it in items}),
        "pairs_same_story": len(gold),
        "pairs_different_story": len(negatives),
        "pairs_grouped": len(found),
        "precision": round(len(hits) / len(found), 4) if found else 1.0,
        "recall": round(len(hits) / len(gold), 4) if gold else 1.0,
        "recall_of_direct_pairs": round(sum(v >= syndication.THRESHOLD for v in sims.values()) / len(sims), 4)
        if sims
        else 1.0,  # without the transitive step: pairs whose own similarity is over the threshold
        "copy_grouped_with_original": {k: f"{sum(v)}/{len(v)}" for k, v in by_kind.items()},
        "lowest_same_story_similarity": round(min(sims.values()), 3) if sims else None,
        "highest_different_story_similarity": round(neg_sims[-1][0], 3) if neg_sims else None,
        "highest_different_story_pair": list(neg_sims[-1][1:]) if neg_sims else None,
        "wrongly_grouped": sorted(f"{a} + {b}" for a, b in found - gold)[:20],
        "missed": sorted(f"{a} + {b}" for a, b in gold - found)[:20],
        "threshold": syndication.THRESHOLD,
        "num_perm": syndication.NUM_PERM,
        "bands": syndication.BANDS,
        "shingle_words": syndication.SHINGLE,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.syndication", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=16, help="seed of the edits and the markets wraps")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = measure(build_set(args.seed))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    r = result
    print(f"{r['articles']} articles, {r['stories']} stories; {r['pairs_same_story']} same-story pairs, "
          f"{r['pairs_different_story']} different-story pairs")  # fmt: skip
    print(f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  (pairs, threshold "
          f"{result['threshold']}, {result['num_perm']} permutations, {result['bands']} bands, "
          f"{result['shingle_words']}-word shingles)")  # fmt: skip
    print(
        f"same-story pairs over the threshold on their own (before grouping): "
        f"{r['recall_of_direct_pairs']:.3f}"
    )
    print("copy grouped with its original: " + ", ".join(
        f"{k} {v}" for k, v in result["copy_grouped_with_original"].items()))  # fmt: skip
    worst = " + ".join(r["highest_different_story_pair"] or [])
    print(f"lowest same-story similarity {r['lowest_same_story_similarity']}, highest different-story "
          f"similarity {r['highest_different_story_similarity']} ({worst})")  # fmt: skip
    for label in ("wrongly_grouped", "missed"):
        if result[label]:
            print(f"{label.replace('_', ' ')}: " + "; ".join(result[label]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
