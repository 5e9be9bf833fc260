"""Query-time lookups on the real report's people: names, candidates, search, detection."""

from __future__ import annotations

import pytest

from idmqa.people.model import People, asks_for_person, fold, name_tokens, same_person


def test_same_surname_different_people_stay_apart(people: People) -> None:
    khans = people.candidates("M. Khan")
    assert {p.id for p in khans} == {"sabarullah-khan", "sikander-khan"}
    diallos = people.candidates("Diallo")
    assert {p.id for p in diallos} == {"yvonne-diallo", "djibril-diallo"}
    assert not same_person(name_tokens("Sabarullah Khan"), name_tokens("Sikander Khan"))
    assert same_person(name_tokens("Habib Nadir"), name_tokens("El Habib Nadir"))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did António Vitorino say about data?", "antonio-vitorino"),
        ("Qu'a dit Louise Arbour sur la souveraineté ?", "louise-arbour"),
        ("Quel poste occupe Liduvina Magarin ?", "liduvina-magarin"),
        ("Selon Mme Arbour, que faut-il faire ?", "louise-arbour"),
        ("What did Vitorino say about capacity building?", "antonio-vitorino"),
        ("Qu'a dit M. Schulz ?", "jurgen-schulz"),
        ("What phrase did UNICEF's Sikander Khan use?", "sikander-khan"),
        ("What did Antonio VITORINO say?", "antonio-vitorino"),
    ],
)
def test_people_named_in_questions_are_detected(
    people: People, question: str, expected: str
) -> None:
    assert [p.id for p in people.detect(question)] == [expected]


@pytest.mark.parametrize(
    "question",
    [
        "Who moderated the session on financing in Geneva?",
        "What is the seed fund?",
        "Does the swing of public opinion matter?",
        "Qu'est-ce que le MiGOF ?",
    ],
)
def test_questions_naming_nobody(people: People, question: str) -> None:
    assert people.detect(question) == []


def test_names_resolve_to_one_person_or_none(people: People) -> None:
    assert people.resolve("Mme Arbour").id == "louise-arbour"
    assert people.resolve("antonio-vitorino").id == "antonio-vitorino"
    assert people.resolve("Khan") is None  # ambiguous
    assert people.resolve("Nobody Atall") is None
    assert fold("Genève") == "geneve"


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Who opened the workshop?", True),
        ("By whom was the session chaired?", True),
        ("Qui a présidé la séance d'ouverture ?", True),
        ("Par qui la table ronde a-t-elle été animée ?", True),
        ("Which minister spoke about remittances?", True),
        ("Quelle intervenante a parlé des jeunes ?", True),
        ("Quels pays qui accueillent des migrants sont cités ?", False),  # relative "qui"
        ("What is the seed fund?", False),
        ("Which government funded the dialogue?", False),
        ("In 2018, who opened the workshop?", True),
        ("Tell me who chaired the session", True),
        ("Et qui a présidé la séance ?", True),
        ("Les pays qui accueillent des migrants, qui sont-ils ?", True),
        ("What did the man who moderated the data session say?", False),  # relative "who"
    ],
)
def test_questions_asking_for_a_person(question: str, asks: bool) -> None:
    assert asks_for_person(question) is asks
