"""Finding people by what a user types (``GET /speakers?q=``, the speaker filter): typos,
accents, English forms of countries and organisations, roles, "did you mean"."""

from __future__ import annotations

import pytest

from idmqa.people.lookup import Lookup, names_a_title
from idmqa.people.model import People


@pytest.fixture(scope="module")
def lookup(people: People) -> Lookup:
    return Lookup(people)


def ids(lookup: Lookup, query: str) -> list[str]:
    return [p.id for p in lookup.search(query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # the lookups of issue 13, item 7: each finds its person first
        ("Arbor", "louise-arbour"),
        ("Vitorio", "antonio-vitorino"),
        ("schultz", "jurgen-schulz"),
        ("Thomson", "laura-thompson"),
        ("Switzerland", "jurg-lauber"),  # "Représentant permanent de la Suisse", "Suisse"
        ("Swiss ambassador", "jurg-lauber"),  # a permanent representative is an ambassador
        # accents, case, civilities, beginnings of words
        ("schülz", "jurgen-schulz"),
        ("SCHULZ", "jurgen-schulz"),
        ("JÜRG", "jurg-lauber"),
        ("vitor", "antonio-vitorino"),
        ("Mme Arbour", "louise-arbour"),
        ("Mexican ambassador", "juan-jose-gomez-camacho"),
        ("ILO", "guy-ryder"),  # OIT
    ],
)
def test_lookups_find_their_person_first(lookup: Lookup, query: str, expected: str) -> None:
    assert ids(lookup, query)[0] == expected


@pytest.mark.parametrize("query", ["Arbor", "Vitorio", "schultz", "Thomson", "Swiss ambassador"])
def test_a_query_clearly_best_for_one_person_designates_them(lookup: Lookup, query: str) -> None:
    assert lookup.resolve(query) is lookup.search(query)[0]
    # a country alone may mean several of its people: as a filter, it names nobody for sure
    assert lookup.resolve("Switzerland") is None


def test_organisations_and_roles_in_any_language(lookup: Lookup) -> None:
    assert {"soumya-swaminathan", "raniero-guerra"} <= set(ids(lookup, "WHO"))  # OMS
    assert (
        set(ids(lookup, "WHO"))
        == set(ids(lookup, "OMS"))
        == set(ids(lookup, "World Health Organization"))
    )
    unicef = set(ids(lookup, "unicef"))
    assert {"henrietta-holsman-fore", "sikander-khan", "mark-hereward"} <= unicef
    assert {"edward-terry", "osman-toprak"} <= set(ids(lookup, "mayor"))  # maire
    assert "marta-foresti" in ids(lookup, "moderator")  # her agenda role
    # "who" is a word, not the WHO
    assert ids(lookup, "who") == []


def test_exact_names_stay_exact(lookup: Lookup) -> None:
    assert ids(lookup, "schulz") == ["jurgen-schulz"]
    assert ids(lookup, "zzzz-nobody") == []


def test_ambiguous_names_resolve_to_nobody_and_list_the_candidates(lookup: Lookup) -> None:
    assert lookup.resolve("Khan") is None
    assert {p.id for p in lookup.candidates("Khan")} == {"sabarullah-khan", "sikander-khan"}
    assert lookup.resolve("Diallo") is None
    assert lookup.candidates("louise-arbour") == []


def test_did_you_mean(lookup: Lookup) -> None:
    assert ids(lookup, "Luise Arbur Xyz") == []
    assert lookup.suggest("Luise Arbur Xyz")[0].id == "louise-arbour"
    assert lookup.suggest("zzzzzz") == []


def test_a_question_designates_people_by_title_and_country(lookup: Lookup) -> None:
    question = "Why might states fall short, according to El Salvador's vice-minister?"
    assert names_a_title(question)
    assert [p.id for p in lookup.by_role(question)] == ["liduvina-magarin"]
    assert [p.id for p in lookup.by_role("Qu'a dit l'ambassadeur de Suisse ?")] == ["jurg-lauber"]
    # another organisation named in the question does not hide the person
    about_iom = "Qu'a dit la vice-ministre d'El Salvador sur l'OIM ?"
    assert [p.id for p in lookup.by_role(about_iom)] == ["liduvina-magarin"]
    # a title alone, or a country alone, designates nobody
    assert lookup.by_role("What did the ambassador say?") == []
    assert lookup.by_role("What did Switzerland say?") == []
    assert not names_a_title("What is the seed fund?")
