"""The article record and its stable id."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date


@dataclass(frozen=True)
class Article:
    """One article as stored: cleaned text plus the metadata we could find.

    ``id`` is stable: it depends on where the article came from (explicit id,
    url, or file path + title), not on its text, so a changed file replaces
    its earlier version instead of adding a second copy.
    """

    id: str
    title: str
    text: str
    date: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    origin: str | None = None
    pages: tuple[int, ...] | None = None  # a PDF's page start offsets in ``text``; None for other files

    @property
    def content_hash(self) -> str:
        """Hash of everything that changes what is indexed or shown."""
        parts = [self.title, self.text, self.date, self.source, self.url, self.author]
        joined = "\x1f".join(p or "" for p in parts)
        return hashlib.sha1(joined.encode("utf-8")).hexdigest()

    @property
    def text_hash(self) -> str:
        """Hash of the body alone: the same text under another name is a duplicate."""
        return hashlib.sha1(" ".join(self.text.split()).encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


def slugify(text: str, limit: int = 48) -> str:
    """ASCII, lower-case, hyphenated; never empty."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", norm.lower()).strip("-")
    return slug[:limit].rstrip("-") or "article"


_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def make_article_id(title: str, key: str, explicit: object = None) -> str:
    """A stable id. The source's own id when it gave a plain one (letters,
    digits, ``._:-``); else ``<title-slug>-<10 hex of the origin key>``."""
    if explicit is not None and _SAFE_ID.fullmatch(str(explicit)):
        return str(explicit)
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
    return f"{slugify(title)}-{digest}"


def article_day(value: str | None) -> date | None:
    """The calendar day of an article date (its ``YYYY-MM-DD`` start), or None
    when the article is undated or the date is not ISO."""
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None
