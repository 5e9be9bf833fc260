"""Routes for "who said what": the people of the report and their statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from idmqa.api.pages import page_language, prefers_html, speaker_page
from idmqa.api.schemas import (
    GUARDED_RESPONSES,
    MAX_NAME_CHARS,
    VARY_ACCEPT,
    CitationOut,
    PageLanguage,
    Problem,
    SpeakerRef,
)
from idmqa.api.shaping import passage_json, person_ref_json
from idmqa.api.state import ServiceDep
from idmqa.people.model import Person
from idmqa.service import InvalidReference, QAService

router = APIRouter(tags=["speakers"])


class SpeakerSummary(BaseModel):
    """A person named in the report."""

    id: str
    name: str
    roles: list[str] = Field(..., description="Roles and organisations, as the report writes them")
    countries: list[str]
    workshops: list[str] = Field(..., description="Workshops the person took part in")
    documents: list[str] = Field(..., description="Ids of the documents naming the person")
    statements: int = Field(
        ...,
        description="Number of their statements: paragraphs reporting them, each once (not "
        "again in another window of the paragraph, nor in its translation)",
    )


class SpeakerList(BaseModel):
    """People matching a query (all of them without one), best first."""

    count: int
    speakers: list[SpeakerSummary]
    did_you_mean: list[SpeakerRef] = Field(
        default_factory=list, description="When nobody matches: the nearest names"
    )


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


def speaker_summary(person: Person) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "roles": person.roles,
        "countries": person.countries,
        "workshops": person.workshops,
        "documents": person.documents,
        "statements": len(person.statements),
    }


@router.get("/speakers", response_model=SpeakerList, responses=GUARDED_RESPONSES)
def list_speakers(
    service: ServiceDep,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_NAME_CHARS,
            description="Names, roles, organisations, countries — French or English, any "
            'accents or case, typos forgiven ("Arbor", "Swiss ambassador", "WHO"); at most 8 '
            "words",
        ),
    ] = None,
) -> SpeakerList:
    """Everyone the report names, most quoted first; ``q`` finds people by name, role,
    organisation or country, best first, and says whom it may mean when nobody matches."""
    with _reference("q"):
        rows = [SpeakerSummary(**speaker_summary(p)) for p in service.speakers(q)]
        nearest = service.suggestions(q) if q and q.strip() and not rows else []
    return SpeakerList(
        count=len(rows),
        speakers=rows,
        did_you_mean=[SpeakerRef(**person_ref_json(p)) for p in nearest],
    )


def person_or_404(service: QAService, speaker_id: str) -> Person:
    """The person ``speaker_id`` designates; a 422 if it is too long to look up, a 404 saying
    whom it may mean if it designates nobody (or several people)."""
    with _reference("speaker_id"):
        person = service.person(speaker_id)
    if person is None:
        raise HTTPException(404, service.who_is(speaker_id)[0])
    return person


def speaker_detail(service: QAService, person: Person) -> SpeakerDetail:
    """A person with their agenda rows and every statement, cited (``SpeakerDetail``)."""
    statements = [
        StatementOut.model_validate(passage_json(service, p)) for p in service.statements(person.id)
    ]
    return SpeakerDetail(
        **speaker_summary(person),
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


@router.get(
    "/speakers/{speaker_id}",
    response_model=SpeakerDetail,
    responses={**GUARDED_RESPONSES, 404: {"model": Problem}},
)
def get_speaker(
    speaker_id: Annotated[str, Path(max_length=MAX_NAME_CHARS)],
    service: ServiceDep,
    request: Request,
    response: Response,
    lang: PageLanguage = None,
) -> SpeakerDetail | HTMLResponse:
    """One person: roles, agenda appearances and every statement as a cited passage. A
    browser (``Accept: text/html``) gets it as a readable page."""
    person = person_or_404(service, speaker_id)
    if prefers_html(request):
        return speaker_page(service, person, page_language(request, lang))
    response.headers.update(VARY_ACCEPT)
    return speaker_detail(service, person)
