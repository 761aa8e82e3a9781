"""Names a question uses that no indexed article holds.

A question that names something the articles never mention ("Who is the prime minister
of the United Kingdom?" of an article on Canada's prime minister, "Who will host the next
Olympics?") is not answered by them, however close their sentences read to it: the
sentence model sees "prime minister" and a name, and nothing tells it the country is
another. Readers' own words rarely bring new names (they paraphrase what is said, not
who or where), so a name missing from every chunk of the index is a sign that holds
where the model's scores do not.

A name is a capitalised word after the question's first ("Kingdom", "Olympics",
"Freeland"), not: an abbreviation of four capitals or fewer ("US", "CEO", "WWII": the
articles may spell them out), a title before a name ("Senator Smith": the articles may
write "Sen. Smith"), a day, a month or a compass point, a word of under four
letters once stemmed, an adjective of nationality before a lower-case word ("the
American president": the articles say "U.S."), or a lone capitalised word that modifies
a noun after a determiner or an adjective ("Which Greek historian ...?", "the usual
Latin-letter title": the articles may say "Thucydides" and "Roman numerals"). A question
in title case or capitals (a stop word capitalised after the first word: "What Did Trump
Say?") is not checked.

A name is held when some chunk holds it, or when the passages found for the question hold
it without or with accents ("Gospic"), one letter away (a slip: "Goverment",
"Karistadt", "Merceds") or with one letter moved ("Ghengis", "Ghandi"), a word it
abbreviates ("Sept"), or the two words it runs together ("Superbowl"): a slip's right
spelling is where the question's other words led. A country's name is held, too, when
some chunk holds another name of it, of its people or its adjective ("America": "United
States"; "Spain": "Spanish"; ``qa/data/countries.txt``).
A question with a name none of these hold is declined, and the note names it
(:func:`qa.compose.compose`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from importlib import resources

from index import tokenize
from index.text.terms import STOPWORDS
from qa.quotes import SayQuestion
from qa.words import CALENDAR_WORDS, COMPASS, DETERMINERS, ROLE_TITLES, is_nationality

_WORD = re.compile(r"[^\W_][\w'’.&-]*")
_NOT_NAMES = CALENDAR_WORDS | frozenset(COMPASS)
_DETERMINERS = DETERMINERS | {"which", "what", "whose"}
_PREPOSITIONS = frozenset(
    """about above across after against along among around before behind below beneath beside
    between beyond by during from inside near off outside over past since through toward towards
    under until upon via within without""".split()
)
MIN_CHARS = 4  # shorter words are not checked: too many words lie one letter from them
_JOINS = frozenset({"of", "de", "del", "da", "di", "du", "von", "van", "der", "la", "le"})  # inside a name
_PART = re.compile(r"[^\W\d_]+")  # the words of a name, as written: "Merceds-Benz", "Romans3"


def names(question: str) -> list[tuple[str, list[str]]]:
    """The names ``question`` uses, each as written (a run of capitalised words: "United
    Kingdom") with its words that are checked, lower-cased (see the module doc)."""
    words = list(_WORD.finditer(question))
    capital = [w.group()[:1].isupper() for w in words]
    if any(c and w.group().lower() in STOPWORDS for w, c in zip(words[1:], capital[1:], strict=True)):
        return []  # title case or capitals: "What Did Trump Say About Dairy?"
    out: list[tuple[str, list[str]]] = []
    run: list[str] = []
    checked: list[str] = []
    for i, w in enumerate(words):
        text = re.sub(r"['’]s$", "", w.group().rstrip(".'’"))
        if run and text in _JOINS and i + 1 < len(words) and capital[i + 1]:
            run.append(text)  # "Bank of Canada"
            continue
        if i == 0 or not capital[i] or text == "I":
            if run and checked:
                out.append((" ".join(run), checked))
            run, checked = [], []
            continue
        if not run and words[i - 1].group() == "the":
            run.append("the")  # as the question says it: "the United Kingdom"
        run.append(text)
        after = words[i + 1].group() if i + 1 < len(words) else ""
        lower = text.lower()
        modifier = len([r for r in run if r != "the"]) == 1 and _describes(words[i - 1].group(), after)
        if (
            (text.isupper() and len(text) <= 4)
            or lower in _NOT_NAMES
            or (lower in ROLE_TITLES and capital[i + 1 : i + 2] == [True])
            or (is_nationality(text) and after[:1].islower())  # "Chinese officials", "French wine"
            or modifier  # "Which Greek historian ...?", "the usual Latin-letter title": the article may
        ):  # say "Thucydides" and "Roman numerals"
            continue
        checked += [w for w in _PART.findall(lower) if len(w) >= MIN_CHARS and tokenize(w)]
    if run and checked:
        out.append((" ".join(run), checked))
    return out


def _describes(before: str, after: str) -> bool:
    """Whether a lone capitalised word between ``before`` and ``after`` modifies a noun: after
    a determiner or an adjective and before a word that is not a stop word ("which Greek
    historian", "the usual Latin-letter title"; not "Trump and Carney meet", "did Musk say",
    "from Spain drew")."""
    if not after[:1].islower() or after.lower() in STOPWORDS:
        return False
    before = before.lower()
    return before in _DETERMINERS or (
        before[:1].islower() and before not in STOPWORDS and before not in _PREPOSITIONS
    )


def unknown(
    question: str, dfs: Callable[[Sequence[str]], dict[str, int]], near: Iterable[str] = ()
) -> list[str]:
    """The names of ``question`` (as written) that no chunk holds; ``dfs`` gives the
    document frequency of terms (a snapshot's :meth:`~index.storage.snapshot.Snapshot.dfs`),
    ``near`` the passages found for it (their sentences), where a slip's right spelling is."""
    found = names(question)
    missing = _unheld({w for _, checked in found for w in checked}, dfs)
    if missing:  # a slip, an accent, an abbreviation or two words run together, against the passages
        close = set(_spellings(near))
        missing = {w for w in missing if not _close(_plain(w), close)}
    out = [name for name, checked in found if any(w in missing for w in checked)]
    return _not_known_as(out, dfs) if out else out


def _not_known_as(unheld: list[str], dfs: Callable[[Sequence[str]], dict[str, int]]) -> list[str]:
    """Those of ``unheld`` (names as written) that no chunk holds under another of their
    country's names either ("Spain" is held by "Spanish", "America" by "United States")."""
    table = _countries()
    other = {name: table.get(_key(name), ()) for name in unheld}
    terms = sorted({t for forms in other.values() for form in forms for t in form})
    if not terms:
        return unheld
    df = dfs(terms)
    return [n for n in unheld if not any(all(df.get(t, 0) > 0 for t in form) for form in other[n])]


def _key(name: str) -> str:
    return " ".join(w for w in _PART.findall(name.lower()) if w != "the")


@lru_cache(maxsize=1)
def _countries() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Each form of a country's name in ``qa/data/countries.txt`` (lower case) -> the terms
    of its other forms."""
    text = resources.files("qa.data").joinpath("countries.txt").read_text(encoding="utf-8")
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        forms = [f.strip() for f in line.split("|")]
        for form in forms:
            out[_key(form)] = tuple(tuple(tokenize(f)) for f in forms if f != form)
    return out


def _unheld(words: Iterable[str], dfs: Callable[[Sequence[str]], dict[str, int]]) -> set[str]:
    """Those of ``words`` with a term no chunk holds (one read for all their terms)."""
    stems = {w: tokenize(w) for w in words}
    if not stems:
        return set()
    df = dfs(sorted({t for ts in stems.values() for t in ts}))
    return {w for w, ts in stems.items() if not all(df.get(t, 0) > 0 for t in ts)}


def _spellings(near: Iterable[str]) -> dict[str, str]:
    """Every word of ``near`` (sentences) as written, by its lower-case, unaccented form."""
    out: dict[str, str] = {}
    for sentence in near:
        for w in _PART.findall(sentence):
            out.setdefault(_plain(w.lower()), w)
    return out


def _plain(term: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))


def _close(term: str, words: set[str]) -> bool:
    """Whether one of ``words`` is ``term`` but for one letter (dropped, added, changed,
    swapped with the next, or moved) or begins with it ("Sept": "september"), or two of
    them run together make ``term``."""
    if term in words or any(w.startswith(term) for w in words):
        return True
    if any(_slip(term, w) for w in words):
        return True
    return any(term[:i] in words and term[i:] in words for i in range(3, len(term) - 2))


def _slip(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or not a or not b:
        return False
    if len(a) != len(b):  # one letter dropped or added
        short, long = (a, b) if len(a) < len(b) else (b, a)
        return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) <= 1:  # one letter changed
        return True
    if sorted(a) != sorted(b):
        return False
    n = len(a)  # one letter moved: "ghengis", "genghis"
    return any(a[i] == b[j] and a[:i] + a[i + 1 :] == b[:j] + b[j + 1 :] for i in range(n) for j in range(n))


def respell(
    say: SayQuestion, dfs: Callable[[Sequence[str]], dict[str, int]], near: Sequence[str]
) -> SayQuestion:
    """``say`` with each capitalised word of its speaker and topic that no chunk holds but
    ``near`` (the passages' sentences) holds with a slip, as :func:`unknown` forgives it,
    spelled as ``near`` has it: "What did Carny say about ...?" is about Carney when the
    passages quote Carney. A word some chunk holds is left as asked ("Marsh" is not "March")."""
    words = {w for text in (say.speaker, say.topic or "") for w in _PART.findall(text)}
    absent = _unheld((w for w in words if len(w) >= MIN_CHARS and w[:1].isupper()), dfs)
    if not absent:
        return say
    held = _spellings(near)

    def fix(m: re.Match[str]) -> str:
        word = m.group()
        if word not in absent:
            return word
        plain = _plain(word.lower())
        found = [w for p, w in held.items() if p[:1] == plain[:1] and _slip(plain, p)]
        return found[0] if len(found) == 1 and found[0][:1].isupper() else word

    topic = _PART.sub(fix, say.topic) if say.topic else None
    return SayQuestion(_PART.sub(fix, say.speaker), topic)
