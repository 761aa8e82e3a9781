"""qa.names: the names a question uses, and which of them no indexed chunk holds."""

from __future__ import annotations

from collections.abc import Sequence

from index import tokenize
from qa.names import names, respell, unknown
from qa.quotes import SayQuestion

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
    uk = [("the United Kingdom", ["united", "kingdom"])]  # as the question says it
    assert names("Who is the prime minister of the United Kingdom?") == uk
    assert names("Who will host the next Olympics?") == [("Olympics", ["olympics"])]
    met = [("Trump", ["trump"]), ("Carney", ["carney"])]
    assert names("Where did Trump and Carney meet on Tuesday in June?") == met
    # abbreviations, nationalities before a lower-case word, compass points, short words: not checked
    assert names("How did the American president describe the US and the CEO?") == []
    assert names("Which Asian country might he visit?") == []
    games = [("North Korea", ["korea"]), ("the Asian Games", ["asian", "games"])]
    assert names("Is North Korea in the Asian Games?") == games
    assert names("What did Lev say?") == []
    assert names("What Did Trump Say About Dairy?") == []  # title case: every word would count
    # a title before a name is not checked: the article may write "Sen. Smith" or "the senator"
    assert names("Why did Senator Smith vote no?") == [("Senator Smith", ["smith"])]
    # one list of titles with qa.quotes: "Envoy" and "Spokeswoman" are titles here too
    assert names("Why did Envoy Witkoff fly to Doha?") == [("Envoy Witkoff", ["witkoff"]), ("Doha", ["doha"])]
    assert names("What did Spokeswoman Leavitt confirm?") == [("Spokeswoman Leavitt", ["leavitt"])]
    # a nationality before a lower-case word, as qa.quotes reads one: with or without a suffix
    assert names("Why are Chinese exporters worried?") == names("What did French officials say?") == []
    assert names("Who is the Mayor?") == [("the Mayor", ["mayor"])]  # no name after it: checked
    assert names("What rate has the Bank of Canada set?") == [("the Bank of Canada", ["bank", "canada"])]
    # a lone capital modifying a noun after a determiner or an adjective: the article may say it otherwise
    assert names("Which Greek historian wrote first about immunity?") == []
    assert names("Why did the league skip the usual Latin-letter title?") == []
    assert names("What did Musk say about cars?") == [("Musk", ["musk"])]  # a name before a verb
    assert names("Which architect from Spain drew the plans?") == [("Spain", ["spain"])]


def test_unknown_names_are_those_no_chunk_holds_allowing_slips_accents_and_run_together_words():
    dfs, reads = _dfs(ARTICLE)
    near = ARTICLE.split(". ")  # the sentences of the passages found for the question
    assert unknown("What did Trump say to Carney at the White House?", dfs, near) == []
    assert reads == [4]  # every name's terms in one read
    assert unknown("Who is the prime minister of the United Kingdom?", dfs, near) == ["the United Kingdom"]
    assert unknown("Who won the next Olympics in Paris?", dfs, near) == ["Olympics", "Paris"]
    # a slip's right spelling is in the passages the question's other words found
    assert unknown("What did Karistadt write?", dfs, near) == []  # one letter off "Karlstadt"
    assert unknown("What did Karistadt write?", dfs) == ["Karistadt"]  # not found: not forgiven
    assert unknown("Who runs the Gospic delegation?", dfs, near) == []  # "Gospić" without its accent
    assert unknown("Who won the Superbowl?", dfs, near) == []  # "Super Bowl" run together
    assert unknown("What did the Goverment of Warsaw send?", dfs, near) == []
    assert unknown("What did the Government of Krakow send?", dfs, near) == ["the Government of Krakow"]
    assert unknown("What did Karsltadt write about Ghengis Khan?", dfs, near) == []  # swapped, moved
    assert unknown("What did Ghengis Khan's sons do in Krakow?", dfs, near) == ["Krakow"]
    assert unknown("What did Oleg Khan's sons do?", dfs, near) == ["Oleg Khan"]  # as written, less the 's
    dome = [*near, "The Mercedes-Benz Superdome opened in September."]
    assert unknown("Where was the Merceds-Benz Superdome in Sept?", dfs, dome) == []  # a slip, a short form


def test_a_country_is_held_by_another_of_its_names():
    dfs, reads = _dfs(ARTICLE)  # "Canadian", "U.S.", no "United States", no "Canada"
    assert unknown("Why does Canada want a deal?", dfs) == []  # the article's "Canadian"
    assert unknown("Why does America want a deal?", dfs) == ["America"]  # "U.S." alone is no term
    dfs, reads = _dfs("The Spanish architect met officials of the United States and the UK.")
    assert unknown("Which architect from Spain met the Americans?", dfs) == []
    assert unknown("Why does America want a deal with Britain?", dfs) == []
    assert unknown("Why does France want a deal with the United Kingdom?", dfs) == ["France"]
    assert reads[-1] > 1  # the other names' terms, in one more read


def test_a_slip_in_a_say_question_is_spelled_as_the_passages_have_it():
    near = ["Trump called Carney a world-class leader.", "The gust helped him in March.", "Carney smiled."]
    dfs, _ = _dfs(" ".join(near) + " Helena Marsh spoke.")
    say = respell(SayQuestion("Carny", "the Carnye visit"), dfs, near)
    assert say == SayQuestion("Carney", "the Carney visit")
    assert respell(SayQuestion("Trudeau", None), dfs, near).speaker == "Trudeau"  # nothing close: as asked
    marsh = SayQuestion("Helena Marsh", None)
    assert respell(marsh, dfs, near) == marsh  # the index holds Marsh: not "March"
    assert respell(SayQuestion("Trump", "the just rules"), dfs, near).topic == "the just rules"  # lower case
    assert respell(SayQuestion("Karney", None), dfs, near).speaker == "Karney"  # the first letter is kept
