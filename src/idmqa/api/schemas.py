"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from idmqa.index.starters import LANGUAGES as UI_LANGUAGES
from idmqa.retrieval.questions import MAX_PASSAGE_ID_CHARS, MAX_TURN_PASSAGES, MAX_TURNS
from idmqa.service import MAX_PERSON_REF_CHARS
from idmqa.settings import Settings

#: Hard upper bound of the schema; the configured limit (IDMQA_MAX_QUESTION_CHARS) applies too.
MAX_QUESTION_CHARS = 10_000
#: Every other string of a request is bounded too, so that no input costs by its size:
#: ids of documents and passages (the report's are under 50 characters), kinds and languages.
MAX_ID_CHARS = MAX_PASSAGE_ID_CHARS
MAX_KIND_CHARS = 40
MAX_KINDS = 20
MAX_LANGUAGE_CHARS = 10
#: A person reference: an id, a name, part of a name or an organisation (see the service).
MAX_NAME_CHARS = MAX_PERSON_REF_CHARS
#: The schema's bounds of ``k``: the settings' defaults (IDMQA_MAX_K may lower the ceiling).
MAX_K = Settings.model_fields["max_k"].default
DEFAULT_K = Settings.model_fields["default_k"].default

#: The language of a readable page (``?lang=``; else the browser's, else French).
PageLanguage = Annotated[
    Literal[UI_LANGUAGES] | None,
    Query(description="Language of the page a browser gets (Accept: text/html); JSON ignores it"),
]
#: Routes answering JSON or a page by the Accept header say so to caches.
VARY_ACCEPT = {"Vary": "Accept, Accept-Language"}


class AskFilters(BaseModel):
    """Optional restrictions on the passages returned."""

    model_config = ConfigDict(extra="forbid")

    document: str | None = Field(
        None, max_length=MAX_ID_CHARS, description="Only passages of this document id"
    )
    kind: list[Annotated[str, Field(max_length=MAX_KIND_CHARS)]] | None = Field(
        None, max_length=MAX_KINDS, description="Only passages of these kinds"
    )
    speaker: str | None = Field(
        None,
        max_length=MAX_NAME_CHARS,
        description="Only passages where this person speaks: their statements, and the agenda "
        "rows listing them as a speaker (a person id from /speakers, or a name of at most 8 "
        "words; an ambiguous name is a 422 listing the candidates)",
    )
    language: str | None = Field(
        None,
        max_length=MAX_LANGUAGE_CHARS,
        description="Only passages in this language (detected per passage: fr, en)",
    )


class HistoryTurn(BaseModel):
    """An earlier turn of the conversation, as asked and answered."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        ...,
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="The question asked (bounded like `question`)",
    )
    passage_ids: list[Annotated[str, Field(max_length=MAX_ID_CHARS)]] = Field(
        default_factory=list,
        max_length=MAX_TURN_PASSAGES,
        description="Ids of the passages it was answered with, best first (unknown ids are "
        "ignored): whom a later 'he' or 'she' may mean when the question named nobody",
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
    history: list[HistoryTurn] | None = Field(
        None,
        max_length=MAX_TURNS,
        description=f"Earlier turns of the conversation, oldest first (at most {MAX_TURNS}): "
        "the question is read in it — a pronoun is the previous turn's person, 'its' or "
        "'ce mécanisme' its topic, 'Et M. Lauber ?' the previous question about someone else "
        "— and `interpreted_as` says how",
    )


class SpeakerRef(BaseModel):
    """A person of the people index."""

    id: str
    name: str


class PassageSpeaker(SpeakerRef):
    """A person with a role in a passage, and where its text shows it."""

    role: str = Field(
        ...,
        description="speaker (a narrative passage reports their statements; an agenda row lists "
        "them as a speaker), moderator, presenter, introduction (agenda rows), pictured (a photo "
        "caption)",
    )
    spans: list[list[int]] = Field(
        default_factory=list,
        description="[start, end) character spans of the passage text: the sentences reporting "
        "a speaker's statements, an agenda entry, a caption's name",
    )


class CitationOut(BaseModel):
    """Where the passage comes from."""

    document: str
    title: str
    short_title: str = Field(
        ..., description="The document's short title (its metadata's short_title, else title)"
    )
    section: str
    kind: str
    lines: list[int] = Field(..., description="[first, last] 1-based lines in the source file")
    speakers: list[PassageSpeaker] = Field(
        default_factory=list,
        description="People with a role in the passage: who speaks (per sentence), moderates, "
        "presents or is pictured",
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


class SpeakerCount(SpeakerRef):
    """A person speaking in the best candidates of a question."""

    count: int = Field(..., description="Candidates in which they speak")


class Facets(BaseModel):
    """Counts over the best candidates of a question (IDMQA_FACET_CANDIDATES, default 20),
    not only the passages returned."""

    speakers: list[SpeakerCount] = Field(
        default_factory=list, description="The people speaking in them, most first"
    )


class AskResponse(BaseModel):
    """Best passages for a question."""

    question: str
    interpreted_as: str | None = Field(
        None,
        description="The question searched, when the conversation (`history`) changed how it "
        'reads (e.g. "Qu\'a dit António Vitorino sur la société civile ?"); null otherwise',
    )
    language: str
    passages: list[PassageOut]
    facets: Facets = Field(default_factory=Facets)
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


class Starters(BaseModel):
    """Questions a visitor may start with."""

    language: str
    starters: list[str]


class Problem(BaseModel):
    """Error body."""

    detail: str


class FieldError(BaseModel):
    """One invalid field of a request."""

    loc: list[str | int] = Field(..., description='Where: e.g. ["body", "question"]')
    msg: str
    type: str | None = None


class InvalidRequest(Problem):
    """Error body of a 422: ``detail`` names the field; ``errors`` when the schema caught it;
    ``candidates`` whom an ambiguous or unknown speaker filter may mean."""

    errors: list[FieldError] | None = None
    candidates: list[SpeakerRef] | None = None


#: Answers the guard (API keys, rate limit, body limit) and a still-loading service may give on
#: every route that is not open; declared so that the OpenAPI description is complete.
GUARDED_RESPONSES: dict[int | str, dict] = {
    401: {"model": Problem, "description": "Missing or invalid API key (IDMQA_API_KEYS set)"},
    403: {"model": Problem, "description": "A public key used off its origin or route"},
    413: {"model": Problem, "description": "Request body larger than IDMQA_MAX_BODY_BYTES"},
    422: {"model": InvalidRequest, "description": "Invalid request; `detail` names the field"},
    429: {
        "model": Problem,
        "description": "Rate limit exceeded (IDMQA_RATE_LIMIT and the others), or too many "
        "failed authentications",
        "headers": {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        },
    },
    503: {
        "model": Problem,
        "description": "Index and model still loading or failed to load, or shutting down",
    },
}

#: And on routes that take a JSON body.
JSON_BODY_RESPONSES: dict[int | str, dict] = {
    **GUARDED_RESPONSES,
    400: {"model": Problem, "description": "Body is not JSON in UTF-8"},
}
