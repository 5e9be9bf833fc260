"""The core's typed records in the API's JSON shapes (``api/schemas.py`` describes them).

Dicts are built by hand rather than through ``dataclasses.asdict`` or pydantic models: on
``/ask`` their deep copies and validation cost more than the search. The API tests check
every shape against its schema. The CLI's ``--json`` output uses the same functions.
"""

from __future__ import annotations

from idmqa.people.model import Person
from idmqa.retrieval.search import SearchResult
from idmqa.schema import Citation, Passage, PassageInContext
from idmqa.service import QAService


def citation_json(citation: Citation) -> dict:
    """A citation (``CitationOut``)."""
    return {
        "document": citation.document,
        "title": citation.title,
        "short_title": citation.short_title,
        "section": citation.section,
        "kind": citation.kind,
        "lines": list(citation.lines),
        "speakers": [
            {"id": s.id, "name": s.name, "role": s.role, "spans": [list(x) for x in s.spans]}
            for s in citation.speakers
        ],
    }


def answer_json(service: QAService, result: SearchResult) -> dict:
    """A search result (``AskResponse``)."""
    passages = [
        {
            "id": h.passage.id,
            "rank": h.rank,
            "score": round(h.score, 6),
            "text": h.passage.text,
            "tokens": h.passage.tokens,
            "highlights": [list(span) for span in h.highlights],
            "citation": citation_json(service.citation(h.passage)),
        }
        for h in result.hits
    ]
    people = service.people
    speakers = [
        {"id": person.id, "name": person.name, "count": count}
        for person_id, count in result.speakers
        if (person := people.get(person_id)) is not None
    ]
    return {
        "question": result.question,
        "interpreted_as": result.interpreted_as,
        "language": result.language,
        "passages": passages,
        "facets": {"speakers": speakers},
        "answerable": result.answerable,
        "confidence": result.confidence,
        "took_ms": result.took_ms,
    }


def passage_json(service: QAService, passage: Passage) -> dict:
    """A passage with its citation (``StatementOut``)."""
    return {
        "id": passage.id,
        "text": passage.text,
        "tokens": passage.tokens,
        "citation": citation_json(service.citation(passage)),
    }


def passage_in_context_json(
    service: QAService, found: PassageInContext, surrounding: bool = False
) -> dict:
    """A passage with its neighbours' ids (``PassageDetail``); ``surrounding``: with the
    passages before and after it as well."""
    shaped = {
        **passage_json(service, found.passage),
        "previous": found.previous,
        "next": found.next,
    }
    if surrounding:
        shaped["before"] = [passage_json(service, p) for p in found.before]
        shaped["after"] = [passage_json(service, p) for p in found.after]
    return shaped


def person_ref_json(person: Person) -> dict:
    """A person's id and name (``SpeakerRef``)."""
    return {"id": person.id, "name": person.name}
