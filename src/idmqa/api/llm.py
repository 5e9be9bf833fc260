"""Routes for LLM applications: cited context packed to a token budget, quote verification.

The packing and the verification are the core's (:mod:`idmqa.retrieval.context`,
:mod:`idmqa.retrieval.verify`); this module holds their request and response models, their
JSON shapes (shared with the MCP tools of :mod:`idmqa.api.agents`) and the two thin routes.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field

from idmqa.api.fastjson import JSONBytes
from idmqa.api.guard import PASSAGES_HEADER
from idmqa.api.routes import checked_filters, checked_k, checked_question
from idmqa.api.schemas import (
    JSON_BODY_RESPONSES,
    MAX_K,
    MAX_NAME_CHARS,
    MAX_QUESTION_CHARS,
    AskFilters,
    CitationOut,
    SpeakerRef,
)
from idmqa.api.shaping import citation_json
from idmqa.api.state import ServiceDep
from idmqa.retrieval.context import PackedContext
from idmqa.retrieval.questions import MAX_TURNS, Asked, InvalidQuestion
from idmqa.retrieval.verify import QuoteCheck
from idmqa.service import InvalidReference, QAService
from idmqa.tokens import DEFAULT_ENCODING, EncodingName

router = APIRouter(tags=["llm"])

#: Largest budget a request may ask for (the whole report is about 60 000 tokens).
MAX_CONTEXT_TOKENS = 200_000
#: Hard upper bound of the schema; the configured limit (IDMQA_MAX_QUOTE_CHARS) applies too.
MAX_QUOTE_CHARS = 10_000
#: Earlier turns a request may carry (only the last user turns are searched).
MAX_HISTORY = 50


class Message(BaseModel):
    """One earlier turn of the conversation."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(..., max_length=MAX_QUESTION_CHARS)


class ContextRequest(BaseModel):
    """A question, a token budget and the encoding that counts it."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(..., min_length=1, max_length=MAX_QUESTION_CHARS)
    max_tokens: int = Field(
        ..., ge=1, le=MAX_CONTEXT_TOKENS, description="Budget of the whole `context` string"
    )
    encoding: EncodingName = Field(
        DEFAULT_ENCODING,
        description="tiktoken encoding the budget is counted in: cl100k_base (GPT-4, GPT-3.5) "
        "or o200k_base (GPT-4o and later)",
    )
    k: int | None = Field(
        None, ge=1, le=MAX_K, description="Passages considered, best first (IDMQA_DEFAULT_K)"
    )
    filters: AskFilters | None = None
    history: list[Message] = Field(
        default_factory=list,
        max_length=MAX_HISTORY,
        description="Earlier turns, oldest first: the question is read in the conversation of "
        "the last 10 user turns (a pronoun, 'its', 'Et M. Lauber ?'…), as POST /ask reads its "
        "`history`; assistant turns are left out",
    )


class ContextCitation(BaseModel):
    """What the marker ``[n]`` of the context cites."""

    n: int
    id: str = Field(..., description="Passage id (see /passages/{id})")
    citation: CitationOut
    trimmed: bool = Field(
        ..., description="The context holds only the passage's first sentences (marked […])"
    )


class ContextResponse(BaseModel):
    """A context ready to paste into a prompt, and its citations."""

    question: str
    interpreted_as: str | None = Field(
        None,
        description="The question searched, when `history` changed how it reads; null "
        "otherwise (see POST /ask)",
    )
    context: str = Field(
        ...,
        description="The passages in report order, each as `[n] source line` then its text, "
        "separated by blank lines; empty when not even one sentence fits",
    )
    citations: list[ContextCitation]
    tokens: int = Field(..., description="Tokens of `context` in `encoding`: ≤ max_tokens")
    encoding: str
    answerable: bool = Field(
        ..., description="False: nothing in the report seems to address the question"
    )
    confidence: float


class VerifyRequest(BaseModel):
    """A quote, in French or English, and optionally whom it is credited to."""

    model_config = ConfigDict(extra="forbid")

    quote: str = Field(
        ...,
        min_length=1,
        max_length=MAX_QUOTE_CHARS,
        description="The quote; ellipses (… [...] (...)) mark cuts (IDMQA_MAX_QUOTE_CHARS, "
        "default 2000, may lower the limit)",
    )
    speaker: str | None = Field(
        None,
        max_length=MAX_NAME_CHARS,
        description="Who the quote is credited to: a name or a person id (at most 8 words)",
    )


class QuoteSpan(BaseModel):
    """A span of the report matching the quote."""

    id: str = Field(..., description="Passage id")
    start: int = Field(..., description="[start, end) characters of the passage's text")
    end: int
    text: str = Field(..., description="The span, verbatim")
    similarity: float = Field(..., description="0–1: fuzzy alignment of the quote's words")
    meaning: float = Field(..., description="Cosine with the quote (0 when not measured)")
    credited: list[SpeakerRef] = Field(..., description="Whom the report credits for the span")
    citation: CitationOut


class AttributionOut(BaseModel):
    """The speaker the quote was credited to, checked against the report."""

    claimed: str
    person: SpeakerRef | None = Field(None, description="The person the report knows by that")
    status: Literal["confirmed", "misattributed", "unattributed", "unknown_person", "not_found"]
    credited: list[SpeakerRef]
    message: str = Field(..., description='e.g. "the report attributes this to William Lacy Swing"')


class VerifyResponse(BaseModel):
    """Where the report says it, how faithfully, and whom it credits."""

    quote: str
    language: str
    verdict: Literal["verbatim", "close", "paraphrase", "not_found"] = Field(
        ...,
        description="verbatim: the same words (case, punctuation, cuts marked by ellipses "
        "aside); close: small differences; paraphrase: the same meaning in other words or "
        "another language; not_found: nothing in the report says it",
    )
    score: float = Field(
        ..., description="1 if verbatim; the similarity if close; otherwise the best cosine"
    )
    margin: float = Field(
        ..., description="For paraphrase and not_found: best cosine minus the next passages'"
    )
    credited: list[SpeakerRef] = Field(..., description="Whom the report credits for the best span")
    matches: list[QuoteSpan] = Field(
        ..., description="Best spans first (the nearest ones even when not_found)"
    )
    attribution: AttributionOut | None = Field(None, description="When a speaker was given")


# ---------------------------------------------------------------------- JSON shapes


def _speakers(service: QAService, ids: tuple[str, ...]) -> list[dict]:
    people = service.people
    return [{"id": i, "name": p.name if (p := people.get(i)) else i} for i in ids]


def context_json(packed: PackedContext) -> dict:
    """A packed context (``ContextResponse``)."""
    return {
        "question": packed.question,
        "interpreted_as": packed.interpreted_as,
        "context": packed.context,
        "citations": [
            {
                "n": p.n,
                "id": p.passage.id,
                "citation": citation_json(p.citation),
                "trimmed": p.trimmed,
            }
            for p in packed.passages
        ],
        "tokens": packed.tokens,
        "encoding": packed.encoding,
        "answerable": packed.answerable,
        "confidence": packed.confidence,
    }


def verify_json(service: QAService, check: QuoteCheck) -> dict:
    """A quote check (``VerifyResponse``)."""
    attribution = check.attribution
    return {
        "quote": check.quote,
        "language": check.language,
        "verdict": check.verdict,
        "score": check.score,
        "margin": check.margin,
        "credited": _speakers(service, check.credited),
        "matches": [
            {
                "id": m.passage.id,
                "start": m.start,
                "end": m.end,
                "text": m.passage.text[m.start : m.end],
                "similarity": m.similarity,
                "meaning": m.meaning,
                "credited": _speakers(service, m.speakers),
                "citation": citation_json(service.citation(m.passage)),
            }
            for m in check.matches
        ],
        "attribution": None
        if attribution is None
        else {
            "claimed": attribution.claimed,
            "person": _speakers(service, (attribution.person,))[0] if attribution.person else None,
            "status": attribution.status,
            "credited": _speakers(service, attribution.credited),
            "message": attribution.message,
        },
    }


def turns(service: QAService, history: list[Message] | None) -> tuple[Asked, ...]:
    """The earlier questions of a request's history (its last ``MAX_TURNS`` user turns; the
    answers are left out, and so is a turn that would not be accepted as a question)."""
    asked = []
    for message in history or ():
        if message.role == "user":
            try:
                asked.append(Asked(service.checked_question(message.content)))
            except InvalidQuestion:
                continue
    return tuple(asked[-MAX_TURNS:])


# ---------------------------------------------------------------------- routes


@router.post("/context", response_model=ContextResponse, responses=JSON_BODY_RESPONSES)
def post_context(body: ContextRequest, service: ServiceDep) -> Response:
    """The best passages for a question, cited, in report order, packed within `max_tokens`
    tokens of `encoding` — ready to paste into an LLM prompt."""
    question = checked_question(service, body.question, "question")
    checked_k(service, body.k)
    packed = service.context(
        question,
        body.max_tokens,
        body.encoding,
        body.k,
        checked_filters(service, body.filters),
        turns(service, body.history),
    )
    return JSONBytes(
        context_json(packed), headers={PASSAGES_HEADER.decode(): str(len(packed.passages))}
    )


@router.post("/verify", response_model=VerifyResponse, responses=JSON_BODY_RESPONSES)
def post_verify(body: VerifyRequest, service: ServiceDep) -> Response:
    """Check a quote (French or English) against the report: where it says it, how
    faithfully (verbatim, close, paraphrase, not_found) and whom it credits."""
    try:
        check = service.verify(body.quote, body.speaker)
    except InvalidQuestion as exc:
        raise HTTPException(422, f"quote: {exc}") from exc
    except InvalidReference as exc:
        raise HTTPException(422, f"speaker: {exc}") from exc
    return JSONBytes(
        verify_json(service, check), headers={PASSAGES_HEADER.decode(): str(len(check.matches))}
    )
