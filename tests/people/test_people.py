"""Who said what, on the real report: people, name unification, attribution, detection."""

from __future__ import annotations

import json

import pytest

from idmqa.people.build import fold, name_tokens, same_person
from idmqa.people.model import People, asks_for_person
from idmqa.schema import Passage, Speaker
from idmqa.retrieval.search import Filters
from idmqa.service import QAService


def passage_with(service: QAService, snippet: str) -> Passage:
    """The first passage whose text contains ``snippet``."""
    for p in service.index.passages:
        if snippet in p.text:
            return p
    raise AssertionError(f"no passage contains {snippet!r}")


def person(service: QAService, person_id: str):
    found = service.people.get(person_id)
    assert found is not None, f"{person_id} not found"
    return found


def test_people_are_found_from_the_report(service: QAService) -> None:
    people = service.people
    assert len(people) >= 80
    assert len({p.id for p in people}) == len(people)
    assert all(p.id == p.id.lower() and " " not in p.id for p in people)
    speakers = [p for p in people if p.statements]
    assert len(speakers) >= 65
    # the most quoted people are quoted many times
    assert len(person(service, "william-lacy-swing").statements) >= 8
    assert len(person(service, "louise-arbour").statements) >= 8
    assert len(person(service, "antonio-vitorino").statements) >= 6


def test_spellings_and_civilities_are_unified(service: QAService) -> None:
    schulz = person(service, "jurgen-schulz")
    assert {"Jürgen Schülz", "Jürgen Schulz"} <= set(schulz.aliases)
    nadir = person(service, "el-habib-nadir")
    assert "Habib Nadir" in nadir.aliases and len(nadir.agenda) == 3
    assert len(nadir.workshops) == 2  # a different title in each workshop
    assert len(nadir.roles) >= 2
    hidayah = person(service, "anis-hidayah")  # "M." in the narrative, "Mme" in the agenda
    assert hidayah.statements and hidayah.agenda
    assert len(service.people.candidates("Ola Henrikson")) == 1
    assert service.people.candidates("Henriksson") == service.people.candidates("Henrikson")
    assert len(service.people.candidates("Eloísa de Sosa Arruda")) == 1
    assert len(service.people.candidates("Raniero Guerra")) == 1
    assert service.people.resolve("Ranieri Guerra") is service.people.resolve("Raniero Guerra")


def test_same_surname_different_people_stay_apart(service: QAService) -> None:
    khans = service.people.candidates("M. Khan")
    assert {p.id for p in khans} == {"sabarullah-khan", "sikander-khan"}
    diallos = service.people.candidates("Diallo")
    assert {p.id for p in diallos} == {"yvonne-diallo", "djibril-diallo"}
    assert not same_person(name_tokens("Sabarullah Khan"), name_tokens("Sikander Khan"))
    assert same_person(name_tokens("Habib Nadir"), name_tokens("El Habib Nadir"))


def test_the_two_khans_are_resolved_by_context(service: QAService) -> None:
    # "S'exprimant au nom de M. Senaratne, M. Khan a donné…": the Sri Lankan ambassador
    sri_lanka = passage_with(service, "M. Khan a donné des exemples de partenariats")
    assert "sabarullah-khan" in sri_lanka.speakers
    assert "sikander-khan" not in sri_lanka.speakers
    # the minister he spoke for is named, not quoted
    assert "rajitha-senaratne" not in sri_lanka.speakers
    # "M. Khan a abordé … l'UNICEF, l'OIM et le HCR": the UNICEF director
    unicef = passage_with(service, "M. Khan a abordé les avantages de la collaboration")
    assert unicef.speakers == ("sikander-khan",)


def test_the_two_diallos_are_resolved_by_context(service: QAService) -> None:
    yvonne = passage_with(service, "selon les termes mêmes de Mme Yvonne Diallo")
    assert "yvonne-diallo" in yvonne.speakers
    djibril = passage_with(service, "M. Diallo a rappelé avec force")
    assert djibril.speakers == ("djibril-diallo",)
    assert "ARDN" in " ".join(person(service, "djibril-diallo").roles)


def test_a_paragraph_with_two_speakers_lists_both(service: QAService) -> None:
    p = passage_with(service, "Mme Arbour s'en est fait l'écho")
    assert set(p.speakers) == {"william-lacy-swing", "louise-arbour"}
    p = passage_with(service, "M. Packer a noté que les organisations de la société civile")
    assert {"edward-terry", "ignacio-packer"} <= set(p.speakers)


def test_a_statement_continued_after_a_page_break_keeps_its_speaker(service: QAService) -> None:
    # the name is before the page break, the statement goes on after it
    p = passage_with(service, "Le défi portera sur la mise en œuvre, qui est politique")
    assert "juan-jose-gomez-camacho" in p.speakers
    p = passage_with(service, "50 millions d'enfants")
    assert "henrietta-holsman-fore" in p.speakers
    p = passage_with(service, "trois défis clés se présentent aujourd'hui")
    assert p.speakers == ("el-habib-nadir",)


def test_people_named_but_not_quoted_are_not_speakers(service: QAService) -> None:
    p = passage_with(service, "comme en témoignent les exposés de Mme Swaminathan")
    assert p.speakers == ()
    caption = next(q for q in service.index.passages if q.kind == "caption" and "Jill" in q.text)
    assert caption.speakers == ()
    assert all(not q.speakers for q in service.index.passages if q.kind == "agenda")


def test_people_designated_by_their_title_alone(service: QAService) -> None:
    # "… M. Swing, et la Représentante spéciale du Secrétaire général pour les migrations
    # internationales ont présenté des observations finales": Arbour by her title
    p = passage_with(service, "ont présenté des observations finales")
    assert {"william-lacy-swing", "louise-arbour"} <= set(p.speakers)
    # a masculine title for a woman's role: "du Directeur général adjoint de l'OIM" is
    # Laura Thompson, "Directrice générale adjointe de l'OIM"
    p = passage_with(service, "les observations finales du Directeur général adjoint")
    assert "laura-thompson" in p.speakers
    # part of someone's title is not that person: "le rapport du Secrétaire général des
    # Nations Unies" is not Arbour's, and Sutherland's "ancien Représentant spécial du
    # Secrétaire général pour les migrations" is neither Arbour's nor Vitillo's
    p = passage_with(service, "Comme le souligne le rapport du Secrétaire général")
    assert p.id not in person(service, "louise-arbour").mentions
    p = passage_with(service, "M. Peter Sutherland, ancien Représentant spécial")
    assert p.speakers == ("peter-sutherland",)


def test_roles_stop_where_the_sentence_goes_on(service: QAService) -> None:
    for pid in ("william-lacy-swing", "juan-eduardo-eguiguren"):
        for role in person(service, pid).roles:
            assert not role.startswith("avec") and "s'est" not in role, (pid, role)


def test_agenda_only_person(service: QAService) -> None:
    macdonald = person(service, "shawn-macdonald")
    assert macdonald.statements == [] and macdonald.sources == ["agenda"]
    (row,) = macdonald.agenda
    assert row.role == "moderator"
    assert row.time == "17 h - 18 h" and "travail forcé" in row.session
    assert row.workshop.startswith("New York") and row.passage
    assert macdonald.workshops == [row.workshop]


def test_caption_only_person(service: QAService) -> None:
    helke = person(service, "jill-helke")
    assert helke.sources == ["caption"] and helke.statements == []
    assert helke.captions and helke.workshops[0].startswith("New York")
    assert helke.roles == ["OIM"]


def test_agenda_roles_and_workshops(service: QAService) -> None:
    samri = person(service, "azzouz-samri")
    assert "presenter" in {a.role for a in samri.agenda}  # "Présentateur :"
    riallant = person(service, "cecile-riallant")
    assert [a.role for a in riallant.agenda] == ["introduction"]
    thompson = person(service, "laura-thompson")
    financing = [a for a in thompson.agenda if "financement" in a.session]
    assert financing and financing[0].role == "moderator"
    arbour = person(service, "louise-arbour")
    assert len(arbour.workshops) == 2
    assert person(service, "liduvina-magarin").countries == ["El Salvador"]


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
    service: QAService, question: str, expected: str
) -> None:
    assert [p.id for p in service.people.detect(question)] == [expected]


@pytest.mark.parametrize(
    "question",
    [
        "Who moderated the session on financing in Geneva?",
        "What is the seed fund?",
        "Does the swing of public opinion matter?",
        "Qu'est-ce que le MiGOF ?",
    ],
)
def test_questions_naming_nobody(service: QAService, question: str) -> None:
    assert service.people.detect(question) == []


def test_speaker_search_is_accent_and_case_insensitive(service: QAService) -> None:
    people = service.people
    assert [p.id for p in people.search("schulz")] == ["jurgen-schulz"]
    assert "jurg-lauber" in {p.id for p in people.search("JÜRG")}
    assert "antonio-vitorino" in {p.id for p in people.search("vitor")}
    unicef = {p.id for p in people.search("unicef")}
    assert {"henrietta-holsman-fore", "sikander-khan", "mark-hereward"} <= unicef
    assert people.resolve("Mme Arbour").id == "louise-arbour"
    assert people.resolve("antonio-vitorino").id == "antonio-vitorino"
    assert people.resolve("Khan") is None  # ambiguous
    assert people.resolve("Nobody Atall") is None
    assert fold("Genève") == "geneve"


def test_questions_about_a_person_rank_their_statements_first(service: QAService) -> None:
    for question, pid in [
        ("What did António Vitorino say about data?", "antonio-vitorino"),
        ("Qu'a dit Louise Arbour sur la souveraineté ?", "louise-arbour"),
        ("Quel poste occupe Liduvina Magarin ?", "liduvina-magarin"),
    ]:
        hits = service.ask(question, 5).hits
        assert pid in hits[0].passage.speakers, (question, hits[0].passage.id)


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


def test_who_questions_naming_nobody_favour_passages_naming_people(
    service: QAService, searcher
) -> None:
    question = "Who spoke about the seed fund for migrant workers?"
    vector = service.encoder.encode_queries([question])[0]
    ((ranking, weight),) = searcher._people_rankings(question, [], vector, None)
    assert weight == service.settings.person_answer_weight
    assert ranking and set(ranking) <= searcher.naming
    assert any(searcher.index.passages[i].speakers for i in ranking)
    assert searcher._people_rankings("What is the seed fund?", [], vector, None) == []


def test_questions_naming_a_person_of_the_report_are_answerable(service: QAService) -> None:
    result = service.ask("What did Louise Arbour say about sovereignty?", 3)
    assert result.answerable
    assert "louise-arbour" in result.hits[0].passage.speakers


def test_filter_by_speaker_returns_only_their_statements(service: QAService) -> None:
    result = service.ask("migration et données", 10, Filters(speaker="sikander-khan"))
    assert result.hits
    assert all("sikander-khan" in h.passage.speakers for h in result.hits)
    ids = [p.id for p in service.statements("sikander-khan")]
    assert {h.passage.id for h in result.hits} <= set(ids)


def test_statements_are_in_document_order_and_cited(service: QAService) -> None:
    statements = service.statements("louise-arbour")
    assert [p.lines for p in statements] == sorted(p.lines for p in statements)
    citation = service.citation(statements[0])
    assert Speaker("louise-arbour", "Louise Arbour") in citation.speakers


def test_people_json_is_stored_and_hashed(
    service: QAService, manifest: dict, loaded_index
) -> None:
    assert "people.json" in manifest["files"]
    stored = json.loads((loaded_index.path / "people.json").read_text(encoding="utf-8"))
    reloaded = People.from_json(stored)
    assert len(reloaded) == len(service.people) == manifest["counts"]["people"]
    assert (
        reloaded.get("louise-arbour").statements == service.people.get("louise-arbour").statements
    )
