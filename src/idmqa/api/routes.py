"""Routes: question answering, passages, health and readiness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from idmqa.api.fastjson import JSONBytes
from idmqa.api.guard import PASSAGES_HEADER
from idmqa.api.schemas import (
    GUARDED_RESPONSES,
    MAX_QUESTION_CHARS,
    AskFilters,
    AskRequest,
    AskResponse,
    CitationOut,
    PassageDetail,
    Problem,
)
from idmqa.api.state import ServiceDep
from idmqa.search import Filters
from idmqa.service import InvalidQuestion, QAService

router = APIRouter()


def _citation(service: QAService, passage) -> CitationOut:
    return CitationOut.model_validate(service.citation_json(passage))


def _filters(service: QAService, given: AskFilters | None) -> Filters | None:
    if given is None:
        return None
    if given.document and given.document not in service.index.documents:
        known = ", ".join(sorted(service.index.documents))
        raise HTTPException(
            422, f"filters.document: unknown document {given.document!r} (known: {known})"
        )
    kinds = tuple(given.kind or ())
    known_kinds = {p.kind for p in service.index.passages}
    unknown = [k for k in kinds if k not in known_kinds]
    if unknown:
        raise HTTPException(
            422, f"filters.kind: unknown kind(s) {unknown} (known: {sorted(known_kinds)})"
        )
    speaker = None
    if given.speaker:
        person = service.person(given.speaker)
        if person is None:
            raise HTTPException(
                422,
                f"filters.speaker: unknown or ambiguous speaker {given.speaker!r} "
                "(see GET /speakers?q=… for ids)",
            )
        speaker = person.id
    if given.language and given.language not in (
        languages := sorted(set(service.searcher.languages.tolist()))
    ):
        raise HTTPException(
            422, f"filters.language: unknown language {given.language!r} (known: {languages})"
        )
    return Filters(document=given.document, kinds=kinds, speaker=speaker, language=given.language)


def _answer(service: QAService, request: AskRequest, field: str) -> Response:
    try:
        question = service.checked_question(request.question)
    except InvalidQuestion as exc:
        raise HTTPException(422, f"{field}: {exc}") from exc
    result = service.ask(question, request.k, _filters(service, request.filters))
    # answer_json is already the AskResponse shape (the API tests check it against the schema):
    # serialising it once, instead of validating it into models and serialising those, saves
    # a good part of the framework's CPU per request.
    return JSONBytes(
        service.answer_json(result),
        headers={PASSAGES_HEADER.decode(): str(len(result.hits))},
    )


@router.post(
    "/ask",
    response_model=AskResponse,
    responses={
        **GUARDED_RESPONSES,
        400: {"model": Problem, "description": "Body is not JSON in UTF-8"},
    },
)
def ask(body: AskRequest, service: ServiceDep) -> Response:
    """Best passages for a question, with citations."""
    return _answer(service, body, "question")


@router.get("/ask", response_model=AskResponse, responses=GUARDED_RESPONSES)
def ask_get(
    service: ServiceDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS)],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> Response:
    """Same as ``POST /ask`` with the question in the query string."""
    return _answer(service, AskRequest.model_construct(question=q, k=k, filters=None), "q")


@router.get(
    "/passages/{passage_id}",
    response_model=PassageDetail,
    responses={**GUARDED_RESPONSES, 404: {"model": Problem}},
)
def get_passage(passage_id: str, service: ServiceDep) -> PassageDetail:
    """One passage by id, with the ids of the passages before and after it."""
    found = service.searcher.passage(passage_id)
    if found is None:
        raise HTTPException(404, f"no passage with id {passage_id!r}")
    passage, previous, nxt = found
    return PassageDetail(
        id=passage.id,
        text=passage.text,
        tokens=passage.tokens,
        citation=_citation(service, passage),
        previous=previous,
        next=nxt,
    )


@router.get("/health")
def health() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"model": Problem}})
def ready(request: Request):
    """200 once the index and the model are loaded, 503 before (or if loading failed)."""
    holder = request.app.state.holder
    if holder.service is None:
        detail = holder.error or "loading index and model"
        return JSONResponse({"status": "unavailable", "detail": detail}, status_code=503)
    manifest = holder.service.manifest
    return {
        "status": "ready",
        "passages": manifest["counts"]["passages"],
        "model": manifest["model"],
        "built_at": manifest["built_at"],
    }
