"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from idmqa import __version__
from idmqa.api.agents import mount_mcp
from idmqa.api.guard import GuardMiddleware
from idmqa.api.llm import router as llm_router
from idmqa.api.people import router as people_router
from idmqa.api.routes import router
from idmqa.api.state import ServiceHolder
from idmqa.api.web import router as web_router
from idmqa.settings import Settings, get_settings

log = logging.getLogger(__name__)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the index and model load in the background after start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.api_key_list:
            log.warning("IDMQA_API_KEYS is empty: the API is open to anyone who can reach it")
        app.state.holder.start()
        async with app.state.mcp.run():
            yield

    app = FastAPI(
        title="idmqa",
        version=__version__,
        lifespan=lifespan,
        description="Cited passages from the IOM International Dialogue on Migration "
        "No. 28 (2018), for questions in French or English.",
    )
    app.state.holder = ServiceHolder(settings)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # One readable sentence first, the structured errors after, for clients of both kinds.
        # The rejected input is never echoed: it may be huge, HTML or not even encodable.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type")}
            for e in exc.errors()
        ]
        body = {"detail": _validation_message(exc), "errors": errors}
        return JSONResponse(jsonable_encoder(body), status_code=422)

    app.include_router(router)
    app.include_router(people_router)
    app.include_router(llm_router)
    app.include_router(web_router)
    app.state.mcp = mount_mcp(app, lambda: app.state.holder.service)
    app.add_middleware(
        GuardMiddleware,
        api_keys=settings.api_key_list,
        rate_limit=settings.rate_limit or None,
        max_body_bytes=settings.max_body_bytes,
    )
    # Added last, so outermost: 401/413/429 answers carry CORS headers too, and the widget can
    # tell "rate-limited" from "unreachable".
    # Browsers may call the API from other sites' pages (the widget) only for listed origins.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origin_list,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "X-API-Key", "Authorization", "Mcp-Protocol-Version"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    return app
