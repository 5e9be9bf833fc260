"""The QA core: filters, passages in context, citations, follow-ups."""

from __future__ import annotations

import pytest

from idmqa.retrieval.questions import Asked
from idmqa.retrieval.search import Filters
from idmqa.schema import Citation, Speaker
from idmqa.service import (
    MAX_PERSON_REF_CHARS,
    MAX_PERSON_REF_WORDS,
    InvalidFilter,
    InvalidReference,
    QAService,
)


def test_filters_are_checked_against_the_index(service) -> None:
    assert service.filters(kinds=("agenda",), language="fr") == Filters(
        kinds=("agenda",), language="fr"
    )
    assert service.filters(speaker="Louise Arbour").speaker == "louise-arbour"
    refused = {
        "document": {"document": "nope"},
        "kind": {"kinds": ("poem",)},
        "speaker": {"speaker": "Nobody Atall"},
        "language": {"language": "xx"},
    }
    for field, given in refused.items():
        with pytest.raises(InvalidFilter) as caught:
            service.filters(**given)
        assert caught.value.field == field and str(caught.value).startswith(f"filters.{field}:")
        assert str(next(iter(given.values()))) not in str(caught.value)  # never echoed


@pytest.mark.parametrize(
    "ref",
    [
        "a " * 10_000,  # the attack: 10,000 words, each compared with every person's words
        "a " * (MAX_PERSON_REF_WORDS + 1),
        "x" * (MAX_PERSON_REF_CHARS + 1),
    ],
)
def test_person_lookups_refuse_references_too_long_to_be_names(service, ref: str) -> None:
    """Attack 1: a lookup's cost grew with every word of the reference (10,000 words: 4.7 s)."""
    for lookup in (service.person, service.speakers):
        with pytest.raises(InvalidReference, match="at most 8 words and 100 characters"):
            lookup(ref)
    with pytest.raises(InvalidFilter, match=r"^filters\.speaker: at most 8 words"):
        service.filters(speaker=ref)


def test_person_lookups_at_the_limits_still_work(service) -> None:
    assert service.person("  Louise Arbour  ").id == "louise-arbour"
    service.person("a e i o u s m d")  # 8 words: still looked up, not refused
    with pytest.raises(InvalidReference):
        service.person("a e i o u s m d n")
    assert [p.id for p in service.speakers("Mme Louise Arbour")] == ["louise-arbour"]


def test_index_facts_the_api_needs(service) -> None:
    assert {"paragraph", "agenda", "footnote"} <= set(service.kinds)
    assert service.languages == ["en", "fr"]
    assert list(service.documents) == ["idm-28-2018-partenariats.fr"]
    assert service.passage_count == service.manifest["counts"]["passages"]


def test_k_defaults_and_is_capped_by_the_settings(service) -> None:
    assert len(service.ask("MiGOF").hits) == service.settings.default_k
    capped = service.variant(max_k=2)
    assert len(capped.ask("MiGOF", 10).hits) == 2


def test_citations_are_typed_records(service) -> None:
    statement = service.statements("louise-arbour")[0]
    citation = service.citation(statement)
    assert isinstance(citation, Citation)
    (arbour,) = [s for s in citation.speakers if s.id == "louise-arbour"]
    assert isinstance(arbour, Speaker) and arbour.name == "Louise Arbour"
    assert arbour.role == "speaker" and all(a < b for a, b in arbour.spans)
    assert citation.lines == statement.lines and citation.section == " › ".join(statement.section)


def test_a_follow_up_finds_the_person_of_the_conversation(service) -> None:
    earlier = [Asked("What did António Vitorino say about the global compact?")]
    follow_up = "And what did he say about data?"
    alone = service.ask(follow_up, 3)
    followed = service.ask(follow_up, 3, history=earlier)
    assert followed.question == follow_up and alone.interpreted_as is None
    assert followed.interpreted_as == "And what did António Vitorino say about data?"
    assert all("antonio-vitorino" in h.passage.speakers for h in followed.hits)
    assert not all("antonio-vitorino" in h.passage.speakers for h in alone.hits)


def test_the_people_lookup_is_built_at_the_first_follow_up_only(
    settings, encoder, loaded_index
) -> None:
    """Building it takes ~0.3 s, which `idmqa ask` asking one question never needs."""
    fresh = QAService(settings, encoder, loaded_index)
    fresh.ask("Qui finance le fonds d'amorçage ?", 3)
    assert "_lookup" not in vars(fresh)
    fresh.ask("Et lui ?", 3, history=[Asked("Qu'a dit Louise Arbour ?")])
    assert "_lookup" in vars(fresh)


def test_a_follow_up_read_as_asked_is_searched_as_asked(service) -> None:
    question = "Qui finance le fonds d'amorçage ?"
    followed = service.ask(question, 5, history=[Asked("Qu'a dit Louise Arbour ?")])
    alone = service.ask(question, 5)
    assert followed.interpreted_as is None
    assert [h.passage.id for h in followed.hits] == [h.passage.id for h in alone.hits]


def test_the_context_of_a_follow_up_reads_it_in_its_conversation(service) -> None:
    packed = service.context(
        "Et M. Lauber ?",
        2000,
        history=[Asked("Qu'a dit António Vitorino sur la société civile ?")],
    )
    assert packed.question == "Et M. Lauber ?"
    assert packed.interpreted_as == "Qu'a dit Jürg Lauber sur la société civile ?"
    assert any("jurg-lauber" in c.passage.speakers for c in packed.passages)


def test_speaker_facets_count_the_best_candidates_not_only_the_passages(service) -> None:
    one = service.ask("Qu'a dit Louise Arbour sur les partenariats ?", 1)
    counts = dict(one.speakers)
    assert counts["louise-arbour"] >= 2  # more statements of hers than the one returned
    assert set(one.hits[0].passage.speakers) <= set(counts)
    assert list(counts.values()) == sorted(counts.values(), reverse=True)
    assert max(counts.values()) <= service.settings.facet_candidates
    fewer = service.variant(facet_candidates=1).ask(
        "Qu'a dit Louise Arbour sur les partenariats ?", 1
    )
    assert dict(fewer.speakers) == {p: 1 for p in one.hits[0].passage.speakers}


def test_a_person_designated_by_role_brings_their_statements(service) -> None:
    result = service.ask("What did El Salvador's vice-minister say about regional processes?", 3)
    assert any("liduvina-magarin" in h.passage.speakers for h in result.hits)
    assert result.answerable  # a question naming someone of the report is about it
