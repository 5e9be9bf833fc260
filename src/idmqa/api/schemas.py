"""Request and response models of the HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from idmqa.settings import Settings

#: Hard upper bound of the schema; the configured limit (IDMQA_MAX_QUESTION_CHARS) applies too.
MAX_QUESTION_CHARS = 10_000
#: The schema's bounds of ``k``: the settings' defaults (IDMQA_MAX_K may lower the ceiling).
MAX_K = Settings.model_fields["max_k"].default
DEFAULT_K = Settings.model_fields["default_k"].default


class AskFilters(BaseModel):
    """Optional restrictions on the passages returned."""

    model_config = ConfigDict(extra="forbid")

    document: str | None = Field(None, description="Only passages of this document id")
    kind: list[str] | None = Field(None, description="Only passages of these kinds")
    speaker: str | None = Field(
        None,
        description="Only passages reporting this person's statements (a person id from "
        "/speakers, or a name)",
    )
    language: str | None = Field(
        None, description="Only passages in this language (detected per passage: fr, en)"
    )


class AskRequest(BaseModel):
    """A question and how many passages to return."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        ...,
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="The question, French or English (IDMQA_MAX_QUESTION_CHARS, default 1000, "
        "may lower the limit)",
    )
    k: int | None = Field(
        None,
        ge=1,
        le=MAX_K,
        description=f"Number of passages (1–{MAX_K}; default IDMQA_DEFAULT_K, {DEFAULT_K})",
    )
    filters: AskFilters | None = None


class SpeakerRef(BaseModel):
    """A person whose statement a passage reports."""

    id: str
    name: str


class CitationOut(BaseModel):
    """Where the passage comes from."""

    document: str
    title: str
    section: str
    kind: str
    lines: list[int] = Field(..., description="[first, last] 1-based lines in the source file")
    speakers: list[SpeakerRef] = Field(
        default_factory=list, description="People whose statements the passage reports"
    )


class PassageOut(BaseModel):
    """One returned passage with its verbatim text and citation."""

    id: str
    rank: int
    score: float
    text: str
    tokens: int = Field(..., description="cl100k_base tokens of text")
    highlights: list[list[int]] = Field(
        default_factory=list,
        description="[start, end) character spans of text that best match the question",
    )
    citation: CitationOut


class AskResponse(BaseModel):
    """Best passages for a question."""

    question: str
    language: str
    passages: list[PassageOut]
    answerable: bool = Field(
        True,
        description="False when no passage seems to address the question (confidence below "
        "the threshold and no person of the report named)",
    )
    confidence: float = Field(
        1.0, description="0–1: how likely the first passage answers the question"
    )
    took_ms: float


class NearbyPassage(BaseModel):
    """A passage near the one asked for, with its citation."""

    id: str
    text: str
    tokens: int
    citation: CitationOut


class PassageDetail(BaseModel):
    """One passage with its neighbours in document order."""

    id: str
    text: str
    tokens: int
    citation: CitationOut
    previous: str | None
    next: str | None
    before: list[NearbyPassage] | None = Field(
        None, description="With ?around=n: the (up to) n passages before it, in document order"
    )
    after: list[NearbyPassage] | None = Field(
        None, description="With ?around=n: the (up to) n passages after it, in document order"
    )


class Problem(BaseModel):
    """Error body."""

    detail: str


class FieldError(BaseModel):
    """One invalid field of a request."""

    loc: list[str | int] = Field(..., description='Where: e.g. ["body", "question"]')
    msg: str
    type: str | None = None


class InvalidRequest(Problem):
    """Error body of a 422: ``detail`` names the field; ``errors`` when the schema caught it."""

    errors: list[FieldError] | None = None


#: Answers the guard (API keys, rate limit, body limit) and a still-loading service may give on
#: every route that is not open; declared so that the OpenAPI description is complete.
GUARDED_RESPONSES: dict[int | str, dict] = {
    401: {"model": Problem, "description": "Missing or invalid API key (IDMQA_API_KEYS set)"},
    413: {"model": Problem, "description": "Request body larger than IDMQA_MAX_BODY_BYTES"},
    422: {"model": InvalidRequest, "description": "Invalid request; `detail` names the field"},
    429: {
        "model": Problem,
        "description": "Rate limit (IDMQA_RATE_LIMIT) exceeded",
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
    },
    503: {"model": Problem, "description": "Index and model still loading, or failed to load"},
}

#: And on routes that take a JSON body.
JSON_BODY_RESPONSES: dict[int | str, dict] = {
    **GUARDED_RESPONSES,
    400: {"model": Problem, "description": "Body is not JSON in UTF-8"},
}
