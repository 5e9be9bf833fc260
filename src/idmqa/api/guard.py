"""ASGI middleware that guards the API: keys, rate limits, body size, headers, access log.

Pure ASGI (no BaseHTTPMiddleware) so each request pays a few dict look-ups, not an extra
task. Rejections are JSON bodies with a ``detail`` that says what is wrong, never echoing
the request.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from idmqa.settings import SELF_ORIGIN, Settings

Scope = dict
Message = dict
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("idmqa.access")

#: Paths anyone may call: probes, the page, the widget script and the API description.
OPEN_PATHS = frozenset(
    {
        "/health",
        "/ready",
        "/",
        "/widget.js",
        "/pages.css",
        "/pages.js",
        "/docs",
        "/openapi.json",
        "/favicon.ico",
    }
)
#: Citation links, and the speaker pages they link to: opened by a browser as a plain
#: navigation, which never carries a key, from any page showing answers (the report's
#: published text, limited per client like the rest).
LINK_PREFIXES = ("/passages/", "/speakers/")
#: The only routes a public key (one that sits in a web page) may call: what the widget does.
PUBLIC_KEY_PATHS = frozenset({"/ask", "/feedback", "/starters"})

#: Where the request's id (:mod:`idmqa.api.observe`) and the alias of its key live in the
#: scope.
SCOPE_REQUEST_ID = "idmqa.request_id"
SCOPE_KEY_ALIAS = "idmqa.key_alias"

#: Response header a route sets to log how many passages it returned; never sent out.
PASSAGES_HEADER = b"x-idmqa-passages"

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
_API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# Swagger UI's page starts it with an inline script; its assets are served here (/docs/…).
_DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; "
    b"style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
)
_SHUTDOWN_HEADERS = [(b"retry-after", b"1"), (b"connection", b"close"), *_SECURITY_HEADERS]
_MISSING_KEY = "missing or invalid API key: send it as X-API-Key or Authorization: Bearer"


def problem(status: int, detail: str, headers: Iterable[tuple[bytes, bytes]] = ()) -> list[Message]:
    """The ASGI messages of a JSON error answer."""
    body = json.dumps({"detail": detail}).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
    }
    return [start, {"type": "http.response.body", "body": body}]


async def _reject(
    send: Send, status: int, detail: str, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    for message in problem(status, detail, headers):
        await send(message)


def header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def key_alias(key: bytes, origin: str | None) -> str:
    """What names a key in metrics and logs, never the key: a public key's origin, or the
    first 8 hex digits of a private key's sha256 (``printf %s KEY | sha256sum``)."""
    if origin is not None:
        return f"public:{origin}"
    return "key:" + hashlib.sha256(key).hexdigest()[:8]


def presented_key(scope: Scope) -> bytes | None:
    """The API key of a request, from ``X-API-Key`` or ``Authorization: Bearer``, as the
    bytes sent (keys are compared as UTF-8, whatever the header's nominal latin-1)."""
    key = (header(scope, b"x-api-key") or b"").strip()
    if key:
        return key
    scheme, _, token = (header(scope, b"authorization") or b"").partition(b" ")
    return token.strip() if scheme.lower() == b"bearer" and token.strip() else None


Networks = list[ipaddress.IPv4Network | ipaddress.IPv6Network]


def _trusted(address: str, proxies: Networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(scope: Scope, proxies: Networks) -> str:
    """The client of a request: its peer, or, when the peer is a trusted proxy, the last
    address of ``X-Forwarded-For`` that is not a trusted proxy (a valid IP, or the request
    stays the proxy's: a forged or garbled entry never becomes the client)."""
    peer = (scope.get("client") or ("-",))[0]
    forwarded = header(scope, b"x-forwarded-for")
    if not (proxies and forwarded and _trusted(peer, proxies)):
        return peer
    client = peer
    for entry in reversed(forwarded.decode("latin-1").split(",")):
        try:
            address = str(ipaddress.ip_address(entry.strip()))
        except ValueError:
            break
        client = address
        if not _trusted(address, proxies):
            break
    return client


class Keys:
    """The keys a server accepts: private API keys, and public keys bound to an origin."""

    def __init__(self, api_keys: Iterable[str], public_keys: dict[str, str]) -> None:
        self.entries = [(k.encode(), None) for k in api_keys if k]
        self.entries += [(k.encode(), origin) for k, origin in public_keys.items() if k]

    def __bool__(self) -> bool:
        return bool(self.entries)

    def match(self, given: bytes | None) -> tuple[bytes, str | None] | None:
        """The key ``given`` is, with its origin (None for a private key), or None."""
        found = None
        # Compare against every key without short-circuiting, in constant time each.
        for key, origin in self.entries:
            if hmac.compare_digest(given or b"", key):
                found = (key, origin)
        return found


def _public_use_allowed(scope: Scope, origin: str) -> bool:
    """A public key is for a browser page on its origin asking questions, nothing else."""
    if scope.get("path") not in PUBLIC_KEY_PATHS:
        return False
    if origin == SELF_ORIGIN:
        # The search page: browsers mark its requests same-origin (the Host header, which
        # anyone can set, is never compared).
        return header(scope, b"sec-fetch-site") == b"same-origin"
    return header(scope, b"origin") == origin.encode()


class Limits:
    """Moving-window rate limits, counted in this process's memory."""

    def __init__(self, settings: Settings) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.client = self._parse(settings.rate_limit)
        self.public_client = self._parse(settings.public_rate_limit)
        self.key = self._parse(settings.key_rate_limit)
        self.auth_failures = self._parse(settings.auth_failure_limit)

    @staticmethod
    def _parse(value: str) -> RateLimitItem | None:
        return parse(value) if value else None

    def _wait(self, limit: RateLimitItem, identity: str) -> int:
        reset, _ = self.limiter.get_window_stats(limit, identity)
        return max(1, int(reset - time.time()) + 1)

    def hit(self, limit: RateLimitItem | None, identity: str) -> int | None:
        """Count one request; None if within ``limit``, else the seconds to wait."""
        if limit is None or self.limiter.hit(limit, identity):
            return None
        return self._wait(limit, identity)

    def exhausted(self, limit: RateLimitItem | None, identity: str) -> int | None:
        """The seconds to wait if ``identity`` has used up ``limit`` (counting nothing)."""
        if limit is None or self.limiter.test(limit, identity):
            return None
        return self._wait(limit, identity)


class InFlight:
    """The requests being answered, so that a shutdown can answer those its drain left."""

    def __init__(self) -> None:
        self.requests: dict[int, dict] = {}

    async def refuse_all(self) -> int:
        """Answer 503 to every request whose answer has not started; how many there were."""
        left = [r for r in self.requests.values() if not r["started"]]
        for request in left:
            request["started"] = request["refused"] = True
            request["status"] = 503
        for request in left:
            # Fresh messages each time: the middlewares outside add headers to them in place.
            for message in problem(503, "the server is shutting down; retry", _SHUTDOWN_HEADERS):
                try:
                    await request["send"](message)
                except Exception:  # the client left: nothing to answer
                    break
        return len(left)


class GuardMiddleware:
    """API keys, per-client rate limits, request body limit, security headers, access log."""

    def __init__(self, app: ASGIApp, *, settings: Settings, in_flight: InFlight) -> None:
        self.app = app
        self.keys = Keys(settings.api_key_list, settings.public_key_map)
        self.limits = Limits(settings)
        self.proxies = settings.trusted_proxy_networks
        self.max_body = settings.max_body_bytes
        self.in_flight = in_flight
        self.open_paths = OPEN_PATHS | ({"/metrics"} if settings.metrics_open else set())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope.get("path", "")
        scope["client"] = (client_address(scope, self.proxies), 0)
        state: dict = {"status": 500, "passages": None, "started": False, "refused": False}
        state["send"] = send
        self.in_flight.requests[id(state)] = state

        async def send_wrapper(message: Message) -> None:
            if state["refused"]:  # the shutdown has answered for the route
                return
            if message["type"] == "http.response.start":
                state["started"] = True
                state["status"] = message["status"]
                message = self._with_headers(message, path, state)
            await send(message)

        try:
            await self._dispatch(scope, receive, send_wrapper, path)
        finally:
            del self.in_flight.requests[id(state)]
            self._log(scope, path, state, started)

    @staticmethod
    def _with_headers(message: Message, path: str, state: dict) -> Message:
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
        return {**message, "headers": headers}

    @staticmethod
    def _log(scope: Scope, path: str, state: dict, started: float) -> None:
        access_log.info(
            json.dumps(
                {
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "method": scope.get("method"),
                    "path": path[:200],
                    "status": state["status"],
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "passages": int(state["passages"]) if state["passages"] else None,
                    "client": scope["client"][0],
                    # Which server process answered (idmqa serve --workers N).
                    "pid": os.getpid(),
                    "request_id": scope.get(SCOPE_REQUEST_ID),
                }
            )
        )

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        if scope.get("method") == "OPTIONS" or path in self.open_paths or path.startswith("/docs"):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope, path)
        if refusal is not None:
            await _reject(send, *refusal)
            return
        length = header(scope, b"content-length")
        if length and length.isdigit() and int(length) > self.max_body:
            await _reject(send, 413, f"request body larger than {self.max_body} bytes")
            return
        body = await self._read_body(receive)
        if body is None:
            await _reject(send, 413, f"request body larger than {self.max_body} bytes")
        elif body is not _GONE:
            await self.app(scope, _replay(body, receive), send)

    def _refusal(self, scope: Scope, path: str) -> tuple[int, str, list] | None:
        """Why a request is refused (status, detail, headers), or None to let it through."""
        client = scope["client"][0]
        if not self.keys or path.startswith(LINK_PREFIXES):
            return self._limited(self.limits.client, f"ip:{client}")
        wait = self.limits.exhausted(self.limits.auth_failures, f"fail:{client}")
        if wait:
            return _too_many("too many requests with a wrong key", wait)
        found = self.keys.match(presented_key(scope))
        if found is None or (found[1] is not None and not _public_use_allowed(scope, found[1])):
            self.limits.hit(self.limits.auth_failures, f"fail:{client}")
            if found is None:
                return 401, _MISSING_KEY, [(b"www-authenticate", b"Bearer")]
            return 403, "this public key only asks questions from its own site", []
        key, origin = found
        scope[SCOPE_KEY_ALIAS] = key_alias(key, origin)
        # Keys are counted by a digest: the limiter's memory never holds a key.
        key_id = hashlib.sha256(key).hexdigest()[:16]
        per_client = self.limits.client if origin is None else self.limits.public_client
        # Per client first: one client spends at most its own share of a key's budget.
        return self._limited(per_client, f"key:{key_id}:{client}") or self._limited(
            self.limits.key, f"key:{key_id}"
        )

    def _limited(self, limit: RateLimitItem | None, identity: str) -> tuple | None:
        wait = self.limits.hit(limit, identity)
        return _too_many(f"rate limit exceeded ({limit})", wait) if wait else None

    async def _read_body(self, receive: Receive) -> bytes | object | None:
        """The whole request body; None past the limit (a chunked body has no length),
        ``_GONE`` if the client went away (or the connection was timed out) first."""
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return _GONE
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)


_GONE = object()


def _too_many(detail: str, wait: int) -> tuple[int, str, list]:
    return 429, f"{detail}; retry in {wait} s", [(b"retry-after", str(wait).encode())]


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
