"""End-to-end: the served app driven in headless Chromium (Debian's, via Playwright).

The index holds the demo corpus, embedded with the real packaged model (the
``minilm`` fixture, loaded once per session), plus one article full of markup.
Screenshots go to $QA_SCREENSHOTS, else out/browser-screenshots/ (git-ignored);
the run prints the folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT
from ui.app import EXAMPLES

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000
USMCA = "What did Trump say about USMCA?"
CARNEY_TRUMP = "Carney and Trump meet at the White House"

MARKUP_ARTICLE = (
    "---\n"
    'title: "Brindle Harbor <script>window.__xss=1</script> seawall '
    '<img src=x onerror=window.__xss=2> vote"\n'
    "date: 2025-09-09\n"
    'source: "<b>Tide</b> Wire"\n'
    'url: "javascript:window.__xss=3"\n'
    "---\n"
    "The Brindle Harbor council voted on Monday to fund a new seawall <script>window.__xss=4</script> "
    "along the east quay.\n\n"
    'Councillor Oda Pell said the seawall is "[a bargain](javascript:window.__xss=5)" and that '
    '${window.__xss=6} work starts in spring <img src=x onerror="window.__xss=7">.\n'
)

NEW_ARTICLE = """Quillon Point lighthouse to shine again after restoration

The Quillon Point lighthouse will be lit again on May 3, 2026, after a two-year restoration, harbour \
master Ines Arden said on Friday.

Arden said the restored lamp can be seen from 40 kilometres out at sea. Volunteers repainted the tower \
in its original red and white bands.
"""


@pytest.fixture(scope="module")
def shots(request) -> Path:
    """Where screenshots go; printed at the start and the end of the run."""
    folder = Path(os.environ.get("QA_SCREENSHOTS") or ROOT / "out" / "browser-screenshots").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    say(request, f"browser screenshots: {folder}")
    yield folder
    say(request, f"browser screenshots saved in {folder}")


def say(request, line: str) -> None:
    """Print past pytest's output capture, so the line shows in any run."""
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None:
        return
    if capture is None:
        reporter.write_line(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


@pytest.fixture(scope="module")
def served(tmp_path_factory, minilm):
    from eval.corpus import DEMO_ARTICLES
    from qa import Assistant
    from ui.app import build_app, launch

    work = tmp_path_factory.mktemp("browser")
    (work / "harbor.md").write_text(MARKUP_ARTICLE, encoding="utf-8")
    assistant = Assistant.open(work / "index", embedder=minilm)
    report = assistant.add([DEMO_ARTICLES, work / "harbor.md"])
    assert not report.rejected
    app = launch(build_app(assistant), port=None, block=False, quiet=True)
    yield app.local_url, work
    app.close()
    assistant.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with 'apt-get install -y chromium' (.ci/run does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, served):
    url, _ = served
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    elsewhere = []  # the page must load nothing from other hosts (fonts, analytics, scripts)
    pg.on("request", lambda r: None if r.url.startswith((url, "data:", "blob:")) else elsewhere.append(r.url))
    pg.goto(url, wait_until="load")
    pg.wait_for_selector("#qa-chat")
    yield pg
    context.close()
    assert elsewhere == []


def ask(page, question: str) -> str:
    """Type a question, send it, and wait for the whole answer; its text."""
    bots = page.locator("#qa-chat [data-testid='bot']")
    before = bots.count()
    page.locator("#qa-box textarea").fill(question)
    page.locator("#qa-box textarea").press("Enter")
    page.wait_for_function(
        """n => {
            const bots = document.querySelectorAll("#qa-chat [data-testid='bot']");
            return bots.length > n && !bots[bots.length - 1].innerText.includes('Searching');
        }""",
        arg=before,
    )
    page.wait_for_selector("#qa-sources .qa-sources-head")
    return bots.last.inner_text()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_usmca_answer_quotes_trump_and_cites_the_carney_trump_article(page, shots):
    page.locator("#qa-chat").get_by_text(EXAMPLES[0]).first.wait_for()  # example questions on first open
    page.screenshot(path=str(shots / "01-first-open.png"))
    text = ask(page, USMCA)
    assert "could renegotiate it, and that would be good, or we can just do different deals" in text
    assert re.search(r"\[\d\]", text)
    assert page.locator("#qa-chat a.qa-cite").count() >= 1
    sources = page.locator("#qa-sources")
    assert CARNEY_TRUMP in sources.inner_text()
    page.screenshot(path=str(shots / "02-usmca-answer.png"))


def test_clicking_a_citation_shows_its_highlighted_sentence(page, shots):
    ask(page, USMCA)
    quote = page.locator("#qa-chat a.qa-cite").filter(has_text="[1]").first  # the answer is Trump's quotes
    quote.click()
    card = page.locator("#qa-src-0-1.qa-focus")
    card.wait_for()
    assert CARNEY_TRUMP in card.inner_text()
    mark = (
        card.locator("mark.qa-hl").filter(has_text="could renegotiate it").first
    )  # one card, each cited sentence
    assert "could renegotiate it" in mark.inner_text()
    assert mark.is_visible()
    page.screenshot(path=str(shots / "03-citation-source.png"))
    # A follow-up uses the conversation and shows its own sources; the first answer's
    # citation still opens the first answer's source.
    follow = ask(page, "And what did Carney say?")
    assert "Carney" in follow
    page.locator("#qa-src-0-1").wait_for(state="detached")
    page.locator("#qa-chat a.qa-cite[href='#qa-src-0-1']").first.click()
    page.locator("#qa-src-0-1.qa-focus").wait_for()
    page.get_by_role("button", name="New chat").click()
    page.wait_for_function("() => !document.querySelector('#qa-chat a.qa-cite')")


def test_upload_an_article_ask_it_then_remove_it(page, served, shots):
    _, work = served
    new = work / "quillon-lighthouse.txt"
    new.write_text(NEW_ARTICLE, encoding="utf-8")
    bad = work / "notes.exe"
    bad.write_bytes(b"MZ\x00\x01binary")
    pdf = work / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 not really")
    open_tab(page, "Library")
    page.locator("#qa-upload input[type='file']").set_input_files([str(bad), str(pdf), str(new)])
    page.locator("#qa-add").click()
    page.locator("#qa-add-status").get_by_text("1 added, 2 rejected").wait_for()
    results = page.locator("#qa-results")
    assert "added" in results.inner_text() and "Quillon Point lighthouse" in results.inner_text()
    rows = {r.split("\t")[0]: r for r in results.locator("tr").all_inner_texts()}
    assert "damaged PDF" in rows["report.pdf"] and "save it again" in rows["report.pdf"]  # one message, why
    assert ".exe files are not articles" in rows["notes.exe"]
    # each result word fits its cell: on one line (its text's height under two font sizes)
    # and not spilling out (rows differ in height with their details; the word must not)
    fits = page.evaluate(
        "() => [...document.querySelectorAll('#qa-results td:nth-child(2)')].map(td => {"
        " const r = document.createRange(); r.selectNodeContents(td);"
        " const fs = parseFloat(getComputedStyle(td).fontSize);"
        " return [r.getBoundingClientRect().height / fs, td.scrollWidth - td.clientWidth]; })"
    )
    assert fits and all(lines < 2 and spill <= 0 for lines, spill in fits), fits
    table = page.locator("#qa-articles")
    table.get_by_text("Quillon Point lighthouse to shine again").wait_for()
    page.screenshot(path=str(shots / "04-uploaded.png"), full_page=True)

    open_tab(page, "Chat")
    text = ask(page, "When will the Quillon Point lighthouse be lit again?")
    assert "May 3, 2026" in text
    assert "Quillon Point lighthouse" in page.locator("#qa-sources").inner_text()
    page.screenshot(path=str(shots / "05-answer-from-upload.png"))

    open_tab(page, "Library")
    table.get_by_text("Quillon Point lighthouse to shine again").click()  # picks the row
    page.wait_for_function("() => document.querySelector('#qa-pick input').value.includes('Quillon')")
    page.locator("#qa-remove").click()
    page.locator("#qa-remove-status").get_by_text("Removed").wait_for()
    page.wait_for_function("() => !document.querySelector('#qa-articles').innerText.includes('Quillon')")
    page.screenshot(path=str(shots / "06-removed.png"), full_page=True)

    open_tab(page, "Chat")
    ask(page, "When will the Quillon Point lighthouse be lit again?")
    assert "Quillon Point lighthouse to shine again" not in page.locator("#qa-sources").inner_text()

    open_tab(page, "Library")  # added back: the notice about its removal goes
    page.locator("#qa-upload input[type='file']").set_input_files([str(new)])
    page.locator("#qa-add").click()
    page.locator("#qa-add-status").get_by_text("1 added").wait_for()
    assert "Removed" not in page.locator("#qa-remove-status").inner_text()


def test_chat_messages_are_labelled_with_their_text_for_screen_readers(page):
    ask(page, USMCA)
    labels = page.evaluate(
        "() => [...document.querySelectorAll('#qa-chat [aria-label]')].map(e => e.getAttribute('aria-label'))"
    )
    spoken = [x for x in labels if "renegotiate" in x]
    assert spoken and all("<" not in x and "qa-cite" not in x and "\\" not in x for x in spoken), spoken


@pytest.fixture(scope="module")
def one_article(tmp_path_factory, minilm):
    """The seed article alone: an index of 3 chunks, fewer than the passages setting's default."""
    from qa import Assistant
    from tests.conftest import SEED, shared
    from ui.app import build_app, launch

    assistant = Assistant.open(tmp_path_factory.mktemp("one") / "index", embedder=minilm)
    assistant.add([shared(SEED)])
    app = launch(build_app(assistant), port=None, block=False, quiet=True)
    yield app.local_url
    app.close()
    assistant.close()


def test_a_one_article_index_answers_the_first_question(browser, one_article, shots):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    try:
        pg.goto(one_article, wait_until="load")
        pg.wait_for_selector("#qa-chat")
        text = ask(pg, USMCA)
        assert "⚠" not in text and "renegotiate" in text
        sources = pg.locator("#qa-sources").inner_text()
        # the page is served with the slider fitted to the index's 3 chunks
        assert "3 passages · hybrid" in sources, sources
        pg.screenshot(path=str(shots / "09-one-article.png"))
    finally:
        context.close()


def test_article_markup_renders_as_text(page, shots):
    text = ask(page, "What did Oda Pell say about the seawall?")
    sources = page.locator("#qa-sources").inner_text()
    assert "<script>window.__xss=1</script>" in sources  # the title, shown as text
    assert "<b>Tide</b> Wire" in sources
    assert "Oda Pell" in text and "[a bargain](javascript:window.__xss=5)" in text
    assert "${window.__xss=6}" in text and '<img src=x onerror="window.__xss=7">' in text
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    page.screenshot(path=str(shots / "07-markup-as-text.png"))
    open_tab(page, "Library")
    page.wait_for_function(
        "() => document.querySelector('#qa-articles').innerText.includes('Brindle Harbor <script>')"
    )
    assert "<b>Tide</b> Wire" in page.locator("#qa-articles").inner_text()
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("img[src='x']").count() == 0
    page.screenshot(path=str(shots / "08-markup-in-library.png"), full_page=True)
    assert page.evaluate("() => window.__xss") is None
    page.screenshot(path=str(shots / "08-markup-in-library.png"), full_page=True)
