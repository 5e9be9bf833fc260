"""Routes for "who said what": the people of the report and their statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from idmqa.api.schemas import GUARDED_RESPONSES, MAX_NAME_CHARS, CitationOut, Problem
from idmqa.api.shaping import passage_json
from idmqa.api.state import ServiceDep
from idmqa.people.model import Person
from idmqa.service import InvalidReference

router = APIRouter(tags=["speakers"])


class SpeakerSummary(BaseModel):
    """A person named in the report."""

    id: str
    name: str
    roles: list[str] = Field(..., description="Roles and organisations, as the report writes them")
    countries: list[str]
    workshops: list[str] = Field(..., description="Workshops the person took part in")
    statements: int = Field(..., description="Number of passages reporting their statements")


class SpeakerList(BaseModel):
    """People matching a query (all of them without one)."""

    count: int
    speakers: list[SpeakerSummary]


class AgendaOut(BaseModel):
    """One appearance in a workshop agenda."""

    role: str = Field(..., description="moderator, speaker, presenter or introduction")
    title: str = Field(..., description="The person's role as the agenda writes it")
    workshop: str
    day: str
    time: str
    session: str
    passage: str = Field(..., description="Id of the agenda passage (see /passages/{id})")


class StatementOut(BaseModel):
    """A passage reporting the person's statement, with its citation."""

    id: str
    text: str
    tokens: int
    citation: CitationOut


class SpeakerDetail(SpeakerSummary):
    """A person with their agenda appearances and every statement, in document order."""

    aliases: list[str] = Field(..., description="Spellings of the name found in the report")
    agenda: list[AgendaOut]
    captions: list[str] = Field(..., description="Ids of the photo captions naming the person")
    passages: list[StatementOut]


@contextmanager
def _reference(field: str) -> Iterator[None]:
    """A reference too long to look up is a 422 naming ``field``."""
    try:
        yield
    except InvalidReference as exc:
        raise HTTPException(422, f"{field}: {exc}") from exc


def _summary(person: Person) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "roles": person.roles,
        "countries": person.countries,
        "workshops": person.workshops,
        "statements": len(person.statements),
    }


@router.get("/speakers", response_model=SpeakerList, responses=GUARDED_RESPONSES)
def list_speakers(
    service: ServiceDep,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_NAME_CHARS,
            description="Part of a name or an organisation (any accents/case), at most 8 words",
        ),
    ] = None,
) -> SpeakerList:
    """Everyone the report names, most quoted first; ``q`` filters by name or organisation."""
    with _reference("q"):
        people = service.speakers(q)
    rows = [SpeakerSummary(**_summary(p)) for p in people]
    return SpeakerList(count=len(rows), speakers=rows)


@router.get(
    "/speakers/{speaker_id}",
    response_model=SpeakerDetail,
    responses={**GUARDED_RESPONSES, 404: {"model": Problem}},
)
def get_speaker(
    speaker_id: Annotated[str, Path(max_length=MAX_NAME_CHARS)], service: ServiceDep
) -> SpeakerDetail:
    """One person: roles, agenda appearances and every statement as a cited passage."""
    with _reference("speaker_id"):
        person = service.person(speaker_id)
    if person is None:
        raise HTTPException(404, "no such speaker: list ids with GET /speakers?q=<part of a name>")
    statements = [
        StatementOut.model_validate(passage_json(service, p)) for p in service.statements(person.id)
    ]
    return SpeakerDetail(
        **_summary(person),
        aliases=person.aliases,
        agenda=[
            AgendaOut(
                role=a.role,
                title=a.title,
                workshop=a.workshop,
                day=a.day,
                time=a.time,
                session=a.session,
                passage=a.passage,
            )
            for a in person.agenda
        ],
        captions=person.captions,
        passages=statements,
    )
