"""Property-based tests (Hypothesis): any unicode goes in without an error and
comes back exactly, and an index saved and opened again answers the same."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.sources.readers import _UNSAFE_CHARS, read_file
from qa import Assistant

QUICK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WORDS = "ferry steel harbour council budget robot lantern orchard festival tariff volcano library".split()

any_text = st.text(alphabet=st.characters(codec=None), max_size=400)  # every code point, lone surrogates too
words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
sentence = st.builds(lambda w, tail: f"{w.capitalize()} {tail}.", words, st.text(max_size=40))
body = st.lists(sentence, min_size=1, max_size=12).map(" ".join)


def check_article_invariants(index: Path) -> None:
    with Assistant.open(index) as a:
        conn = a.store._conn
        for aid, title, text in conn.execute("SELECT id, title, text FROM articles"):
            assert text.strip() and title.strip() and "/" not in aid
            assert not _UNSAFE_CHARS.search(text) and not _UNSAFE_CHARS.search(title)
            spans = conn.execute(
                "SELECT start, end, text FROM chunks WHERE article_id=? ORDER BY ord", (aid,)
            ).fetchall()
            assert spans, aid
            for start, end, chunk in spans:
                assert 0 <= start < end <= len(text) and text[start:end] == chunk
        assert len(a.store.view.vectors) == len(a.store.view.lexical) == a.stats().chunks


@QUICK
@given(
    title=any_text, text=any_text, extra=st.dictionaries(st.sampled_from(["date", "source", "url"]), any_text)
)
def test_any_unicode_record_is_added_or_refused_with_a_reason(title, text, extra):
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "in").mkdir()
        record = {"title": title, "text": text, **extra}
        (d / "in" / "r.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
        (d / "in" / "r.txt").write_bytes(f"{title}\n\n{text}".encode("utf-8", "surrogatepass"))
        with Assistant.open(d / "index", model="hash:64") as a:
            report = a.add(d / "in")
            outcomes = len(report.added) + len(report.duplicates) + len(report.rejected)
            assert outcomes == 2, report.to_dict()
            for problem in report.rejected:
                assert "\n" not in str(problem) and problem.reason
            json.dumps(report.to_dict())  # reportable as JSON
            if report.added:
                for mode in ("hybrid", "dense", "bm25"):
                    a.search("ferry 0 words", k=1, mode=mode)
        check_article_invariants(d / "index")


@QUICK
@given(raw=st.binary(max_size=600))
def test_any_bytes_in_a_text_file_are_read_or_refused(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.txt"
        path.write_bytes(raw)
        articles, problems = read_file(path)
        assert len(articles) + len(problems) == 1
        for art in articles:
            assert art.text.strip() and not _UNSAFE_CHARS.search(art.text + art.title)
            art.text.encode("utf-8")


corpus = st.lists(
    st.tuples(words, body, st.sampled_from([None, "2025-03-04", "2026-11-02"])), min_size=1, max_size=6
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles=corpus, question=words)
def test_save_then_open_answers_the_same(articles, question):
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "in").mkdir()
        for i, (title, text, date) in enumerate(articles):
            rec = {"id": f"art{i}", "title": f"{title} {i}", "text": text, "date": date}
            (d / "in" / f"{i}.json").write_text(json.dumps(rec))
        with Assistant.open(d / "index", model="hash:64") as a:
            a.add(d / "in")
            before = _answers(a, question)
            rows = a.store._conn.execute("SELECT * FROM chunks ORDER BY id").fetchall()
        with Assistant.open(d / "index") as b:  # saved files
            assert _answers(b, question) == before
            assert b.store._conn.execute("SELECT * FROM chunks ORDER BY id").fetchall() == rows
        (d / "index" / "derived.json").unlink()
        shutil.rmtree(next((d / "index").glob("derived-*")))
        with Assistant.open(d / "index") as c:  # rebuilt from the records
            assert _answers(c, question) == before
        check_article_invariants(d / "index")


def _answers(a: Assistant, question: str) -> list[object]:
    out: list[object] = []
    for mode in ("hybrid", "dense", "bm25"):
        answer = a.ask(question, mode=mode).to_dict()
        answer.pop("timings_ms")
        out.append(answer)
        out.append([p.to_dict() for p in a.search(question, k=1, mode=mode)])
    return out
