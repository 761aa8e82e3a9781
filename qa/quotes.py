"""Who says what: 'What did X say about Y?' questions, and the speaker of a quote.

A quote's speaker is the person next to its speech verb outside the quotation
marks: before it ("Trump told reporters", "Ines Varga, the chief volcanologist,
said") or after it ("said Carney"). A pronoun there ("..., he said") is the
speaker of the sentence before, or the first person it names. Names inside the
quotation marks, and people the sentence is about ("Trump called Carney a
'tough negotiator'"), are not speakers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.words import DETERMINERS, ROLE_TITLES, is_nationality

# the articles themselves, as a reader names them: "the article", "this story", "the news piece"
# (not "the report" or "sources": news quotes those, "the report said ...")
DOCUMENT = re.compile(
    r"(?:the|this|that|these|those|your)\s+(?:news\s+)?(?:articles?|stor(?:y|ies)|pieces?|texts?"
    r"|passages?|documents?|coverage|author|writer)",
    re.IGNORECASE,
)
_SAY_QUESTION = re.compile(
    r"^\s*(?:and\s+|so\s+|but\s+)?what\s+"
    r"(?:(?:did|does|do|has|have|had)\s+(?P<who>.+?)\s+"
    r"(?:say|said|tell|told|state|stated|think|thought|claim|claimed|mean|argue|argued|"
    r"announce|announced|promise|promised|reply|replied|respond|responded)"
    r"|(?:was|is|were|are)\s+(?P<who2>.+?)\s+(?:saying|telling|thinking|claiming|arguing|announcing))"
    r"(?:\s+(?:about|on|of|regarding|concerning|to)\s+(?P<topic>.+?)"
    r"|\s+(?:at|during|after|before|while|when)\s+(?P<occasion>.+?))?\s*[?.!]*\s*$",  # when, not what
    re.IGNORECASE,
)
# "How did Ruiz explain the delay?": his words, as "What did he say?" ("How did Luther describe
# the university?" is not: what he is said to have called it, often no quote of his)
_HOW_SAY_QUESTION = re.compile(
    r"^\s*(?:and\s+|so\s+|but\s+)?how\s+(?:did|does|do|has|have|had|would|will)\s+(?P<who>.+?)\s+"
    r"(?:explain|justify|defend)"
    r"(?:\s+(?P<topic>.+?))?\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_SPEECH_WORDS = (
    "said|says|say|saying|told|tells|stated|states|added|adds|noted|notes|emphasi[sz]ed|stressed|"
    "explained|insisted|warned|argued|declared|remarked|asked|replied|responded|announced|"
    "acknowledged|admitted|claimed|wrote|continued|called|calling|noting|describing|described|"
    "confirmed|confirms|urged|urges|pledged|pledges|vowed|vows|promised|promises|predicted|predicts"
)
_SPEECH = re.compile(rf"\b(?:{_SPEECH_WORDS}|according to)\b", re.IGNORECASE)
_QUOTE = re.compile('[\u201c\u201d"]')
_QUOTED = re.compile('\u201c[^\u201d]*\u201d|"[^"]*"')
_PRONOUNS = {"he", "she", "they"}
_NAME_WORD = re.compile(r"[A-Z][\w.\u2019'-]*")
_LINKS = frozenset("of for from to with".split())  # "the head of the library": not a role's word
_QUALIFIES = frozenset("of on in at from for with".split())  # "the mayor of Ashvale": a role's qualifier
_OPENERS = frozenset(
    "the u.s. us a an in on at but and so then when while after before earlier later".split()
)
_TITLES = ROLE_TITLES | _OPENERS
# A nationality before a role ("Japanese Ambassador Kenji Sato", "said Kenyan diplomat Amina
# Mohamed") is not a name (see :func:`_is_demonym`).
# Words that start a clause or a phrase, not a role: "said in a statement that ...".
_CLAUSE = frozenset(
    """that in on at to of for with from by after before during when while as if it he she they we
    i you was is were are would will could should had has have this these those there then so but
    and or not no""".split()
)
_WINDOW = 6  # words between a speaker and the speech verb, at most ("Varga, the chief volcanologist, said")


@dataclass(frozen=True)
class SayQuestion:
    speaker: str
    topic: str | None

    @property
    def speaker_names(self) -> list[str]:
        """Words that name the speaker in text: 'President Donald Trump' -> Donald, Trump."""
        words = [re.sub(r"['\u2019]s$", "", w).strip(".,'\u2019") for w in self.speaker.split()]
        words = [w for w in words if w]
        named = [w for w in words if w.lower() not in _TITLES]
        people = [w for i, w in enumerate(words) if w in named and not _is_demonym(words, i)]
        return people or named or words

    @property
    def role_words(self) -> list[str]:
        """For a speaker named by role alone ("the mayor", "the race director", "the shop
        owner on Gull Island": no capitalised word before a preposition, and a determiner, a
        possessive or a title among its words), the role's words (["race", "director"],
        ["shop", "owner", "gull", "island"]); else [] ("trump", a name typed in lower case)."""
        head, rest = self._role_parts()
        return [*head, *rest]

    @property
    def role_head(self) -> list[str]:
        """The words of :attr:`role_words` before a preposition (["shop", "owner"])."""
        return self._role_parts()[0]

    def _role_parts(self) -> tuple[list[str], list[str]]:
        raw = self.speaker.split()
        words = [re.sub(r"['\u2019]s$", "", w).strip(".,'\u2019") for w in raw]
        at = next((i for i, w in enumerate(words) if i and w.lower() in _QUALIFIES), len(words))
        # a capitalised word names someone, but for a nationality before a role ("the Canadian
        # prime minister": whoever the passages introduce as such) and the place or body after
        # a preposition ("the mayor of Ashvale")
        if not words or any(_is_cap(w) and not _is_demonym(words, i) for i, w in enumerate(words[:at]) if w):
            return [], []
        lower = [w.lower() for w in words]
        if not (lower[0] in DETERMINERS or any(re.search(r"['\u2019]s?$", w) for w in raw[:at])
                or any(w in ROLE_TITLES for w in lower[:at])):  # fmt: skip
            return [], []

        def kept(part: list[str]) -> list[str]:
            return [w for w in part if w and w not in _OPENERS and w not in _LINKS and w not in _QUALIFIES]

        return kept(lower[:at]), kept(lower[at:])


def is_role(phrase: str) -> bool:
    """Whether a phrase names someone by a role ("the mayor", "the White House spokeswoman")."""
    return any(w.lower().strip(".,") in ROLE_TITLES for w in phrase.split())


def introduced_as(sentence: str, speaker: str, who: str) -> bool:
    """Whether ``sentence`` introduces its speaker ``who`` with every word a question used
    for a speaker it names by a role: just before the name ("White House spokeswoman
    Karoline Leavitt confirmed ...") or after it between commas ("Leavitt, the White House
    spokeswoman, said"). False when those words hold no role ("Trump")."""
    words = [re.sub(r"['\u2019]s$", "", w).strip(".,'\u2019") for w in speaker.split()]
    words = [w for w in words if w and w.lower() not in _OPENERS]
    at = sentence.find(who)
    if at < 0 or not any(w.lower() in ROLE_TITLES for w in words):
        return False
    before = " ".join(sentence[:at].split()[-_WINDOW:])
    rest = sentence[at + len(who) :]
    after = rest.split(",")[1] if rest.startswith(",") else ""  # "Kowalczyk, president of ...[,.]"
    return has_words(before, words) or has_words(after, words)


def named_as(sentence: str, role: Sequence[str]) -> str | None:
    """The person ``sentence`` introduces with every word of ``role`` right before or in
    their name ("Canadian Prime Minister Mark Carney paid ..." -> "Mark Carney" for the
    Canadian prime minister; "White House spokeswoman Karoline Leavitt" -> "Karoline
    Leavitt"), None if it introduces nobody so."""
    words = sentence.split()
    for a, b in _runs(words):
        name = _name_of(_clean(words[a:b]))
        j = a  # the role's words before the name: up to four, no punctuation or clause word between
        while j > 0 and a - j < 4 and words[j - 1][-1:].isalnum() and words[j - 1].lower() not in _CLAUSE:
            j -= 1
        if name and has_words(" ".join(words[j:b]), role):
            return name
    return None


def has_words(sentence: str, words: Sequence[str]) -> bool:
    """Whether every one of ``words`` starts a word of ``sentence`` ("mayor" in "Mayor's"); a
    word for whoever leads ("leader", "head", "chief", "president", "chair" ...) or speaks
    for a body is met by any other of its group ("the metalworkers' leader" is "president of
    the Great Lakes Metalworkers Council")."""
    return bool(words) and all(
        any(re.search(rf"\b{re.escape(kin)}", sentence, re.IGNORECASE) for kin in _KIN.get(w.lower(), (w,)))
        for w in words
    )


_LEADS = ("leader", "head", "chief", "president", "chair", "director", "boss")
_SPEAKS = ("spokesman", "spokeswoman", "spokesperson")
_KIN = {w: group for group in (_LEADS, _SPEAKS) for w in group} | {"chairman": _LEADS, "chairwoman": _LEADS}


def parse_say_question(question: str) -> SayQuestion | None:
    m = _SAY_QUESTION.match(question) or _HOW_SAY_QUESTION.match(question)
    if m is None:
        return None
    who = (m.group("who") or m.groupdict().get("who2") or "").strip()
    who = re.sub(r"\bPMs?\b", "prime minister", who)  # "the PM": news writes the title out
    if who.lower() in {"you", "i", "we", "it", "this", "that", "they"} or DOCUMENT.fullmatch(who):
        return None  # "What does the article say ...?" asks what is in the articles, not whose words
    topic = (m.group("topic") or "").strip() or None
    return SayQuestion(who, topic)


def names_speaker(sentence: str, names: list[str]) -> bool:
    return any(re.search(rf"\b{re.escape(n)}\b", sentence, re.IGNORECASE) for n in names)


def is_quote(sentence: str) -> bool:
    """A sentence with quotation marks and a speech verb."""
    return bool(_QUOTE.search(sentence)) and bool(_SPEECH.search(sentence))


def unquoted(sentence: str) -> str:
    """The sentence with what is inside quotation marks blanked out (also a quote
    opened in an earlier sentence or closed in a later one)."""
    out = _QUOTED.sub(" \u2026 ", sentence)
    close = min((i for i in (out.find("\u201d"), out.find('"')) if i >= 0), default=-1)
    opened = out.rfind("\u201c")
    if close >= 0 and (opened < 0 or opened > close):
        out = " \u2026 " + out[close + 1 :]
    opened = out.rfind("\u201c")
    if opened >= 0 and "\u201d" not in out[opened:]:
        out = out[:opened] + " \u2026 "
    return out


def _is_cap(word: str) -> bool:
    return bool(_NAME_WORD.fullmatch(word))


def _is_demonym(words: Sequence[str], i: int) -> bool:
    """``words[i]`` is a nationality before a role: "Japanese" in "Japanese Ambassador
    Kenji Sato" or "Kenyan diplomat Amina Mohamed" (not "Brian" in "Brian Jones")."""
    word = _bare(words[i])
    if not is_nationality(word) or i + 1 >= len(words):
        return False
    role = _bare(words[i + 1])
    lower = role.lower()
    return lower in ROLE_TITLES or (role.isalpha() and role.islower() and lower not in _CLAUSE | _OPENERS)


def _nationality_run(words: Sequence[str], a: int, b: int) -> bool:
    """The run ``words[a:b]`` is only nationalities before a role ("the Kenyan diplomat")."""
    return all(_is_demonym(words, i) for i in range(a, b))


def _name_of(run: Sequence[str]) -> str | None:
    """The person a run of capitalised words names: the words after its last title
    ("Canadian Prime Minister Mark Carney" -> "Mark Carney"), None if nothing is left or
    only "I" (a quotation's speaker speaking of himself: 'Now I am neither.')."""
    last = max((i for i, w in enumerate(run) if w.lower() in _TITLES), default=-1)
    rest = run[last + 1 :]
    return " ".join(rest) if rest and list(rest) != ["I"] else None


def _runs(words: Sequence[str]) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of capitalised words (punctuation ends a run)."""
    out, i = [], 0
    while i < len(words):
        if _is_cap(_bare(words[i])):
            j = i
            while j < len(words) and _is_cap(_bare(words[j])):
                j += 1
                if words[j - 1][-1:] in ",;:)" or _bare(words[j - 1]) != words[j - 1].strip(",;:()"):
                    break
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _bare(word: str) -> str:
    """A word without the punctuation around it (the dot of an initial, "J.", stays)."""
    w = word.strip(',;:()!?\u201c\u201d"')
    return w[:-1] if w.endswith(".") and len(w) > 2 and not w[-3:-1].isupper() else w


def _clean(words: Sequence[str]) -> list[str]:
    return [_bare(w) for w in words]


def _name_before(words: Sequence[str]) -> str | None:
    """The subject of a speech verb that follows ``words``: the nearest person named in
    the last few words, or the pronoun right before the verb."""
    if words and _bare(words[-1]).lower() in _PRONOUNS:
        return _bare(words[-1]).lower()
    for a, b in reversed(_runs(words)):
        if len(words) - b > _WINDOW:
            break
        if _nationality_run(words, a, b):
            continue
        name = _name_of(_clean(words[a:b]))
        if name:
            return name
    return None


def _name_after(words: Sequence[str]) -> str | None:
    """A person named right after the speech verb ("said Carney", "said Prime Minister
    Carney", "said cooperative chair Greta Hollis"): a run of capitalised words after at
    most :data:`_WINDOW` lower-case words of a role, none of them a word that starts a clause."""
    for i, word in enumerate(words[: _WINDOW + 1]):
        bare = _bare(word)
        if _is_cap(bare) and _is_demonym(words, i) and bare == word:
            continue  # "said Kenyan diplomat Amina Mohamed": a role follows
        if _is_cap(bare):
            runs = _runs(words[i : i + 5])
            return _name_of(_clean(words[i : i + runs[0][1]])) if runs else None
        apposition = word.endswith(",") and i + 1 < len(words) and _is_cap(_bare(words[i + 1]))
        if bare.lower() in _CLAUSE or not bare.isalpha() or (bare != word.strip("()") and not apposition):
            return None  # "said in a statement that ...", or punctuation: no name follows
    return None


def speaker_of(sentence: str, before: Sequence[str] = (), after: Sequence[str] = ()) -> str | None:
    """Who is quoted in ``sentence`` (a name as written, titles left out), or None.
    ``before`` are the sentences before it, nearest last, for a pronoun's speaker;
    ``after`` those after it, nearest first: a quotation the sentence opens and does not
    close ("“We have natural conflict.") is attributed where it closes ("... each
    other,” he said")."""
    if is_quote(sentence):
        outside = unquoted(sentence)
        for m in _SPEECH.finditer(outside):
            who = _name_before(outside[: m.start()].split()) or _name_after(outside[m.end() :].split())
            if who in _PRONOUNS:
                return _person_in(before)
            if who:
                return who
    if opens_quote(sentence):
        for j, later in enumerate(after[:2]):
            if "\u201d" in later:  # where the quotation closes
                return speaker_of(later, [*before, sentence, *after[:j]])
    if whole_quote(sentence) and before and (is_quote(before[-1]) or whole_quote(before[-1])):
        return speaker_of(before[-1], before[:-1])  # a second quoted sentence: the same speaker
    return None


def whole_quote(sentence: str) -> bool:
    """Whether the sentence is a quotation and nothing else ('"When it hit us in the back
    instead of the face, I knew it was my day."'): the speaker is the one the sentence
    before it quotes."""
    s = sentence.strip()
    return len(s) > 2 and s[0] in "\"\u201c" and s[-1] in "\"\u201d" and len(_QUOTE.findall(s)) == 2


def opens_quote(sentence: str) -> bool:
    """Whether the sentence opens a quotation it does not close (it goes on in the next)."""
    return sentence.count("\u201c") > sentence.count("\u201d")


def missing_marks(sentence: str) -> tuple[str, str]:
    """The quotation marks a sentence lacks when shown alone: the opening mark of a
    quotation it closes but an earlier sentence opened ("... for each other,” he said"),
    and the closing mark of one it opens that a later sentence closes. ('', '') when its
    marks pair up."""
    curly = sentence.count("\u201c") - sentence.count("\u201d")
    if curly:
        return ("\u201c", "") if curly < 0 else ("", "\u201d")
    if sentence.count('"') % 2 == 0:
        return "", ""
    first = sentence.index('"')
    opens = first == 0 or sentence[first - 1].isspace() or sentence[first - 1] in "([\u2014-"
    return ("", '"') if opens else ('"', "")


def reported_speaker(sentence: str) -> str | None:
    """The person next to a speech verb, quoted or not ("Regional transport coordinator
    Pavel Druzhin told reporters the depot ..." -> Pavel Druzhin); None for a pronoun."""
    outside = unquoted(sentence)
    for m in _SPEECH.finditer(outside):
        who = _name_before(outside[: m.start()].split()) or _name_after(outside[m.end() :].split())
        if who and who not in _PRONOUNS:
            return who
    return None


def _person_in(before: Sequence[str]) -> str | None:
    """The speaker of the nearest earlier sentence that has one, or else the first
    person it names outside quotation marks; but a lone capitalised word opening that
    sentence before lower-case words ("Regional transport coordinator Pavel Druzhin told
    reporters ...") gives way to the person next to its speech verb."""
    for i in range(len(before) - 1, -1, -1):
        who = speaker_of(before[i], before[:i])
        if who:
            return who
        words = unquoted(before[i]).split()
        for a, b in _runs(words):
            name = _name_of(_clean(words[a:b]))
            if name:
                opener = a == 0 and b == 1 and b < len(words) and not _is_cap(_bare(words[b]))
                reported = reported_speaker(before[i]) if opener else None
                return reported if reported and name not in reported else name
    return None


def attributed(sentence: str, before: Sequence[str] | str, names: list[str]) -> bool:
    """The sentence quotes the speaker named by ``names`` (by name, or by pronoun
    right after a sentence that names them). ``before``: the sentences before it."""
    earlier = [before] if isinstance(before, str) else list(before)
    who = speaker_of(sentence, earlier)
    return who is not None and names_speaker(who, names)
