"""The FastAPI application factory."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from idmqa import __version__
from idmqa.api.agents import mount_mcp
from idmqa.api.docs import mount_docs
from idmqa.api.feedback import router as feedback_router
from idmqa.api.guard import GuardMiddleware, InFlight
from idmqa.api.llm import router as llm_router
from idmqa.api.metrics import router as metrics_router
from idmqa.api.observe import ObserveMiddleware
from idmqa.api.people import router as people_router
from idmqa.api.reload import IndexWatcher
from idmqa.api.routes import FilterProblem, filter_problem, router
from idmqa.api.state import ServiceHolder
from idmqa.api.web import router as web_router
from idmqa.feedback.store import FeedbackStore
from idmqa.settings import SELF_ORIGIN, Settings, get_settings

log = logging.getLogger(__name__)

#: A 422 reports this many errors at most: a body can hold thousands of unknown fields.
MAX_REPORTED_ERRORS = 10
#: A location names a field only if it looks like one: an unknown field's name is the
#: client's input (as long as the body, HTML…), never echoed otherwise.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


def _location(error: dict) -> list[str | int]:
    return [
        p if isinstance(p, int) or _FIELD_NAME.fullmatch(str(p)) else "(field)"
        for p in error.get("loc", ())
    ]


def _validation_errors(exc: RequestValidationError) -> list[dict]:
    return [
        {"loc": _location(e), "msg": e.get("msg", ""), "type": e.get("type")}
        for e in exc.errors()[:MAX_REPORTED_ERRORS]
    ]


def _validation_message(errors: list[dict]) -> str:
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error["loc"] if p != "body") or "body"
        parts.append(f"{where}: {error['msg'] or 'invalid'}")
    return "; ".join(parts)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the index and model load in the background after start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not (settings.api_key_list or settings.public_key_map):
            log.warning("IDMQA_API_KEYS is empty: the API is open to anyone who can reach it")
        app.state.holder.start()
        # Here, in each worker after the fork: the watcher's thread, and the tracer's
        # exporting thread, would not survive a fork.
        watcher = IndexWatcher(app.state.holder, settings.index_poll_seconds).start()
        if settings.otel_endpoint:
            from idmqa.api.tracing import start_tracing

            start_tracing(settings)
        try:
            async with app.state.mcp.run():
                yield
        finally:
            watcher.stop()

    app = FastAPI(
        title="idmqa",
        version=__version__,
        lifespan=lifespan,
        # No redirects: Starlette builds their Location from the Host header, which anyone sets.
        redirect_slashes=False,
        docs_url=None,  # mount_docs: the page without a CDN
        description="Cited passages from the IOM International Dialogue on Migration "
        "No. 28 (2018), for questions in French or English.",
    )
    app.state.holder = ServiceHolder(settings)
    app.state.in_flight = InFlight()
    # Opened on first use, in each worker process (see idmqa.feedback.store).
    app.state.feedback = FeedbackStore(settings.data_dir)
    app.state.page_key = next(
        (key for key, origin in settings.public_key_map.items() if origin == SELF_ORIGIN), None
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # One readable sentence first, the structured errors after, for clients of both kinds.
        # The rejected input is never echoed: it may be huge, HTML or not even encodable.
        errors = _validation_errors(exc)
        body = {"detail": _validation_message(errors), "errors": errors}
        return JSONResponse(jsonable_encoder(body), status_code=422)

    _wire(app, settings)
    return app


def _wire(app: FastAPI, settings: Settings) -> None:
    """Routers, then middlewares from the innermost to the outermost."""
    app.add_exception_handler(FilterProblem, filter_problem)
    app.include_router(router)
    app.include_router(people_router)
    app.include_router(llm_router)
    app.include_router(feedback_router)
    app.include_router(web_router)
    app.include_router(metrics_router)
    mount_docs(app)
    app.state.mcp = mount_mcp(app, lambda: app.state.holder.service)
    app.add_middleware(GuardMiddleware, settings=settings, in_flight=app.state.in_flight)
    # Outside the guard: its refusals get a request id and are counted too.
    app.add_middleware(ObserveMiddleware)
    if settings.otel_endpoint:
        from idmqa.api.tracing import instrument_app

        instrument_app(app)
    # Added last, so outermost: 401/413/429 answers carry CORS headers too, and the widget can
    # tell "rate-limited" from "unreachable".
    # Browsers may call the API from other sites' pages (the widget) only for listed origins.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origin_list,
        allow_methods=["GET", "POST"],
        allow_headers=[
            "Content-Type",
            "X-API-Key",
            "Authorization",
            "Mcp-Protocol-Version",
            "X-Request-ID",
        ],
        expose_headers=["Retry-After", "X-Request-ID"],
        max_age=600,
    )
