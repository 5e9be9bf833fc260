"""Follow-up questions read in their conversation, without the model: pronouns, elliptic
switches of person or topic, on a few people of a report written for the tests and on the
people of the second report of the series."""

from __future__ import annotations

import shutil

import pytest

from idmqa.index.build import collect_passages
from idmqa.people.lookup import Lookup
from idmqa.people.model import People, Person
from idmqa.retrieval.conversation import Resolver
from idmqa.retrieval.questions import Asked
from idmqa.schema import Passage, PassagePerson
from idmqa.settings import Settings
from tests.helpers import SECOND_REPORT, make_passage, passage_token_counter

PEOPLE = People(
    [
        Person(
            "marc-dubois",
            "Marc Dubois",
            ["Marc Dubois", "M. Dubois"],
            "m",
            ["Directeur général de l'OIM"],
        ),
        Person(
            "jonas-weber",
            "Jonas Weber",
            ["Jonas Weber"],
            "m",
            ["Représentant permanent de la Suisse auprès des Nations Unies"],
            ["Suisse"],
        ),
        Person(
            "ana-pereira",
            "Ana Pereira",
            ["Ana Pereira"],
            "f",
            ["Représentante permanente du Portugal"],
            ["Portugal"],
        ),
    ]
)
#: Passages of the previous turns: Ana Pereira speaks in the first, nobody in the second.
PASSAGES = {
    "d:1-1": make_passage(
        "Mme Pereira a rappelé le rôle des envois de fonds.",
        id="d:1-1",
        people=(PassagePerson("ana-pereira", "speaker"),),
    ),
    "d:2-2": make_passage("Les envois de fonds ont doublé.", id="d:2-2"),
}


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(PEOPLE, Lookup(PEOPLE), PASSAGES.get)


def _read(resolver: Resolver, question: str, *earlier: str | Asked) -> str:
    turns = [t if isinstance(t, Asked) else Asked(t) for t in earlier]
    return resolver.read(question, turns).question


@pytest.mark.parametrize(
    ("earlier", "question", "read"),
    [
        (
            "What did Dubois say about data?",
            "And what did he say about the Global Compact?",
            "And what did Marc Dubois say about the Global Compact?",
        ),
        (
            "What did Dubois say about data?",
            "Qu'a-t-il dit sur le pacte mondial ?",
            "Qu'a dit Marc Dubois sur le pacte mondial ?",
        ),
        (
            "Qu'a dit Ana Pereira sur les villes ?",
            "Que pense-t-elle des données ?",
            "Que pense Ana Pereira des données ?",
        ),
        (
            "Qu'a dit Ana Pereira sur les villes ?",
            "Quelle est sa position sur les données ?",
            "Quelle est la position d'Ana Pereira sur les données ?",
        ),
        (
            "Qu'a dit M. Dubois sur les villes ?",
            "Selon lui, quel est le rôle des maires ?",
            "Selon Marc Dubois, quel est le rôle des maires ?",
        ),
        (
            "What did Ana Pereira say about cities?",
            "What were her views on data?",
            "What were the views of Ana Pereira on data?",
        ),
    ],
)
def test_a_pronoun_is_the_person_of_the_previous_question(
    resolver: Resolver, earlier: str, question: str, read: str
) -> None:
    reading = resolver.read(question, [Asked(earlier)])
    assert reading.question == read
    assert reading.rules == ("person",) and reading.rewritten


def test_a_pronoun_of_the_other_gender_stands_for_nobody(resolver: Resolver) -> None:
    reading = resolver.read("What did she say about data?", [Asked("What did Dubois say?")])
    assert not reading.rewritten
    assert reading.question == "What did she say about data?"


def test_a_question_naming_nobody_hands_on_the_speaker_of_its_passages(
    resolver: Resolver,
) -> None:
    earlier = Asked("Who spoke about remittances?", ("unknown:9-9", "d:2-2", "d:1-1"))
    assert _read(resolver, "What else did she say?", earlier) == ("What else did Ana Pereira say?")
    # without passages, nobody: the question is searched as asked
    assert _read(resolver, "What else did she say?", "Who spoke about remittances?") == (
        "What else did she say?"
    )


@pytest.mark.parametrize(
    ("earlier", "question", "read"),
    [
        (
            "Qu'a dit Marc Dubois sur la société civile ?",
            "Et M. Weber ?",
            "Qu'a dit Jonas Weber sur la société civile ?",
        ),
        (
            "Qu'a dit Marc Dubois sur la société civile ?",
            "Et la Suisse ?",
            "Qu'a dit Jonas Weber sur la société civile ?",
        ),
        (
            "What did Ana Pereira say about the private sector?",
            "And the Swiss one?",
            "What did Jonas Weber say about the private sector?",
        ),
    ],
)
def test_an_elliptic_follow_up_changes_the_person_and_keeps_the_topic(
    resolver: Resolver, earlier: str, question: str, read: str
) -> None:
    reading = resolver.read(question, [Asked(earlier)])
    assert reading.question == read and reading.rules == ("person switch",)
    assert reading.person is not None and reading.person.id == "jonas-weber"


@pytest.mark.parametrize(
    ("earlier", "question", "read"),
    [
        (
            "What is the capacity-building mechanism?",
            "What are its components?",
            "What are the components of the capacity-building mechanism?",
        ),
        (
            "Qu'est-ce que le mécanisme de renforcement des capacités ?",
            "Quelles sont ses composantes ?",
            "Quelles sont les composantes du mécanisme de renforcement des capacités ?",
        ),
        (
            "Qu'est-ce que le mécanisme de renforcement des capacités ?",
            "Comment ce mécanisme est-il financé ?",
            "Comment le mécanisme de renforcement des capacités est-il financé ?",
        ),
        (
            "Qu'est-ce que le réseau des Nations Unies sur la migration ?",
            "Qui en assurera la coordination ?",
            "Qui assurera la coordination au sujet du réseau des Nations Unies sur la migration ?",
        ),
        (
            "Qu'est-ce que le fonds d'amorçage ?",
            "Qui l'a proposé ?",
            "Qui a proposé le fonds d'amorçage ?",
        ),
        (
            "Qu'est-ce que l'Alliance 8.7 ?",
            "Quand a-t-elle été lancée ?",
            "Quand a été lancée l'Alliance 8.7 ?",
        ),
        ("What is the seed fund?", "Who pays for it?", "Who pays for the seed fund?"),
        (
            "What did Dubois say about partnerships?",
            "Who else spoke about this?",
            "Who else spoke about partnerships?",
        ),
    ],
)
def test_it_its_en_ce_stand_for_the_previous_topic(
    resolver: Resolver, earlier: str, question: str, read: str
) -> None:
    reading = resolver.read(question, [Asked(earlier)])
    assert reading.question == read and reading.rules == ("topic",)


@pytest.mark.parametrize(
    ("earlier", "question", "read"),
    [
        (
            "Qu'a dit Ana Pereira sur le secteur privé ?",
            "Et sur les villes ?",
            "Qu'a dit Ana Pereira sur les villes ?",
        ),
        (
            "What did Dubois say about forced labour?",
            "What about remittances?",
            "What did Dubois say about remittances?",
        ),
        (
            "What is the capacity-building mechanism?",
            "And the seed fund?",
            "What is the seed fund?",
        ),
    ],
)
def test_an_elliptic_follow_up_changes_the_topic_and_keeps_the_person(
    resolver: Resolver, earlier: str, question: str, read: str
) -> None:
    reading = resolver.read(question, [Asked(earlier)])
    assert reading.question == read and reading.rules == ("topic switch",)


def test_a_country_after_a_question_about_something_is_a_topic_not_a_person(
    resolver: Resolver,
) -> None:
    reading = resolver.read("And Switzerland?", [Asked("What is the seed fund?")])
    assert reading.rules == ("topic switch",) and reading.question == "What is Switzerland?"
    about_someone = resolver.read("And Switzerland?", [Asked("What did Dubois say on data?")])
    assert about_someone.rules == ("person switch",)
    assert about_someone.question == "What did Jonas Weber say on data?"


@pytest.mark.parametrize(
    "question",
    [
        "Y a-t-il des exemples en Afrique ?",  # impersonal "il", idiomatic "en"
        "Qui finance le fonds d'amorçage ?",  # nothing refers back
        "Quels pays en matière de migration ?",
        "Et maintenant, qu'a dit Jonas Weber sur les données ?",  # a whole new question
    ],
)
def test_a_question_that_stands_alone_is_searched_as_asked(
    resolver: Resolver, question: str
) -> None:
    reading = resolver.read(question, [Asked("Qu'a dit Marc Dubois sur la société civile ?")])
    assert not reading.rewritten and reading.question == question


def test_without_history_nothing_is_rewritten(resolver: Resolver) -> None:
    assert not resolver.read("Qu'a-t-il dit ?").rewritten


def test_a_conversation_carries_its_person_and_topic_along(resolver: Resolver) -> None:
    turns = [Asked("Qu'a dit Marc Dubois sur la société civile ?"), Asked("Et M. Weber ?")]
    assert _read(resolver, "Qu'a-t-il dit sur les données ?", *turns) == (
        "Qu'a dit Jonas Weber sur les données ?"
    )
    assert _read(resolver, "Et sur les villes ?", *turns) == (
        "Qu'a dit Jonas Weber sur les villes ?"
    )


# ---------------------------------------------------------------------- another report


@pytest.fixture(scope="module")
def second_report(
    settings: Settings, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Resolver:
    """A resolver over the people and passages of the second report alone."""
    corpus = tmp_path_factory.mktemp("corpus2")
    for suffix in (".txt", ".json"):
        shutil.copy(SECOND_REPORT.with_suffix(suffix), corpus)
    only = settings.model_copy(update={"corpus_dir": corpus})
    _, passages, _, people = collect_passages(only, passage_token_counter(only, request))
    by_id: dict[str, Passage] = {p.id: p for p in passages}
    return Resolver(people, Lookup(people), by_id.get)


def test_the_rules_read_another_report_of_the_series(second_report: Resolver) -> None:
    asked = "Qu'a dit M. Karim Haddad sur les municipalités libanaises ?"
    switched = second_report.read("Et Mme Haddad ?", [Asked(asked)])
    assert switched.person is not None and switched.person.name == "Leila Haddad"
    assert switched.question == "Qu'a dit Leila Haddad sur les municipalités libanaises ?"
    followed = second_report.read(
        "Qu'a-t-elle dit des femmes migrantes ?", [Asked(asked), Asked("Et Mme Haddad ?")]
    )
    assert followed.question == "Qu'a dit Leila Haddad des femmes migrantes ?"
    lebanon = second_report.read("And the Lebanese one?", [Asked("What did Imran Khan say?")])
    assert lebanon.person is not None and lebanon.person.name == "Karim Haddad"
