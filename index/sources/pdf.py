"""Read a PDF article: its text layer page by page (pypdf).

Lines that the page layout broke are joined back into paragraphs (a line that
does not end a sentence runs on; a word hyphenated at a line end is mended),
bare page numbers are dropped, and each page is cleaned like any other text.
The pages are joined by a blank line and their start offsets are kept, so a
character offset into the article names its page. A PDF without a text layer
(a scan) is refused, not indexed empty; an encrypted or damaged one is refused
with what to do about it.
"""

from __future__ import annotations

import bisect
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.text.sentences import clean_text

log = logging.getLogger(__name__)

PAGE_JOIN = "\n\n"
NO_TEXT = "no text layer: a scanned PDF? run OCR first (e.g. ocrmypdf) and add the result"
ENCRYPTED = "the PDF is encrypted (password-protected); save or print an unprotected copy and add that"
_ENDS_PARAGRAPH = re.compile(r"[.!?:;\u2026][\"'\u201d\u2019)\]]*$")
_PAGE_NUMBER = re.compile(r"(?i)^(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$|^-\s*\d{1,4}\s*-$")
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?")


class PdfError(Exception):
    """Why a PDF cannot be read, in plain words (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PdfText:
    """The readable text of a PDF: cleaned pages, and what its metadata says."""

    pages: tuple[str, ...]
    title: str | None = None
    author: str | None = None
    date: str | None = None  # ISO day of the document's creation, when it records one


def read_pdf(data: bytes) -> PdfText:
    """The pages' text and metadata of a PDF given as bytes; raises :class:`PdfError`."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    # pypdf logs what it repairs on its way ("EOF marker not found"); a file it cannot
    # read raises, and that is reported as one line per file, so its log stays quiet here.
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):  # an owner password alone still opens
            raise PdfError(ENCRYPTED)
        raw = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except PdfError:
        raise
    except (FileNotDecryptedError, DependencyError) as exc:
        raise PdfError(f"{ENCRYPTED} ({_first_line(exc)})") from exc
    except Exception as exc:  # PyPdfError or whatever else a broken file makes the parser raise
        raise PdfError(
            f"damaged PDF, pypdf cannot read it ({_first_line(exc)}); open it and save it again, "
            "or export it again from where it came from"
        ) from exc
    finally:
        pypdf_log.setLevel(level)
    if not raw:
        raise PdfError("the PDF has no pages")
    pages = tuple(page_text(text) for text in raw)
    if not any(pages):
        raise PdfError(NO_TEXT)
    return PdfText(
        pages=pages,
        title=_meta(info, "/Title"),
        author=_meta(info, "/Author"),
        date=_pdf_date(_meta(info, "/CreationDate")),
    )


def page_text(raw: str) -> str:
    """One page's text: lines joined into paragraphs, page numbers dropped, cleaned.

    A line runs on into the next unless it is blank or clearly shorter than the
    page's full lines (the last line of a paragraph, a headline, a byline)."""
    lines = [" ".join(ln.split()) for ln in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if not _PAGE_NUMBER.match(ln)] if any(lines) else []
    width = max((len(ln) for ln in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        if not current:
            current = line
        elif current.endswith("-") and line[:1].islower() and current[-2:-1].isalpha():
            current = current[:-1] + line  # "inter-" + "national"
        else:
            current = f"{current} {line}"
        if len(line) < 0.75 * width or (_ENDS_PARAGRAPH.search(line) and len(line) < 0.9 * width):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return clean_text("\n\n".join(paragraphs))


def join_pages(pages: Sequence[str]) -> tuple[str, tuple[int, ...]]:
    """The article text (pages joined by a blank line) and each page's start offset."""
    starts: list[int] = []
    text = ""
    for page in pages:
        if text and page:
            text += PAGE_JOIN
        starts.append(len(text))
        text += page
    return text, tuple(starts)


def page_of(starts: Sequence[int] | None, offset: int) -> int | None:
    """The 1-based page holding character ``offset``, or None for text without pages."""
    if not starts:
        return None
    return max(1, bisect.bisect_right(list(starts), offset))


def _meta(info: object, key: str) -> str | None:
    try:
        value = info.get(key)  # type: ignore[attr-defined]
    except Exception:  # odd metadata is ignored: the text still counts
        return None
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _pdf_date(value: str | None) -> str | None:
    m = _PDF_DATE.match(value or "")
    if m is None:
        return None
    year, month, day = m.group(1), m.group(2) or "01", m.group(3) or "01"
    if not ("01" <= month <= "12" and "01" <= day <= "31"):
        return None
    return f"{year}-{month}-{day}"


def _first_line(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__).split("\n")[0][:160]


_FILE_LIKE_TITLE = re.compile(r"(?i)^(?:microsoft \w+ - |untitled\b)|\.\w{2,4}$")


def title_and_pages(pdf: PdfText, fallback: str) -> tuple[str, tuple[str, ...]]:
    """The article's title and its pages without it: the PDF's own title when it is
    a real one (not a file name), else a short first paragraph (taken off page 1),
    else ``fallback`` (the file name)."""
    if pdf.title and not _FILE_LIKE_TITLE.search(pdf.title):
        return pdf.title, pdf.pages
    first = next((i for i, page in enumerate(pdf.pages) if page), None)
    if first is not None:
        head, _, rest = pdf.pages[first].partition("\n\n")
        if len(head.split()) <= 20 and rest.strip():
            pages = list(pdf.pages)
            pages[first] = rest.strip()
            return head, tuple(pages)
    return fallback, pdf.pages
