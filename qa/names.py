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
articles may spell them out), a day, a month or a compass point, a word of under four
letters once stemmed, an adjective of nationality before a lower-case word ("the
American president": the articles say "U.S."), or a lone capitalised word that modifies
a noun after a determiner or an adjective ("Which Greek historian ...?", "the usual
Latin-letter title": the articles may say "Thucydides" and "Roman numerals"). A question
in title case or capitals (a stop word capitalised after the first word: "What Did Trump
Say?") is not checked.

A name is held when some chunk holds it, holds it without or with one accent, holds a
word one letter away (a slip: "Goverment", "Karistadt") or with one letter moved
("Ghengis", "Ghandi"), or holds the two words it runs together ("Superbowl"). A question
with a name no chunk holds is declined, and the note names it (:func:`qa.compose.compose`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from index import tokenize
from index.text.terms import STOPWORDS

_WORD = re.compile(r"[^\W_][\w'’.&-]*")
_NOT_NAMES = frozenset(
    """north south east west northern southern eastern western central monday tuesday wednesday
    thursday friday saturday sunday january february march april may june july august september
    october november december""".split()
)
_DETERMINERS = frozenset(
    "a an the which what whose his her its their our my your this that these those".split()
)
_PREPOSITIONS = frozenset(
    """about above across after against along among around before behind below beneath beside
    between beyond by during from inside near off outside over past since through toward towards
    under until upon via within without""".split()
)
_NATIONALITY = re.compile(r"(?:an|ian|ese|ish|i)$")  # "American", "Chinese", "British", "Israeli"
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789àáâäãåçčćéèêëěíìîïñńóòôöõøřšśúùûüůýÿžźżł"
MIN_CHARS = 4  # shorter stems are not checked: too many words lie one letter from them


def names(question: str) -> list[tuple[str, list[str]]]:
    """The names ``question`` uses, each as written (a run of capitalised words: "United
    Kingdom") with the terms of its words that are checked (see the module doc)."""
    words = list(_WORD.finditer(question))
    capital = [w.group()[:1].isupper() for w in words]
    if any(c and w.group().lower() in STOPWORDS for w, c in zip(words[1:], capital[1:], strict=True)):
        return []  # title case or capitals: "What Did Trump Say About Dairy?"
    out: list[tuple[str, list[str]]] = []
    run: list[str] = []
    checked: list[str] = []
    for i, w in enumerate(words):
        text = re.sub(r"['’]s$", "", w.group().rstrip(".'’"))
        if i == 0 or not capital[i] or text == "I":
            if run and checked:
                out.append((" ".join(run), checked))
            run, checked = [], []
            continue
        run.append(text)
        after = words[i + 1].group() if i + 1 < len(words) else ""
        lower = text.lower()
        modifier = len(run) == 1 and _describes(words[i - 1].group(), after)
        if (
            (text.isupper() and len(text) <= 4)
            or lower in _NOT_NAMES
            or (_NATIONALITY.search(lower) and after[:1].islower())
            or modifier  # "Which Greek historian ...?", "the usual Latin-letter title": the article may
        ):  # say "Thucydides" and "Roman numerals"
            continue
        checked += [t for t in tokenize(text) if len(t) >= MIN_CHARS]
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


def unknown(question: str, dfs: Callable[[Sequence[str]], dict[str, int]]) -> list[str]:
    """The names of ``question`` (as written) that no chunk holds; ``dfs`` gives the
    document frequency of terms (a snapshot's :meth:`~index.storage.snapshot.Snapshot.dfs`)."""
    found = names(question)
    terms = sorted({t for _, checked in found for t in checked})
    if not terms:
        return []
    held = {t for t, n in dfs(terms).items() if n > 0}
    missing = [t for t in terms if t not in held]
    if missing:  # a slip or an accent: one read for every word one letter away
        near = {t: _near(t) for t in missing}
        seen = dfs(sorted(set().union(*near.values())))
        held |= {t for t in missing if any(seen.get(v, 0) > 0 for v in near[t])}
        held |= {t for t in missing if _joined(t, seen)}
    return [name for name, checked in found if any(t not in held for t in checked)]


def _near(term: str) -> set[str]:
    """Words one letter from ``term`` (dropped, swapped, changed, added), its unaccented
    form, and the halves it may run together (for :func:`_joined`)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))
    cuts = [(term[:i], term[i:]) for i in range(len(term) + 1)]
    out = {plain}
    out |= {a + b[1:] for a, b in cuts if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
    out |= {a + c + b[1:] for a, b in cuts if b for c in _LETTERS}
    out |= {a + c + b for a, b in cuts for c in _LETTERS}
    dropped = ((term[:i] + term[i + 1 :], term[i]) for i in range(len(term)))  # one letter moved:
    out |= {rest[:j] + c + rest[j:] for rest, c in dropped for j in range(len(term))}  # "ghengis"
    out |= {half for i in range(3, len(term) - 2) for half in _halves(term, i)}
    return out


def _halves(term: str, i: int) -> tuple[str, str]:
    """``term`` cut at ``i``, each half as the tokenizer would keep it."""
    left, right = tokenize(term[:i]), tokenize(term[i:])
    return (left[0] if left else term[:i], right[0] if right else term[i:])


def _joined(term: str, seen: dict[str, int]) -> bool:
    """Whether ``term`` runs two held words together ("superbowl": "super", "bowl")."""
    return any(all(seen.get(h, 0) > 0 for h in _halves(term, i)) for i in range(3, len(term) - 2))
