"""qa.names: the names a question uses, and which of them no indexed chunk holds."""

from __future__ import annotations

from collections.abc import Sequence

from index import tokenize
from qa.names import names, unknown

ARTICLE = """Canadian Prime Minister Mark Carney met U.S. President Donald Trump at the White House
on Tuesday. The Super Bowl champions visited too. The Gospić delegation and the government of
Warsaw sent letters. Karlstadt wrote about the USMCA and Genghis Khan."""


def _dfs(text: str):
    held = set(tokenize(text))
    reads: list[int] = []

    def dfs(terms: Sequence[str]) -> dict[str, int]:
        reads.append(len(terms))
        return {t: int(t in held) for t in terms}

    return dfs, reads


def test_names_are_capitalised_words_after_the_first_less_what_an_article_may_say_otherwise():
    uk = [("United Kingdom", ["unit", "kingdom"])]
    assert names("Who is the prime minister of the United Kingdom?") == uk
    assert names("Who will host the next Olympics?") == [("Olympics", ["olymp"])]
    met = [("Trump", ["trump"]), ("Carney", ["carney"])]
    assert names("Where did Trump and Carney meet on Tuesday in June?") == met
    # abbreviations, nationalities before a lower-case word, compass points, short words: not checked
    assert names("How did the American president describe the US and the CEO?") == []
    assert names("Which Asian country might he visit?") == []
    games = [("North Korea", ["korea"]), ("Asian Games", ["asian", "game"])]
    assert names("Is North Korea in the Asian Games?") == games
    assert names("What did Lev say?") == []
    assert names("What Did Trump Say About Dairy?") == []  # title case: every word would count
    # a lone capital modifying a noun after a determiner or an adjective: the article may say it otherwise
    assert names("Which Greek historian wrote first about immunity?") == []
    assert names("Why did the league skip the usual Latin-letter title?") == []
    assert names("What did Musk say about cars?") == [("Musk", ["musk"])]  # a name before a verb
    assert names("Which architect from Spain drew the plans?") == [("Spain", ["spain"])]


def test_unknown_names_are_those_no_chunk_holds_allowing_slips_accents_and_run_together_words():
    dfs, reads = _dfs(ARTICLE)
    assert unknown("What did Trump say to Carney at the White House?", dfs) == []
    assert reads == [4]  # every name's terms in one read, and nothing more when all are held
    assert unknown("Who is the prime minister of the United Kingdom?", dfs) == ["United Kingdom"]
    assert unknown("Who won the next Olympics in Paris?", dfs) == ["Olympics", "Paris"]
    assert unknown("What did Karistadt write?", dfs) == []  # one letter off "Karlstadt"
    assert unknown("Who runs the Gospic delegation?", dfs) == []  # "Gospić" without its accent
    assert unknown("Who won the Superbowl?", dfs) == []  # "Super Bowl" run together
    assert unknown("What did the Goverment of Warsaw send?", dfs) == []
    assert unknown("What did the Government of Krakow send?", dfs) == ["Krakow"]
    assert unknown("What did Karsltadt write about Ghengis Khan?", dfs) == []  # letters swapped, moved
    assert unknown("What did Ghengis Khan's sons do in Krakow?", dfs) == ["Krakow"]
    assert unknown("What did Oleg Khan's sons do?", dfs) == ["Oleg Khan"]  # as written, less the 's
