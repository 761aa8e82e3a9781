from qa.types import Answer, Citation
from ui.format import answer_markdown, escape_markdown, highlighted_passage, safe_url, sources_html

PASSAGE = "First sentence here. <script>alert(1)</script> is the second one. Third."


def cite(n=1, sentence="<script>alert(1)</script> is the second one.", url="https://n.example/a", **kw):
    start = 100 + PASSAGE.index(sentence)
    base = dict(
        n=n,
        article_id="a",
        title="T <img src=x onerror=alert(1)>",
        date="2025-10-07",
        source="Wire",
        url=url,
        sentence=sentence,
        passage=PASSAGE,
        start=start,
        end=start + len(sentence),
        score=1.0,
        passage_start=100,
        passage_end=100 + len(PASSAGE),
    )
    base.update(kw)
    return Citation(**base)


def test_highlight_marks_exactly_the_cited_sentence_escaped():
    html = highlighted_passage(cite())
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt; is the second one.</mark>" in html
    assert "<script>" not in html


def test_misaligned_offsets_never_highlight_the_wrong_text():
    html = highlighted_passage(cite(start=101, end=110))
    assert "<mark>" not in html


def test_sources_escape_title_and_only_link_http():
    html = sources_html(Answer("q", "a [1]", False, (cite(url="javascript:alert(1)"),)))
    assert "<img" not in html and "&lt;img" in html
    assert "javascript:" not in html
    html = sources_html(Answer("q", "a [1]", False, (cite(),)))
    assert "href='https://n.example/a'" in html and "rel='noopener noreferrer'" in html


def test_answer_markdown_numbers_citations_and_escapes_markup():
    md = answer_markdown(Answer("q", "x", False, (cite(n=1), cite(n=2, sentence="Third."))))
    assert md.endswith("Third\\. **\\[2\\]**")
    assert "<script>" not in md and "\\[1\\]" in md


def test_escape_markdown_defuses_links():
    assert escape_markdown("[click](javascript:alert(1))") == "\\[click\\]\\(javascript:alert\\(1\\)\\)"
    assert safe_url("ftp://x") is None and safe_url("http://x") == "http://x"
