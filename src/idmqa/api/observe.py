"""ASGI middleware that makes every request traceable and counted: a request id, metrics.

Outside the guard, so that its refusals (401, 413, 429) carry an id and are counted too.
"""

from __future__ import annotations

import re
import time
import uuid

from idmqa.api import metrics
from idmqa.api.guard import (
    SCOPE_KEY_ALIAS,
    SCOPE_REQUEST_ID,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    header,
)

#: A request id a client or proxy may give: what UUIDs, trace ids and the usual proxy ids
#: are made of. Another value (too long, or with characters a log line would have to escape)
#: is replaced by an id made here; the answer says which id was used.
REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
REQUEST_ID_HEADER = b"x-request-id"
#: Methods counted under their own name; any other is counted as "other" (labels stay few).
#: Statuses of the guard's refusals, answered before any route is chosen.
GUARD_REFUSALS = frozenset({401, 403, 413, 429})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_id(scope: Scope) -> str:
    """The id the client gave, if it is one, or a new one."""
    given = header(scope, REQUEST_ID_HEADER)
    if given is not None and REQUEST_ID.fullmatch(given):
        return given.decode("ascii")
    return uuid.uuid4().hex


def _route(scope: Scope, status: int) -> str:
    """The route template that answered (the router records it in the scope), or what kept
    the request from any route; never the path itself, which is the client's."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    return metrics.REFUSED if status in GUARD_REFUSALS else metrics.UNMATCHED


class ObserveMiddleware:
    """Gives each request an id (``X-Request-ID``, echoed in the answer and logged) and
    records its route, status and duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id(scope)
        scope[SCOPE_REQUEST_ID] = rid
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0] != REQUEST_ID_HEADER]
                message = {**message, "headers": [*headers, (REQUEST_ID_HEADER, rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            method = scope.get("method", "")
            metrics.record_request(
                _route(scope, status),
                method if method in METHODS else "other",
                status,
                time.perf_counter() - started,
            )
            if status == 429:
                metrics.record_rate_limited(scope.get(SCOPE_KEY_ALIAS))
