"""The MCP server: idmqa's tools for LLM agents, at ``/mcp`` (streamable HTTP) or on stdio.

The tools are thin: each validates its arguments through the core (:class:`QAService`) and
returns the same JSON shapes as the HTTP API. Over HTTP the server is stateless with JSON
responses — every POST is a complete exchange, no session lives in a process — so any worker
of ``idmqa serve --workers N`` can answer any request; the app's guard middleware puts it
behind the same API keys, rate limit and body limit as the rest of the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, HTTPException
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import ToolAnnotations
from pydantic import Field

from idmqa import __version__
from idmqa.api.llm import Message, VerifyResponse, turns, verify_json
from idmqa.api.people import (
    SpeakerDetail,
    SpeakerList,
    SpeakerSummary,
    person_or_404,
    speaker_detail,
    speaker_summary,
)
from idmqa.api.schemas import MAX_K, MAX_NAME_CHARS, AskFilters, AskResponse, PassageDetail
from idmqa.api.shaping import answer_json, passage_in_context_json
from idmqa.retrieval.questions import InvalidQuestion
from idmqa.service import MAX_AROUND, InvalidFilter, InvalidReference, QAService

#: Where the MCP endpoint is mounted.
MCP_PATH = "/mcp"

INSTRUCTIONS = """\
idmqa answers questions about one report, in French: the IOM's International Dialogue on \
Migration No. 28 (2018), "Des partenariats novateurs et ouverts à tous pour une bonne \
gouvernance mondiale des migrations" (two workshops in New York and Geneva, 2018). Every \
answer is verbatim text of the report with a citation (section, source lines, and the people \
whose statements a passage reports). Ask in French or English. Quote the passages, cite them \
by id, and say so when a result has answerable: false — the report then does not address the \
question, and the passages are only the nearest text."""

_READ_ONLY = ToolAnnotations(readOnlyHint=True, idempotentHint=True, openWorldHint=False)


class Tools:
    """The tools, over a service that may still be loading."""

    def __init__(self, get_service: Callable[[], QAService | None]) -> None:
        self._get_service = get_service

    @property
    def service(self) -> QAService:
        service = self._get_service()
        if service is None:
            raise ToolError("idmqa is still loading its index and model; retry in a few seconds")
        return service

    def ask(
        self,
        question: Annotated[str, Field(description="The question, in French or English")],
        k: Annotated[int | None, Field(ge=1, le=MAX_K, description="Passages (default 5)")] = None,
        filters: AskFilters | None = None,
        history: Annotated[
            list[Message] | None,
            Field(description="Earlier turns, oldest first, for a follow-up question"),
        ] = None,
    ) -> AskResponse:
        """Search the report for passages that answer a question. Returns the best passages,
        verbatim, each with its id, a citation (section, source lines, speakers) and the
        spans that best match (highlights), plus `answerable`: false means the report does
        not address the question and the passages are only the nearest text — say so
        rather than answer from them. Use `filters.speaker` (a name or person id) for what
        one person said, and `history` for a follow-up ("and what did she say about
        data?")."""
        service = self.service
        try:
            question = service.checked_question(question)
            given = filters or AskFilters()
            checked = service.filters(
                given.document, tuple(given.kind or ()), given.speaker, given.language
            )
        except (InvalidQuestion, InvalidFilter) as exc:
            raise ToolError(str(exc)) from exc
        result = service.ask(question, k, checked if filters else None, turns(service, history))
        return answer_json(service, result)

    def get_passage(
        self,
        id: Annotated[str, Field(description="A passage id from another tool's result")],
        around: Annotated[
            int, Field(ge=0, le=MAX_AROUND, description="Passages to add on each side")
        ] = 0,
    ) -> PassageDetail:
        """Read one passage of the report by id, with `around` passages before and after it
        (in `before` and `after`, document order): use it to see the context of a passage
        another tool returned, e.g. who was speaking before a quoted statement."""
        service = self.service
        found = service.passage(id, around)
        if found is None:
            raise ToolError(f"no passage with id {id!r}; ids come from ask or speaker_statements")
        return passage_in_context_json(service, found, surrounding=True)

    def find_speaker(
        self,
        query: Annotated[
            str,
            Field(
                max_length=MAX_NAME_CHARS,
                description="A name (misspellings are fine), a role, an organisation or a "
                "country; at most 8 words",
            ),
        ],
    ) -> SpeakerList:
        """Find people the report names — speakers, moderators, presenters — from a name
        (even misspelt), a role ("maire", "Director General"), an organisation ("UNICEF") or
        a country ("Mexique"). Returns their person ids, roles, countries, workshops and how
        many statements the report credits them with; pass an id to speaker_statements."""
        try:
            people = self.service.find_speakers(query)
        except InvalidReference as exc:
            raise ToolError(str(exc)) from exc
        rows = [SpeakerSummary(**speaker_summary(p)) for p in people]
        return SpeakerList(count=len(rows), speakers=rows)

    def speaker_statements(
        self,
        person: Annotated[str, Field(description="A person id from find_speaker, or a name")],
    ) -> SpeakerDetail:
        """Everything the report credits one person with: their roles, agenda appearances
        and every passage reporting their statements, verbatim and cited, in report order.
        Use it to answer "what did X say" exhaustively, or before quoting someone."""
        try:
            return speaker_detail(self.service, person_or_404(self.service, person))
        except HTTPException as exc:
            raise ToolError(str(exc.detail)) from exc

    def verify_quote(
        self,
        quote: Annotated[
            str, Field(description="The quote, French or English; mark cuts with … or [...]")
        ],
        speaker: Annotated[
            str | None, Field(description="Who the quote is credited to (name or person id)")
        ] = None,
    ) -> VerifyResponse:
        """Check a quote against the report before using it: where the report says it
        (passage id, character span, citation), how faithfully — `verbatim`, `close` (small
        differences: check the span), `paraphrase` (same meaning in other words or in
        another language: cite it as a paraphrase, not in quotation marks) or `not_found`
        (do not attribute it to the report) — and whom the report credits for it. Given a
        `speaker`, `attribution.message` says whether the report credits that person
        ("the report attributes this to William Lacy Swing, not to …")."""
        service = self.service
        try:
            return verify_json(service, service.verify(quote, speaker))
        except (InvalidQuestion, InvalidReference) as exc:
            raise ToolError(str(exc)) from exc


def build_mcp(get_service: Callable[[], QAService | None]) -> MCPServer:
    """The MCP server with idmqa's tools over the service ``get_service`` returns."""
    server = MCPServer("idmqa", instructions=INSTRUCTIONS, version=__version__)
    tools = Tools(get_service)
    for tool, title in (
        (tools.ask, "Ask the report"),
        (tools.get_passage, "Read a passage and its neighbours"),
        (tools.find_speaker, "Find a person"),
        (tools.speaker_statements, "A person's statements"),
        (tools.verify_quote, "Verify a quote"),
    ):
        server.add_tool(tool, title=title, annotations=_READ_ONLY, structured_output=True)
    return server


def mount_mcp(
    app: FastAPI, get_service: Callable[[], QAService | None]
) -> StreamableHTTPSessionManager:
    """Add the MCP endpoint to ``app``; the caller runs the returned manager (``async with
    manager.run()``) for the app's lifetime."""
    server = build_mcp(get_service)
    mcp_app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=True,
        json_response=True,
        # Host and Origin checks would break deployments behind proxies; what guards the
        # endpoint is the API keys (the guard middleware) and, for browsers, CORS.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    # Only the endpoint's route is taken (the SDK's app runs the manager in its own lifespan,
    # which a mounted sub-app would never get).
    app.router.routes.extend(r for r in mcp_app.routes if getattr(r, "path", None) == MCP_PATH)
    return server.session_manager
