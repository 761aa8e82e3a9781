"""PDF articles: text per page, page numbers on citations, scanned, encrypted and
damaged files refused with one line. The PDFs are written here (make_pdf)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.sources.pdf import NO_TEXT, join_pages, page_of, page_text
from index.sources.readers import read_file
from tests.conftest import run_qa
from ui.format import sources_html


def make_pdf(pages: list[list[str]], info: dict[str, str] | None = None) -> bytes:
    """A small valid PDF: each page is a list of lines in Helvetica (an empty list:
    a page without a text layer, as a scan has)."""
    objs: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        ops = ["BT /F1 11 Tf 14 TL 72 720 Td"]
        for line in lines:
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({esc}) Tj T*")
        stream = "\n".join([*ops, "ET"]).encode("latin-1")
        objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objs.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (len(objs))
        )
        kids.append(len(objs))
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    if info:
        objs.append(" ".join(["<<", *(f"/{k} ({v})" for k, v in info.items()), ">>"]).encode("latin-1"))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objs) + 1) + (b" /Info %d 0 R" % len(objs) if info else b"")
    out += b"trailer\n%s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    return bytes(out)


PAGE_1 = [
    "Tidewater council backs night ferry trial",
    "",
    "The Tidewater council voted on Tuesday to run a night ferry between the",
    "harbour and Pell Island for six months, starting in September.",
    "",
    "The trial will cost 410,000 dollars, paid from the transport reserve.",
    "1",
]
PAGE_2 = [
    "Councillor Ada Brenn said the last boat now leaves at 11:40 p.m. and",
    "islanders working late shifts have no way home.",
    "",
    "The ferry operator, Pell Marine, will crew the boat with two extra deckhands.",
    "2",
]


def write_pdf(folder: Path, name: str, pages: list[list[str]], info: dict[str, str] | None = None) -> Path:
    path = folder / name
    path.write_bytes(make_pdf(pages, info))
    return path


def test_pages_are_read_and_their_starts_kept(tmp_path):
    path = write_pdf(tmp_path, "ferry.pdf", [PAGE_1, PAGE_2], {"CreationDate": "D:20250911093000Z"})
    (art,), problems = read_file(path)
    assert problems == []
    assert art.title == "Tidewater council backs night ferry trial"  # the short first line, taken off page 1
    assert art.date == "2025-09-11"
    assert art.pages is not None and len(art.pages) == 2 and art.pages[0] == 0
    page_two = art.text[art.pages[1] :]
    assert page_two.startswith("Councillor Ada Brenn said the last boat now leaves at 11:40 p.m. and")
    assert "harbour and Pell Island" in art.text[: art.pages[1]]
    assert "\n1\n" not in art.text and not art.text.endswith("2")  # page numbers dropped
    assert page_of(art.pages, art.text.index("Pell Marine")) == 2
    assert page_of(art.pages, art.text.index("410,000")) == 1
    assert page_of(None, 5) is None


def test_metadata_title_wins_unless_it_is_a_file_name(tmp_path):
    (art,), _ = read_file(write_pdf(tmp_path, "a.pdf", [PAGE_1], {"Title": "Night ferry trial approved"}))
    assert art.title == "Night ferry trial approved" and art.text.startswith("Tidewater council backs")
    (art,), _ = read_file(write_pdf(tmp_path, "b.pdf", [PAGE_1], {"Title": "Microsoft Word - draft3.docx"}))
    assert art.title == "Tidewater council backs night ferry trial"


def test_lines_join_into_paragraphs_and_hyphens_mend():
    text = page_text(
        "The council voted to run a night ferry between the harbour and the inter-\n"
        "national terminal for six months, starting in the first week of September, it said.\n"
        "A full line that ends a sentence may go on: the next line is the same paragraph.\n"
        "Short last line.\n"
        "A new paragraph.\n"
        "Page 3 of 9\n"
    )
    assert text == (
        "The council voted to run a night ferry between the harbour and the international terminal "
        "for six months, starting in the first week of September, it said. A full line that ends a sentence "
        "may go on: the next line is the same paragraph. Short last line.\n\nA new paragraph."
    )


def test_join_pages_keeps_offsets_of_empty_pages():
    text, starts = join_pages(["one", "", "three"])
    assert text == "one\n\nthree" and starts == (0, 3, 5)
    assert [page_of(starts, text.index(w)) for w in ("one", "three")] == [1, 3]


@given(st.lists(st.text(st.characters(codec="utf-8"), max_size=30).map(str.strip), max_size=6))
def test_every_offset_of_a_page_maps_to_that_page(pages):
    text, starts = join_pages(pages)
    assert len(starts) == len(pages)
    for number, page in enumerate(pages, start=1):
        if page:
            at = starts[number - 1]
            assert text[at : at + len(page)] == page
            assert {page_of(starts, i) for i in range(at, at + len(page))} == {number}


def test_scanned_pdf_is_reported_not_indexed_empty(tmp_path):
    articles, (problem,) = read_file(write_pdf(tmp_path, "scan.pdf", [[], []]))
    assert articles == [] and problem.reason == NO_TEXT and "OCR" in str(problem)


def test_encrypted_pdf_says_what_to_do(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = write_pdf(tmp_path, "plain.pdf", [PAGE_1])
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as fh:
        writer.write(fh)
    articles, (problem,) = read_file(locked)
    assert articles == [] and "encrypted" in problem.reason and "unprotected copy" in problem.reason
    assert "\n" not in str(problem) and str(locked) in str(problem)


@pytest.mark.parametrize("data", [b"%PDF-1.4\nnot really a pdf", make_pdf([PAGE_1])[:300]])
def test_damaged_pdf_is_one_line_naming_the_file(tmp_path, data):
    path = tmp_path / "broken.pdf"
    path.write_bytes(data)
    articles, (problem,) = read_file(path)
    assert articles == [] and "damaged PDF" in problem.reason and "save it again" in problem.reason
    assert str(path) in str(problem) and "\n" not in str(problem)


def test_citations_carry_the_page_and_survive_reopen(make_assistant, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_pdf(folder, "ferry.pdf", [PAGE_1, PAGE_2])
    (folder / "other.txt").write_text("Bakery wins prize\n\nThe Crumb bakery won a regional bread prize.\n")
    a = make_assistant()
    report = a.add([folder])
    assert len(report.added) == 2 and not report.rejected
    answer = a.ask("Who will crew the ferry boat with two extra deckhands?")
    cites = [c for c in answer.citations if "Pell Marine" in c.sentence]
    assert cites and cites[0].page == 2 and cites[0].to_dict()["page"] == 2
    assert " · p. 2</div>" in sources_html(answer)  # shown on the UI's source card
    assert json.loads(json.dumps(answer.to_dict()))["citations"][0]["page"] in (1, 2)
    other = a.ask("Which bakery won a bread prize?")
    assert all(c.page is None for c in other.citations if c.title == "Bakery wins prize")
    a.close()
    again = make_assistant()  # the same folder: opened again from disk
    art = again.store.article(cites[0].article_id)
    assert art is not None and art.pages is not None and len(art.pages) == 2


def test_cli_ingests_a_pdf_and_shows_the_page(tmp_path):
    write_pdf(tmp_path, "ferry.pdf", [PAGE_1, PAGE_2])
    write_pdf(tmp_path, "scan.pdf", [[]])
    index = tmp_path / "index"
    pdfs = [tmp_path / "ferry.pdf", tmp_path / "scan.pdf"]
    done = run_qa("ingest", *pdfs, "--index", index, "--model", "hash:64")
    assert done.returncode == 3, done.stderr  # one file rejected
    assert f"qa: rejected {tmp_path / 'scan.pdf'}: {NO_TEXT}" in done.stderr
    assert "1 added" in done.stdout
    asked = run_qa("ask", "Who will crew the boat with two extra deckhands?", "--index", index)
    assert asked.returncode == 0, asked.stderr
    assert "p. 2" in asked.stdout


def test_ui_upload_accepts_a_pdf_and_refuses_a_scan_saying_why(make_assistant, tmp_path):
    from ui import library as lib

    a = make_assistant()
    folder = tmp_path / "gradio-tmp"
    folder.mkdir()
    files = [write_pdf(folder, "ferry.pdf", [PAGE_1, PAGE_2]), write_pdf(folder, "scan.pdf", [[]])]
    assert lib.check_upload(files[0]) is None
    rows, summary = lib.add_uploads(a, files)
    assert summary == "1 added, 1 rejected"
    assert ["ferry.pdf", "added", "Tidewater council backs night ferry trial"] == rows[0][:3]
    assert rows[1][:2] == ["scan.pdf", "rejected"] and "no text layer" in rows[1][3]
