"""Routes: question answering, passages, health and readiness."""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from idmqa.api.fastjson import JSONBytes
from idmqa.api.guard import PASSAGES_HEADER
from idmqa.api.pages import page_language, passage_page, prefers_html
from idmqa.api.schemas import (
    GUARDED_RESPONSES,
    JSON_BODY_RESPONSES,
    MAX_ID_CHARS,
    MAX_K,
    MAX_QUESTION_CHARS,
    UI_LANGUAGES,
    VARY_ACCEPT,
    AskFilters,
    AskRequest,
    AskResponse,
    HistoryTurn,
    PageLanguage,
    PassageDetail,
    Problem,
    Starters,
)
from idmqa.api.shaping import answer_json, passage_in_context_json, person_ref_json
from idmqa.api.state import ServiceDep
from idmqa.model.cpu import encoder_choice
from idmqa.retrieval.questions import Asked, InvalidQuestion, check_history
from idmqa.retrieval.search import Filters
from idmqa.service import MAX_AROUND, InvalidFilter, QAService

router = APIRouter()
log = logging.getLogger(__name__)


class FilterProblem(Exception):
    """A 422 answering an invalid filter, with whom a speaker filter may mean."""

    def __init__(self, cause: InvalidFilter) -> None:
        super().__init__(str(cause))
        self.body = {
            "detail": str(cause),
            **(
                {"candidates": [person_ref_json(p) for p in cause.candidates]}
                if cause.candidates
                else {}
            ),
        }


def filter_problem(_request: Request, exc: FilterProblem) -> JSONResponse:
    return JSONResponse(exc.body, status_code=422)


def checked_filters(service: QAService, given: AskFilters | None) -> Filters | None:
    """The request's filters checked against the index, or a 422 naming the field."""
    if given is None:
        return None
    try:
        return service.filters(
            given.document, tuple(given.kind or ()), given.speaker, given.language
        )
    except InvalidFilter as exc:
        raise FilterProblem(exc) from exc


def checked_question(service: QAService, question: str, field: str) -> str:
    """The question ready to search, or a 422 naming ``field``."""
    try:
        return service.checked_question(question)
    except InvalidQuestion as exc:
        raise HTTPException(422, f"{field}: {exc}") from exc


def checked_k(service: QAService, k: int | None) -> None:
    """A 422 for a ``k`` above the configured maximum (the schema allows the default's)."""
    if k is not None and k > service.settings.max_k:
        raise HTTPException(422, f"k: at most {service.settings.max_k} (IDMQA_MAX_K)")


def checked_history(service: QAService, given: list[HistoryTurn] | None) -> tuple[Asked, ...]:
    """The request's earlier turns, or a 422 naming the turn and field."""
    try:
        return check_history(
            [Asked(t.question, tuple(t.passage_ids)) for t in given or ()],
            service.settings.max_question_chars,
        )
    except InvalidQuestion as exc:
        raise HTTPException(422, str(exc)) from exc


def _answer(service: QAService, request: AskRequest, field: str) -> Response:
    question = checked_question(service, request.question, field)
    checked_k(service, request.k)
    filters = checked_filters(service, request.filters)
    history = checked_history(service, request.history)
    result = service.ask(question, request.k, filters, history)
    # Serialised once, without validating into response models (see idmqa.api.shaping).
    return JSONBytes(
        answer_json(service, result),
        headers={PASSAGES_HEADER.decode(): str(len(result.hits))},
    )


@router.post(
    "/ask",
    response_model=AskResponse,
    responses=JSON_BODY_RESPONSES,
)
def ask(body: AskRequest, service: ServiceDep) -> Response:
    """Best passages for a question, with citations; with `history`, read as a follow-up
    of the earlier turns (`interpreted_as` says how)."""
    return _answer(service, body, "question")


@router.get("/ask", response_model=AskResponse, responses=GUARDED_RESPONSES)
def ask_get(
    service: ServiceDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS)],
    k: Annotated[int | None, Query(ge=1, le=MAX_K)] = None,
) -> Response:
    """Same as ``POST /ask`` with the question in the query string."""
    request = AskRequest.model_construct(question=q, k=k, filters=None, history=None)
    return _answer(service, request, "q")


@router.get(
    "/passages/{passage_id}",
    response_model=PassageDetail,
    responses={**GUARDED_RESPONSES, 404: {"model": Problem}},
)
def get_passage(
    passage_id: Annotated[str, Path(max_length=MAX_ID_CHARS)],
    service: ServiceDep,
    request: Request,
    lang: PageLanguage = None,
    around: Annotated[
        int | None,
        Query(
            ge=0,
            le=MAX_AROUND,
            description="Also return this many passages before and after it (`before`, `after`)",
        ),
    ] = None,
) -> Response:
    """One passage by id, with the ids of the passages before and after it; with
    ``around=n``, those n passages on each side too. A browser (``Accept: text/html``) gets
    it as a readable page."""
    found = service.passage(passage_id, around or 0)
    if found is None:
        raise HTTPException(404, "no passage with this id (ids come from /ask answers)")
    if prefers_html(request):
        return passage_page(service, found, page_language(request, lang))
    return JSONBytes(
        passage_in_context_json(service, found, around is not None), headers=VARY_ACCEPT
    )


@router.get("/starters", response_model=Starters, responses=GUARDED_RESPONSES)
def starters(
    service: ServiceDep,
    lang: Annotated[Literal[UI_LANGUAGES], Query(description="The interface language")] = "fr",
) -> Starters:
    """A few questions to start with, built from the report with the index: its most-quoted
    people and fullest sections, in the interface language."""
    return Starters(language=lang, starters=service.starters(lang))


# The probes are coroutines: they run on the event loop, never queued behind the routes that
# take a worker thread, so a busy server still says it is alive.
@router.get("/health")
async def health() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"model": Problem}})
async def ready(request: Request):
    """200 once the index and the model are loaded, 503 before (or if loading failed, or if
    a memory-mapped index file changed under the server)."""
    holder = request.app.state.holder
    if holder.service is None:
        detail = holder.unavailable
        return JSONResponse({"status": "unavailable", "detail": detail}, status_code=503)
    manifest = holder.service.manifest
    body = {
        "status": "ready",
        "build": holder.service.build,
        "passages": manifest["counts"]["passages"],
        "model": manifest["model"],
        "built_at": manifest["built_at"],
        "query_encoder": encoder_choice(
            holder.service.settings.query_encoder,
            holder.service.settings.query_encoder_chosen_by,
        ),
    }
    changed, serving_verified = holder.service.index_changes()
    if changed:
        log.warning("index files changed on disk since they were verified: %s", changed)
        body["index"] = (
            "files changed on disk since start; serving the verified copy held in memory"
            if serving_verified
            else "a memory-mapped file changed on disk; restart the server"
        )
        if not serving_verified:
            return JSONResponse({**body, "status": "unavailable"}, status_code=503)
    return body
