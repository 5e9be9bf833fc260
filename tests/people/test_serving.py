"""The people as serving sees them: stored in the index, ranked, filtered, cited (real model)."""

from __future__ import annotations

import json

import pytest

from idmqa import lexicon
from idmqa.index.store import LoadedIndex
from idmqa.people.model import People
from idmqa.people.rules import ATTRIBUTION
from idmqa.retrieval.search import Filters, Searcher
from idmqa.schema import Passage
from idmqa.service import InvalidFilter, QAService


def test_the_model_free_fixture_is_what_the_index_holds(
    report_people: tuple[People, list[Passage]], loaded_index: LoadedIndex
) -> None:
    # the other people tests use ``report_people`` in place of the index: it must not differ
    people, passages = report_people
    assert [(p.id, p.blocks, p.people) for p in passages] == [
        (p.id, p.blocks, p.people) for p in loaded_index.passages
    ]
    stored = json.loads((loaded_index.path / "people.json").read_text(encoding="utf-8"))
    assert json.loads(json.dumps(people.to_json(), ensure_ascii=False)) == stored


def test_questions_about_a_person_rank_their_statements_first(service: QAService) -> None:
    for question, pid in [
        ("What did António Vitorino say about data?", "antonio-vitorino"),
        ("Qu'a dit Louise Arbour sur la souveraineté ?", "louise-arbour"),
        ("Quel poste occupe Liduvina Magarin ?", "liduvina-magarin"),
    ]:
        hits = service.ask(question, 5).hits
        assert pid in hits[0].passage.speakers, (question, hits[0].passage.id)


def test_who_questions_naming_nobody_favour_passages_naming_people(
    service: QAService, searcher: Searcher
) -> None:
    question = "Who spoke about the seed fund for migrant workers?"
    vector = service.encoder.encode_queries([question])[0]
    ((ranking, weight),) = searcher._answer_rankings(question, [], set(), vector, None)
    assert weight == service.settings.person_answer_weight
    assert ranking and set(ranking) <= searcher.naming
    assert any(searcher.index.passages[i].speakers for i in ranking)
    assert searcher._answer_rankings("What is the seed fund?", [], set(), vector, None) == []


def test_questions_naming_a_person_of_the_report_are_answerable(service: QAService) -> None:
    result = service.ask("What did Louise Arbour say about sovereignty?", 3)
    assert result.answerable
    assert "louise-arbour" in result.hits[0].passage.speakers


def test_filter_by_speaker_returns_only_passages_where_they_speak(service: QAService) -> None:
    result = service.ask("migration et données", 10, Filters(speaker="sikander-khan"))
    assert result.hits
    assert all("sikander-khan" in h.passage.speakers for h in result.hits)
    # their statements, and the agenda rows listing them as a speaker
    statements = {p.id for p in service.statements("sikander-khan")}
    assert all(h.passage.id in statements or h.passage.kind == "agenda" for h in result.hits)


def test_statements_are_in_document_order_and_cited_with_their_sentences(
    service: QAService,
) -> None:
    statements = service.statements("louise-arbour")
    assert [p.lines for p in statements] == sorted(p.lines for p in statements)
    citation = service.citation(statements[0])
    (arbour,) = [s for s in citation.speakers if s.id == "louise-arbour"]
    assert arbour.name == "Louise Arbour" and arbour.role == "speaker" and arbour.spans
    agenda = service.passage(service.people.get("louise-arbour").agenda[0].passage).passage
    roles = {s.id: s.role for s in service.citation(agenda).speakers}
    assert roles["louise-arbour"] == "speaker" and roles["william-lacy-swing"] == "moderator"


def test_speaker_filters_name_one_person(service: QAService) -> None:
    assert service.filters(speaker="Arbor").speaker == "louise-arbour"  # typos forgiven
    with pytest.raises(InvalidFilter) as ambiguous:
        service.filters(speaker="Khan")
    assert {p.id for p in ambiguous.value.candidates} == {"sabarullah-khan", "sikander-khan"}
    assert "ambiguous" in str(ambiguous.value)
    with pytest.raises(InvalidFilter) as unknown:
        service.filters(speaker="Luise Arbur Xyz")
    assert "did you mean Louise Arbour" in str(unknown.value)


def test_people_json_is_stored_and_hashed(
    service: QAService, manifest: dict, loaded_index: LoadedIndex
) -> None:
    assert "people.json" in manifest["files"]
    # the rules and words that built the people are recorded, as the chunker version is
    assert manifest["people_rules"] == ATTRIBUTION.to_json()
    assert manifest["lexicon_sha256"] == lexicon.fingerprint()
    stored = json.loads((loaded_index.path / "people.json").read_text(encoding="utf-8"))
    reloaded = People.from_json(stored)
    assert len(reloaded) == len(service.people) == manifest["counts"]["people"]
    assert (
        reloaded.get("louise-arbour").statements == service.people.get("louise-arbour").statements
    )
