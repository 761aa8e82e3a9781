"""The evaluation harness on tiny hand-made sets, with hand-checked numbers."""

import json
import math
import subprocess
import sys
from dataclasses import replace

import pytest

import eval as evaluation
from eval.formats import Gold, Question, detect_format, load
from eval.gold import Judged
from eval.runner import score_question, summarize
from index.errors import InputError
from qa.types import Answer, Citation, Passage
from tests.conftest import ROOT

P1 = "The Broncos beat the Panthers 24 to 10 in the final game. It was played in Santa Clara."
P2 = "The halftime show starred a famous band. Tickets sold out within minutes of release."
P3 = "Oxygen is a chemical element with symbol O. It was discovered in the eighteenth century."


def squad_json(tmp_path):
    data = {
        "data": [
            {
                "title": "Super_Bowl",
                "paragraphs": [
                    {
                        "context": P1,
                        "qas": [
                            {
                                "id": "q1",
                                "question": "Where was the final game played?",
                                "answers": [{"text": "Santa Clara", "answer_start": P1.index("Santa Clara")}],
                            },
                            {
                                "id": "q2",
                                "question": "What was the final score between the Broncos and Panthers?",
                                "answers": [{"text": "24 to 10", "answer_start": P1.index("24 to 10")}],
                            },
                        ],
                    },
                    {
                        "context": P2,
                        "qas": [
                            {
                                "id": "q3",
                                "question": "How fast did the halftime show tickets sell out?",
                                "answers": [
                                    {"text": "within minutes", "answer_start": P2.index("within minutes")}
                                ],
                            }
                        ],
                    },
                ],
            },
            {
                "title": "Oxygen",
                "paragraphs": [
                    {
                        "context": P3,
                        "qas": [
                            {
                                "id": "q4",
                                "question": "What is the chemical symbol of oxygen?",
                                "answers": [{"text": "O", "answer_start": P3.index("O.")}],
                            }
                        ],
                    }
                ],
            },
        ]
    }
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    return path


def test_squad_json_end_to_end_writes_three_files(tmp_path):
    path = squad_json(tmp_path)
    summary = evaluation.run(
        path,
        path,
        tmp_path / "out",
        fmt="squad-json",
        k=3,
        compare=["bm25", "hybrid"],
        model="hash:64",
        progress=False,
    )
    out = tmp_path / "out"
    for name in ("summary.json", "results.jsonl", "report.md", "hit_at_k.png", "latency.png"):
        assert (out / name).is_file(), name
    keys = {
        "questions",
        "hit@1",
        "hit@5",
        "hit@10",
        "mrr@10",
        "ndcg@10",
        "answer_contains",
        "citation_precision",
        "abstain_rate",
        "abstain_correct",
        "latency_ms_p50",
        "latency_ms_p95",
        "index_seconds",
        "config",
    }
    assert keys <= summary.keys()
    assert [b["config"]["mode"] for b in summary["configurations"]] == ["bm25", "hybrid"]
    assert summary["questions"] == 4 and summary["unresolved_gold"] == 0
    # BM25 on these lexical questions finds the gold paragraph first every time.
    assert summary["hit@1"] == 1.0 and summary["mrr@10"] == 1.0
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 8 and {r["config"] for r in rows} == {"bm25", "hybrid"}
    report = (out / "report.md").read_text()
    assert "| hit@1 |" in report and "![hit_at_k.png](hit_at_k.png)" in report


def test_gold_spans_are_checked_on_passage_offsets():
    j = Judged({"a": 1}, {"a": ((50, 60),)})
    assert j.passage_hit("a", 0, 60) and j.passage_hit("a", 50, 200)
    assert not j.passage_hit("a", 55, 200)  # cuts the answer
    assert not j.passage_hit("b", 0, 1000)  # other article
    assert Judged({"a": 1}, {}).passage_hit("a", 900, 1000)  # no spans: article-level


def _passage(aid, start, end, text="x"):
    return Passage(aid, "T", text, start, end, 0.5)


def _cite(n, aid, ps, pe, sentence="s."):
    return Citation(n, aid, "T", None, None, None, sentence, "p", ps, ps + 2, 1.0, ps, pe)


def test_score_question_and_summary_by_hand():
    q = Question("1", "q?", ("Santa Clara",), (Gold("a"),))
    j = Judged({"a": 1}, {"a": ((100, 111),)})
    passages = (_passage("b", 0, 50), _passage("a", 0, 90), _passage("a", 80, 200))
    ans = Answer(
        "q?",
        "It was in Santa Clara. [1] Other. [2]",
        False,
        (_cite(1, "a", 80, 200, "It was in Santa Clara."), _cite(2, "b", 0, 50, "Other.")),
        passages,
    )
    row = score_question(q, j, ans, 12.0, "hybrid", 10)
    assert row["lead_contains"] is True  # the sentence cited [1] holds the answer
    late = replace(ans, answer="Other. [1] It was in Santa Clara. [2]", citations=ans.citations[::-1])
    later = score_question(q, j, late, 12.0, "hybrid", 10)
    assert later["answer_contains"] is True and later["lead_contains"] is False
    assert row["first_hit_rank"] == 3
    assert (row["hit@1"], row["hit@5"], row["mrr@10"]) == (0.0, 1.0, pytest.approx(1 / 3))
    assert row["ndcg@10"] == pytest.approx(1 / math.log2(3))  # doc 'a' at rank 2
    assert row["answer_contains"] is True
    assert [c["correct"] for c in row["citations"]] == [True, False]
    unans = Question("2", "nothing?", (), (), unanswerable=True)
    row2 = score_question(unans, Judged({}, {}), Answer("nothing?", "no", True), 30.0, "hybrid", 10)
    s = summarize([row, row2], 10)
    assert s["questions"] == 2 and s["hit@5"] == 1.0 and s["citation_precision"] == 0.5
    assert s["lead_contains"] == 1.0 and summarize([row, later], 10)["lead_contains"] == 0.5
    assert s["abstain_rate"] == 0.0 and s["abstain_correct"] == 1.0
    assert s["latency_ms_p50"] == 21.0


def test_beir_loads_and_scores_ndcg(tmp_path):
    root = tmp_path / "beir"
    (root / "qrels").mkdir(parents=True)
    docs = [
        ("d1", "Steel tariffs", "Steel tariffs were raised on imports from Canada."),
        ("d2", "Ferry", "A new ferry line opened between the islands."),
        ("d3", "Robots", "Students built robots for the regional contest."),
    ]
    (root / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"_id": i, "title": t, "text": x}) for i, t, x in docs)
    )
    (root / "queries.jsonl").write_text(
        "\n".join(
            [
                json.dumps({"_id": "1", "text": "ferry line islands"}),
                json.dumps({"_id": "2", "text": "robots contest"}),
            ]
        )
    )
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\td2\t1\n2\td3\t2\n")
    assert detect_format(root) == "beir"
    qset = load(root / "qrels" / "test.tsv", root, "auto", work=tmp_path / "w")
    assert [q.id for q in qset.questions] == ["1", "2"]
    summary = evaluation.run(
        root, root / "qrels" / "test.tsv", tmp_path / "out", compare=["bm25"], model="hash:64", progress=False
    )
    assert summary["ndcg@10"] == 1.0 and summary["answer_contains"] is None


def test_qa_jsonl_relevant_titles_and_unanswerable(tmp_path):
    arts = tmp_path / "arts"
    arts.mkdir()
    (arts / "ferry.txt").write_text(
        "Ferry line opens\n\nA new ferry line opened between the islands on Monday."
    )
    (arts / "robots.txt").write_text("Robots win\n\nThe Lakeside team won the robotics contest with a robot.")
    qs = tmp_path / "q.jsonl"
    qs.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {
                    "id": "a",
                    "question": "When did the ferry line open?",
                    "answers": ["Monday"],
                    "relevant": ["Ferry line opens"],
                },
                {
                    "id": "b",
                    "question": "Which team won the robotics contest?",
                    "answers": ["Lakeside"],
                    "relevant": ["robots.txt"],
                    "history": ["Tell me about robots"],
                },
                {"id": "c", "question": "Who won the 1998 World Cup?", "unanswerable": True},
            ]
        )
    )
    summary = evaluation.run(arts, qs, tmp_path / "out", compare=["bm25"], model="hash:64", progress=False)
    assert summary["questions"] == 3 and summary["unresolved_gold"] == 0
    assert summary["hit@1"] == 1.0 and summary["answer_contains"] == 1.0
    assert summary["abstain_correct"] == 1.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": 1}\n', "field 'question' is missing"),
        ("{nope\n", "malformed JSON"),
        ('{"question": "q", "history": "not a list"}\n', "'history' must be a list"),
    ],
)
def test_bad_question_files_name_the_line(tmp_path, content, message):
    qs = tmp_path / "q.jsonl"
    qs.write_text(content)
    with pytest.raises(InputError, match=rf"q\.jsonl:1: .*{message}"):
        load(qs, tmp_path, "qa-jsonl")


def test_bad_compare_modes_are_refused(tmp_path):
    with pytest.raises(InputError, match="--compare"):
        evaluation.run(tmp_path, tmp_path / "q.jsonl", tmp_path / "o", compare=["magic"])


def test_leave_out_indexes_all_but_every_kth_file_and_its_questions_count_as_unanswerable(tmp_path, capsys):
    arts = tmp_path / "arts"
    arts.mkdir()
    topics = {"a-ferry": "ferry line opened", "b-robots": "robot team won", "c-quake": "quake shook town",
              "d-bakery": "bakery sold bread"}  # fmt: skip
    for name, text in topics.items():
        (arts / f"{name}.txt").write_text(f"{name}\n\nThe {text} on Monday, officials said.")
    qs = tmp_path / "q.jsonl"
    records = [
        {"id": n, "question": f"When was it that the {t}?", "answers": ["Monday"], "relevant": [f"{n}.txt"]}
        for n, t in topics.items()
    ]
    qs.write_text("\n".join(json.dumps(r) for r in records))
    out = tmp_path / "out"
    summary = evaluation.run(arts, qs, out, compare=["bm25"], model="hash:64", progress=False, leave_out=2)
    left = summary["left_out"]
    assert (left["articles"], left["questions"], left["kept_answerable"]) == (2, 2, 2)
    assert summary["unresolved_gold"] == 0
    assert summary["index"]["articles_added"] == 2 and summary["unanswerable"] == 2
    rows = {r["id"]: r for r in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    assert [k for k, r in sorted(rows.items()) if r["unanswerable"]] == ["b-robots", "d-bakery"]
    # the left-out questions' outcomes, and the kept ones' declines, each among their own
    gone = [r["status"] for r in rows.values() if r["unanswerable"]]
    kept = [r["status"] for r in rows.values() if not r["unanswerable"]]
    assert left["declined"] == gone.count("declined") / 2
    assert left["declined_or_tentative"] == (2 - gone.count("answer")) / 2
    assert left["kept_declined"] == kept.count("declined") / 2
    from ui.cli import main

    args = ["eval", "--articles", str(arts), "--questions", str(qs), "--out", str(tmp_path / "o6"),
            "--model", "hash:64", "--compare", "bm25", "--leave-out", "2"]  # fmt: skip
    assert main(args) == 0
    said = capsys.readouterr().out
    assert "bm25: left out 2 article files; of their 2 questions" in said
    assert "of the 2 answerable ones whose article stayed" in said
    # the same as a module run (python -m ui.cli), where the helpers must exist before main() runs
    run = subprocess.run([sys.executable, "-m", "ui.cli", *args[:6], str(tmp_path / "o7"), *args[7:]],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)  # fmt: skip
    assert run.returncode == 0 and "bm25: left out 2 article files" in run.stdout, run.stderr[-500:]
    whole = evaluation.run(arts, qs, tmp_path / "o2", compare=["bm25"], model="hash:64", progress=False)
    assert whole["left_out"] is None
    with pytest.raises(InputError, match=r"already holds b-robots\.txt"):  # the full index of the run above
        evaluation.run(arts, qs, tmp_path / "o3", index=tmp_path / "o2" / "index", model="hash:64",
                       compare=["bm25"], progress=False, leave_out=2)  # fmt: skip
    with pytest.raises(InputError, match="must be 2 or more"):
        evaluation.run(arts, qs, tmp_path / "o4", model="hash:64", progress=False, leave_out=1)
    with pytest.raises(InputError, match="a folder of two or more files"):
        evaluation.run(arts / "a-ferry.txt", qs, tmp_path / "o5", model="hash:64", leave_out=2)
