"""ASGI middleware that guards the API: keys, rate limits, body size, headers, access log.

Pure ASGI (no BaseHTTPMiddleware) so each request pays a few dict look-ups, not an extra
task. Rejections are JSON bodies with a ``detail`` that says what is wrong.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

Scope = dict
Message = dict
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("idmqa.access")

#: Paths anyone may call: probes, the page, the widget script and the API description.
OPEN_PATHS = frozenset(
    {"/health", "/ready", "/", "/widget.js", "/docs", "/openapi.json", "/favicon.ico"}
)

#: Response header a route sets to log how many passages it returned; never sent out.
PASSAGES_HEADER = b"x-idmqa-passages"

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# Swagger UI loads its assets from a CDN; give /docs its own, looser policy.
_DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline' https:; "
    b"style-src 'self' 'unsafe-inline' https:; img-src 'self' data: https:; "
    b"frame-ancestors 'none'"
)


async def _reject(
    send: Send, status: int, detail: str, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def presented_key(scope: Scope) -> str | None:
    """The API key of a request, from ``X-API-Key`` or ``Authorization: Bearer``."""
    key = _header(scope, b"x-api-key")
    if key:
        return key.strip()
    auth = _header(scope, b"authorization") or ""
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class GuardMiddleware:
    """API keys, per-client rate limit, request body limit, security headers, access log."""

    def __init__(
        self, app: ASGIApp, *, api_keys: Iterable[str], rate_limit: str | None, max_body_bytes: int
    ) -> None:
        self.app = app
        self.keys = [k.encode() for k in api_keys if k]
        self.limit = parse(rate_limit) if rate_limit else None
        self.limiter = MovingWindowRateLimiter(MemoryStorage()) if self.limit else None
        self.max_body = max_body_bytes

    def _authorised(self, key: str | None) -> bool:
        if not self.keys:
            return True
        given = (key or "").encode()
        # Compare against every key without short-circuiting, in constant time each.
        return any([hmac.compare_digest(given, k) for k in self.keys])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope.get("path", "")
        state: dict[str, object] = {"status": 500, "passages": None}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                headers = []
                for name, value in message.get("headers", []):
                    # Routes report the passage count in this header, for the log only.
                    if name == PASSAGES_HEADER:
                        state["passages"] = value.decode()
                    else:
                        headers.append((name, value))
                present = {name for name, _ in headers}
                csp = _DOCS_CSP if path.startswith("/docs") else _API_CSP
                # A route that sets its own policy (the search page) keeps it.
                headers += [
                    h
                    for h in (*_SECURITY_HEADERS, (b"content-security-policy", csp))
                    if h[0] not in present
                ]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self._dispatch(scope, receive, send_wrapper, path)
        finally:
            access_log.info(
                json.dumps(
                    {
                        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        "method": scope.get("method"),
                        "path": path,
                        "status": state["status"],
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                        "passages": int(state["passages"]) if state["passages"] else None,
                        "client": (scope.get("client") or ("-",))[0],
                        # Which server process answered (idmqa serve --workers N).
                        "pid": os.getpid(),
                    }
                )
            )

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        if scope.get("method") == "OPTIONS" or path in OPEN_PATHS or path.startswith("/docs"):
            await self.app(scope, receive, send)
            return
        key = presented_key(scope)
        if not self._authorised(key):
            await _reject(
                send,
                401,
                "missing or invalid API key: send it as X-API-Key or Authorization: Bearer",
                [(b"www-authenticate", b"Bearer")],
            )
            return
        if self.limiter and self.limit:
            client = f"key:{key}" if self.keys else f"ip:{(scope.get('client') or ('-',))[0]}"
            if not self.limiter.hit(self.limit, client):
                reset, _ = self.limiter.get_window_stats(self.limit, client)
                retry = max(1, int(reset - time.time()) + 1)
                await _reject(
                    send,
                    429,
                    f"rate limit exceeded ({self.limit}); retry in {retry} s",
                    [(b"retry-after", str(retry).encode())],
                )
                return
        length = _header(scope, b"content-length")
        if length and length.isdigit() and int(length) > self.max_body:
            await _reject(send, 413, f"request body larger than {self.max_body} bytes")
            return
        body = await self._read_body(receive)
        if body is None:
            await _reject(send, 413, f"request body larger than {self.max_body} bytes")
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole request body, or None past the limit (a chunked body has no length)."""
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that yields the already-read body once, then the client's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
