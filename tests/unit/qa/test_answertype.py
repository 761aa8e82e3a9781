import pytest

from qa.answertype import answer_type, degree, holds, mentions, place_missing


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did USMCA take effect?", "date"),
        ("In what year was NAFTA signed?", "date"),
        ("How many plants paused work?", "number"),
        ("How long was the library closed?", "length"),
        ("What percentage of exports go to the US?", "number"),
        ("Who confirmed the talks?", "name"),
        ("What did Trump say about USMCA?", None),
        ("On which weekday did the two leaders sit down together?", "date"),
        ("What day of the week was the vote?", "date"),
        ("What happened when it rained?", None),
        ("Which press official from the administration is quoted?", "name"),
        ("In which room did Trump talk to the press?", "place"),
        ("What company did she found?", "name"),
        ("What is the name of the ferry?", "name"),
        ("What did the official say?", None),  # "did" is no part of a name's noun phrase
        ("Which goods face U.S. tariffs?", None),
        ("What does the acronym USMCA stand for?", "expansion"),
        ("What is APEC short for?", "expansion"),
        ("What's USMCA?", "expansion"),  # an acronym alone: what it stands for
        ("What is the IPCC?", "expansion"),
        ("How fast did the fastest woman run?", "length"),  # a time or a speed
        ("How much did the library renovation cost?", "money"),
        ("What was the price of a ferry pass?", "money"),
        ("How much money did the city raise?", "money"),
        ("How much water flows through the dam?", "number"),
        ("What is the population of Gull Island?", "number"),
        ("What rate did Washington set for duties on cars?", "number"),
        ("How much in U.S. goods did Ottawa target?", "money"),
        ("Where did the three countries sign the deal?", "place"),  # a place
        # a word or two before the asked noun: "the tariff rate", "the average cost"
        ("What is the tariff rate on Canadian cars?", "number"),
        ("What was the final score of the game?", "number"),
        ("What is the average cost of a ferry ticket?", "money"),
        ("What is the main reason for the delay?", None),
        ("Which carmaker halted work at its Windsor factory?", "name"),  # a company, a station, a court ...
        ("What radio station carried the game?", "name"),
        ("Why did the volcano alert go up?", "reason"),
        ("What was the reason for the delay?", "reason"),
        ("How much is trade between Canada and the U.S. worth each year?", "money"),  # "U.S." is a word
    ],
)
def test_answer_type(question, kind):
    assert answer_type(question) == kind


def test_holds_checks_the_sentence_for_that_kind():
    assert holds("It took effect on July 1, 2020.", "date")
    assert not holds("It took effect quickly.", "date")
    assert holds("Three plants closed.", "number") and holds("About 77% go south.", "number")
    assert holds("The spokeswoman Karoline Leavitt confirmed it.", "name", "Who confirmed it?")
    assert not holds("It was confirmed by the spokeswoman.", "name", "Who confirmed it?")
    assert not holds("Anything at all.", None)
    assert holds("Carney met Trump on Tuesday.", "date")


def test_an_acronym_is_answered_by_the_sentence_that_spells_it_out():
    q = "What does USMCA stand for?"
    assert holds("They discussed the United States-Mexico-Canada Agreement (USMCA).", "expansion", q)
    assert holds("The USMCA (the United States-Mexico-Canada Agreement) is under review.", "expansion", q)
    assert not holds("He would revisit the USMCA or pursue different deals.", "expansion", q)
    assert not holds("The APEC (Asia-Pacific Economic Cooperation) summit.", "expansion", q)


def test_a_length_is_a_count_of_time_or_distance_units_not_any_number():
    """'How long' wants "just over two years", not the year in "a library for everybody in 2025"."""
    assert holds("The renovation kept it closed for just over two years.", "length")
    assert holds("The new bridge is 42 kilometres long.", "length") and holds("A 10-minute walk.", "length")
    assert holds("Sigrid Holm finished in 2:27:05.", "length") and holds("It sails at 30 km/h.", "length")
    assert not holds("It is for everybody in 2025, she said.", "length")
    assert not holds("The ribbon was cut at 10 a.m. and the ferry sails twice a day.", "length")
    assert not holds("It is for everybody in 2025, she said.", "number")  # a year counts nothing


def test_a_cost_wants_a_sum_of_money_and_a_count_wants_no_year_date_time_or_sum():
    """"How much did the renovation cost?" is answered by "18.4 million dollars", not by the
    sentence with the opening hour or the reopening date; a population is no ferry fare."""
    assert holds("The project cost 18.4 million dollars, most of it paid by the city.", "money")
    assert holds("A season pass costs $240.", "money") and holds("It fetched 40 euros.", "money")
    assert holds("The bill came to 3 billion.", "money")
    assert not holds("The ribbon was cut at 10 a.m. on Saturday, February 15, 2025.", "money")
    assert not holds("Several hundred residents came.", "money")
    assert holds("About 3,200 people live on the island.", "number")
    assert holds("In 2019 the company hired 40 people.", "number")  # the 40, not the year
    assert holds("Several hundred residents lined up before the ribbon was cut at 10 a.m.", "number")
    assert not holds("It reopened on Saturday, February 15, 2025, at 10 a.m.", "number")
    assert not holds("A season pass costs $240.", "number")


def test_how_many_things_is_best_answered_by_a_count_of_those_things():
    """"How many books ...?" wants "about 42,000 books"; "just over two years" counts
    something else (half as good), and a sentence with no count not at all."""
    q = "How many books does the renovated Ashvale library have?"
    assert degree("The library now holds about 42,000 books and an archive.", "number", q) == 1.0
    assert degree("It was closed for just over two years.", "number", q) == 0.5
    assert degree("It reopened on Saturday, February 15, 2025.", "number", q) == 0.0
    q = "How many small quakes were recorded?"
    assert degree("Instruments recorded 340 small earthquakes in a week.", "number", q) == 1.0
    assert degree("Instruments recorded 340 small earthquakes.", "number", "How many were there?") == 1.0
    assert degree("The ferry sails eight times in winter.", "date", "When does it sail?") == 0.0


def test_a_why_question_wants_a_sentence_that_gives_a_cause_or_a_purpose():
    """On the shared SQuAD half, 39% (36 of 93) of the sentences answering a "why" question say
    "because", "due to", "in order to", "amid" ... against 7% of the others."""
    q = "Why did scientists raise the alert on Mount Kessar?"
    cites = "Scientists raised the alert after a swarm of small quakes, citing rising gas."
    assert degree(cites, "reason", q)
    assert degree("The alert was raised because the ground near the crater swelled.", "reason", q) == 1.0
    assert degree("Yellow means the volcano is restless but no eruption is expected.", "reason", q) == 0.0


def test_millions_of_things_are_a_count_and_a_population_wants_people():
    """"1.2 million cars" counts cars (it was blanked as a sum of money, so a "How many"
    question found no count in it); a bare "4 million" or "3 billion" stays a sum."""
    assert holds("Canada exports 1.2 million cars a year.", "number")
    assert not holds("Canada exports 1.2 million cars a year.", "money")
    assert holds("The team raised 4 million in funding.", "money")
    assert not holds("The deal is worth 3 billion.", "number")
    q = "What is the population of Gull Island?"
    assert degree("About 1,400 people live on Gull Island all year.", "number", q) == 1.0
    assert degree("The crossing takes 25 minutes.", "number", q) == 0.5  # a count of something else


def test_how_tall_deep_or_far_wants_a_length_with_its_unit():
    """"How tall was the tower?" is answered by "187 feet", not by the year it was built."""
    assert answer_type("How tall is Mount Kessar?") == "length"
    assert answer_type("How far is Jacksonville from Miami?") == "length"
    assert answer_type("What was the height of the tower?") == "length"
    assert answer_type("How far back does the pharmacy date?") == "number"  # a year
    assert answer_type("How far had the city's population fallen by 1945?") == "number"  # a share
    assert answer_type("How high are the tariffs on steel?") == "number"  # a rate, or a height
    q = "How tall was the tower?"
    assert degree("The tower was 187 feet tall when it was finished.", "length", q) == 1.0
    assert degree("Bank of America Tower stands 617 ft.", "length", q) == 1.0
    assert degree("The tower was finished in 1901.", "length", q) == 0.0


def test_a_name_is_one_the_question_does_not_already_give_and_no_weekday():
    """"Who is in charge of the Ashvale library?" was answered at 0.93 by the sentence
    "The Ashvale Central Library opened ... on Saturday, February 15": neither is a name
    that answers it."""
    q = "Who is in charge of the Ashvale library?"
    opened = "The Ashvale Central Library opened its doors again on Saturday, February 15."
    assert not holds(opened, "name", q)
    assert holds('"It is for everybody," said head librarian Odile Brandt.', "name", q)
    assert holds("Canadian Prime Minister Mark Carney paid a visit.", "name", "Who is Carney?")


def test_how_many_people_is_met_by_a_count_of_passengers_runners_or_workers():
    q = "How many people can ride the new Gull Island boat at once?"
    assert degree("It carries up to 220 passengers and 40 cars.", "number", q) == 1.0
    assert degree("Until now, islanders faced a crossing that ran four times a day.", "number", q) == 0.5
    q = "How many kids were on the winning robotics team?"
    assert degree("A team of six students from Linden Ridge High School won.", "number", q) == 1.0
    assert degree("Their robot beat entries from 27 other schools.", "number", q) == 0.5


def test_a_sentence_may_open_with_the_name_it_gives():
    """"Stellantis paused production ..." names the carmaker in its first word, which is
    capitalised as every first word is: a word rare in English is taken for a name there."""
    q = "Which automaker halted production at its Windsor plant?"
    assert holds("Stellantis paused production at its Windsor assembly plant in April.", "name", q)
    assert not holds("Several hundred residents lined up before the ribbon was cut.", "name", "Who lined up?")
    q = "Who confirmed that trade was the main topic of the meeting?"
    liked = '"From the beginning, I liked him, and we\'ve had a good relationship," the president said.'
    assert not holds(liked, "name", q)  # a quotation's first word is capitalised as any first word
    conflict = "Trump said, \u201cWe have natural conflict.\u201d"
    assert not holds(conflict, "name", "Who said what about Trump?")
    assert holds('"We wanted a ferry," said Lena Castellanos.', "name", q)


def test_a_place_is_best_given_after_a_preposition_of_place():
    """"In which room did the press see the two leaders?" was answered with the press
    secretary's name; the room is "in the Oval Office"."""
    q = "In which room did the press see the two leaders together?"
    assert answer_type(q) == answer_type("Where is he from?") == "place"
    assert degree("Reporters gathered in the Oval Office, with Carney beside him.", "place", q) == 1.0
    assert degree("According to press secretary Karoline Leavitt, trade was central.", "place", q) == 0.5
    assert degree("The two leaders talked for an hour.", "place", q) == 0.0
    q = "Where is Amarasekera from?"
    dunmore = "Amarasekera, a schoolteacher from the inland town of Dunmore, pulled away."
    assert degree(dunmore, "place", q) == 1.0
    # "to" says where someone goes: the answer to where they go, not to where they met
    trip = "Trump is considering a visit to South Korea later this month."
    assert degree(trip, "place", "Where did the two leaders meet?") == 0.5
    assert degree(trip, "place", "Where might Trump travel next?") == 1.0
    works = "He was hired by Edison to work at his Edison Machine Works."  # "at" inside "to work at"
    assert degree(works, "place", "Where did Tesla begin working?") == 1.0


def test_mentions_reads_a_kind_loosely():
    assert mentions("The fare rises to four dollars.", "number")  # a sum answers "How much ...?"
    assert mentions("It opened in 1994.", "length") and not mentions("It opened long ago.", "number")
    assert mentions("It opened on a Monday.", "date") and not mentions("It opened at last.", "date")


def test_a_count_of_things_is_not_met_by_a_share_or_a_year():
    q = "How many jobs have the tariffs cost?"
    assert not mentions("More than 77% of exports go south, and tariffs weigh on jobs.", "number", q)
    assert not mentions("Tariffs have cost jobs since 2018.", "number", q)
    assert mentions("Tariffs have cost 4,000 jobs since 2018.", "number", q)
    assert mentions("More than 77% of exports go south.", "number", "How many of the exports go south?")
    assert mentions("More than 77% of exports go south.", "number", "How much of the trade goes south?")


def test_a_count_of_things_is_not_met_by_a_sum_of_money():
    # "How many people live on Gull Island?" (the demo articles do not say) had been a sure
    # answer at 0.64 with the monthly pass's price
    q = "How many people live on Gull Island?"
    assert not mentions("Residents of Gull Island can buy a monthly pass for 95 dollars.", "number", q)
    assert mentions("About 1,200 people live on Gull Island.", "number", q)
    assert mentions("The pass costs 95 dollars.", "number", "How much does the pass cost?")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What time did the library open?", "time"),
        ("At what hour will the library close on weekdays?", "time"),
        ("Between what times does the show air?", "time"),
        ("In what time frame did the war happen?", None),  # a span of years, no clock
        ("What time period does the exhibit cover?", None),
        ("When did the library open?", "date"),
    ],
)
def test_a_time_of_day_is_its_own_kind(question, kind):
    assert answer_type(question) == kind


def test_a_time_of_day_is_a_clock_time_not_a_date_or_a_race_time():
    assert holds("The ribbon was cut at 10 a.m.", "time")
    assert holds("Tesla dined at exactly 8:10 p.m.", "time") and holds("MSPs vote at 5 pm.", "time")
    assert holds("The shop closes at noon.", "time")
    assert not holds("The library opened on Saturday, February 15, 2025.", "time")
    assert not holds("Holm finished in 2:27:05.", "time")  # a length of time
    q = "What time did the library open?"
    assert degree("It opened at 10 a.m. sharp.", "time", q) == 1.0
    assert degree("It opened on Saturday, February 15.", "time", q) == 0.0
    assert mentions("They arrived in the evening.", "time", q)
    assert not mentions("They arrived in 2025.", "time", q)


def test_a_clock_time_answers_when():
    """"When does the first boat leave?" is answered by "at 6:15 a.m." as well as by a date."""
    q = "When does the first boat leave in the morning?"
    assert mentions("The first departure leaves at 6:15 a.m. each day.", "date", q)
    assert not mentions("The first departure leaves early each day.", "date", q)


def test_who_came_second_is_answered_by_a_second_place_not_by_any_name():
    q = "Who finished second in the robotics contest?"
    assert degree("Second place went to Birchmont Academy.", "name", q) == 1.0
    assert degree("He crossed the line ahead of the runner-up, Felix Odhran.", "name", q) == 1.0
    assert degree("Linden Ridge High School won the Robotics Challenge.", "name", q) == 0.0
    assert degree("Holm claimed her second title.", "name", "Who came second in the race?") == 0.0
    assert place_missing("Third place went to Harlow Technical School.", "Which school came third?") is None
    assert place_missing("Harlow won a prize.", "Which school came third?") == "third place"
    assert place_missing("Harlow won a prize.", "Which school won?") is None  # no place asked
