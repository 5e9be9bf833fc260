"""The people as serving sees them: stored in the index, ranked, filtered, cited (real model)."""

from __future__ import annotations

import json

from idmqa.index.store import LoadedIndex
from idmqa.people.model import People
from idmqa.retrieval.search import Filters, Searcher
from idmqa.schema import Passage, Speaker
from idmqa.service import QAService


def test_the_model_free_fixture_is_what_the_index_holds(
    report_people: tuple[People, list[Passage]], loaded_index: LoadedIndex
) -> None:
    # the other people tests use ``report_people`` in place of the index: it must not differ
    people, passages = report_people
    assert [(p.id, p.speakers) for p in passages] == [
        (p.id, p.speakers) for p in loaded_index.passages
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
    service: QAService, manifest: dict, loaded_index: LoadedIndex
) -> None:
    assert "people.json" in manifest["files"]
    stored = json.loads((loaded_index.path / "people.json").read_text(encoding="utf-8"))
    reloaded = People.from_json(stored)
    assert len(reloaded) == len(service.people) == manifest["counts"]["people"]
    assert (
        reloaded.get("louise-arbour").statements == service.people.get("louise-arbour").statements
    )
