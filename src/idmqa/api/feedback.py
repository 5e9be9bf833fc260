"""Route for visitors' votes on answers (stored by :mod:`idmqa.feedback.store`)."""

from __future__ import annotations

import logging
import sqlite3
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from idmqa.api.routes import checked_question
from idmqa.api.schemas import JSON_BODY_RESPONSES, MAX_ID_CHARS, MAX_QUESTION_CHARS
from idmqa.api.state import ServiceDep
from idmqa.feedback.store import MAX_COMMENT_CHARS, FeedbackStore
from idmqa.retrieval.questions import InvalidQuestion, check_question

router = APIRouter(tags=["feedback"])
log = logging.getLogger(__name__)


class FeedbackRequest(BaseModel):
    """A vote on an answer, or on one of its passages."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        ..., min_length=1, max_length=MAX_QUESTION_CHARS, description="The question asked"
    )
    passage_id: str | None = Field(
        None,
        max_length=MAX_ID_CHARS,
        description="The passage voted on (an id from the /ask answer); null: the answer as "
        "a whole",
    )
    vote: Literal["up", "down"]
    comment: str | None = Field(
        None, max_length=MAX_COMMENT_CHARS, description='Optional, e.g. "wrong passage"'
    )


class FeedbackCreated(BaseModel):
    id: int


def _store(request: Request) -> FeedbackStore:
    return request.app.state.feedback


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackCreated,
    responses=JSON_BODY_RESPONSES,
)
def post_feedback(
    body: FeedbackRequest,
    service: ServiceDep,
    store: Annotated[FeedbackStore, Depends(_store)],
) -> JSONResponse:
    """Record a visitor's vote (nothing is recorded without one; no address is kept)."""
    question = checked_question(service, body.question, "question")
    passage = None
    if body.passage_id is not None:
        found = service.passage(body.passage_id)
        if found is None:
            raise HTTPException(422, "passage_id: no passage with this id (ids come from /ask)")
        passage = found.passage
    comment = None
    if body.comment and body.comment.strip():
        try:
            comment = check_question(body.comment, MAX_COMMENT_CHARS, "comment")
        except InvalidQuestion as exc:
            raise HTTPException(422, str(exc)) from exc
    try:
        vote_id = store.add(
            question=question,
            language=service.question_language(question),
            vote=body.vote,
            build=service.build,
            passage_id=passage and passage.id,
            passage_text=passage and passage.text,
            comment=comment,
        )
    except (sqlite3.Error, OSError) as exc:
        log.error("feedback not stored in %s: %s", store.path, exc)
        raise HTTPException(503, "feedback cannot be stored right now; retry later") from exc
    return JSONResponse({"id": vote_id}, status_code=201)
