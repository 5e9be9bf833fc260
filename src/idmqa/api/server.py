"""The HTTP server: uvicorn, with what it lacks against slow or many clients and at shutdown.

* **A deadline for every request.** uvicorn's only timeout is keep-alive, between requests,
  and any byte received cancels it: a client trickling its headers or body, or connecting and
  sending nothing, holds a connection (a file descriptor) forever. Here a client has
  ``IDMQA_READ_TIMEOUT`` seconds, from connecting or from the first byte of a request, to send
  the whole request; then it gets ``408`` (if it sent anything) and the connection is closed.
* **A cap on connections.** Past ``IDMQA_MAX_CONNECTIONS`` open connections, a new one is
  answered ``503`` and closed at once, long before the process runs out of file descriptors;
  past twice the cap (a flood: the refused ones linger a moment), it is reset unanswered.
* **Forwarded headers** are the guard's (:func:`idmqa.api.guard.client_address`, trusted only
  from ``IDMQA_TRUSTED_PROXIES``): uvicorn's own would trust any ``X-Forwarded-For`` from
  127.0.0.1.
* **Shutdown.** On SIGTERM uvicorn stops accepting and lets the requests in flight finish;
  after ``IDMQA_DRAIN_SECONDS`` those left are answered ``503`` and the process exits at
  once, even if a worker thread is still busy (it would otherwise keep the interpreter alive).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import signal
import socket
import sys
from types import FrameType

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from idmqa.api.guard import InFlight
from idmqa.settings import Settings

log = logging.getLogger("idmqa.server")

#: Seconds a refused connection stays half-open, so that the client reads its 503 before the
#: close (closing with its request unread would reset the connection and lose the answer).
REFUSAL_LINGER = 1.0
#: File descriptors a process needs besides its connections: model, index, logs, pipes.
RESERVED_FILES = 256
#: Seconds between the end of the drain and the end of the grace period: answering the rest
#: and exiting.
EXIT_MARGIN = 5.0


def _raw_answer(status: int, reason: str, detail: str, extra: str = "") -> bytes:
    body = json.dumps({"detail": detail})
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n{extra}"
        "x-content-type-options: nosniff\r\n\r\n" + body
    ).encode()


class GuardedProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for receiving each request and a connection cap
    (class attributes: :func:`protocol_class` sets them from the settings)."""

    read_timeout: float = 10.0
    max_connections: int = 512

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._refused = False
        self._received = False
        over = len(self.connections) - self.max_connections
        if over > self.max_connections:
            transport.abort()
        elif over > 0:
            self._refuse()
        else:
            self._arm()

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.read_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _refuse(self) -> None:
        self._refused = True
        self.transport.write(
            _raw_answer(
                503, "Service Unavailable", "too many connections; retry", "retry-after: 1\r\n"
            )
        )
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(REFUSAL_LINGER, self.transport.close)

    def _waiting_for_request(self) -> bool:
        """True until the whole current request (headers and body) is in."""
        cycle = self.cycle
        return cycle is None or cycle.response_complete or cycle.more_body

    def _rearm(self) -> None:
        if not self._waiting_for_request():
            self._disarm()  # the whole request is in: the rest is the route's time
        elif self._deadline is None and not self.transport.is_closing():
            self._arm()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self.cycle is None or self.cycle.response_complete:
            self._received = True  # a byte of the next request
        super().data_received(data)
        self._rearm()

    def on_response_complete(self) -> None:
        self._received = False
        super().on_response_complete()
        # Counted from the end of the answer: the next request (or, idle, the keep-alive
        # timeout, which is shorter) closes the connection in time.
        self._rearm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _expire(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or not self._waiting_for_request():
            return
        cycle = self.cycle
        receiving = cycle is not None and not cycle.response_complete
        if receiving:
            # The route is still waiting for the body: it gets a disconnect and answers
            # nothing more (this 408 is the answer).
            cycle.disconnected = True
            cycle.message_event.set()
        if (receiving and not cycle.response_started) or (not receiving and self._received):
            detail = f"request not received within {self.read_timeout:g} s"
            self.transport.write(_raw_answer(408, "Request Timeout", detail))
        self.transport.close()


def protocol_class(settings: Settings) -> type[GuardedProtocol]:
    """The protocol class for these settings."""
    return type(
        "IdmqaProtocol",
        (GuardedProtocol,),
        {"read_timeout": settings.read_timeout, "max_connections": settings.max_connections},
    )


def ensure_file_limit(settings: Settings) -> None:
    """Raise the open-files limit to what ``IDMQA_MAX_CONNECTIONS`` needs (twice the cap: the
    refused connections linger), or refuse (a ValueError naming the setting) when the hard
    limit is lower."""
    need = 2 * settings.max_connections + RESERVED_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            raise ValueError(
                f"IDMQA_MAX_CONNECTIONS={settings.max_connections} needs {need} open files, "
                f"but the limit is {hard} (ulimit -n): lower the setting or raise the limit"
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def grace_period(settings: Settings) -> float:
    """Seconds from SIGTERM to exit, at most: the drain, then answering the rest."""
    return settings.drain_seconds + EXIT_MARGIN


class Server(uvicorn.Server):
    """uvicorn's server, whose shutdown answers what the drain left with 503, then exits."""

    def __init__(self, config: uvicorn.Config, in_flight: InFlight, drain: float) -> None:
        super().__init__(config)
        self.in_flight = in_flight
        self.drain = drain
        self.loop: asyncio.AbstractEventLoop | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().startup(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        stopping = self.should_exit
        super().handle_exit(sig, frame)
        if not stopping and self.loop is not None:
            # A signal handler interrupts the loop anywhere: hand the work to the loop.
            self.loop.call_soon_threadsafe(self._start_drain)

    def _start_drain(self) -> None:
        assert self.loop is not None
        self.loop.call_later(self.drain, lambda: self.loop.create_task(self._end_drain()))

    async def _end_drain(self) -> None:
        left = await self.in_flight.refuse_all()
        if left:
            log.warning("drain of %g s over: %d request(s) answered 503", self.drain, left)
        # Stop waiting for the routes still running: their clients have their answer.
        self.force_exit = True


def _exit_now(*_: object) -> None:
    """Exit at once, with status 0: uvicorn re-raises the stop signal once it has shut down,
    and a worker thread still busy with an abandoned request must not hold the exit."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def serve(
    app: object,
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    sockets: list[socket.socket] | None = None,
) -> None:
    """Serve ``app`` (made by :func:`idmqa.api.app.create_app`) until SIGTERM or SIGINT, on
    ``host:port`` or on already bound ``sockets``; then exit the process."""
    config = uvicorn.Config(
        app,
        host=host or settings.host,
        port=port if port is not None else settings.port,
        http=protocol_class(settings),
        log_level=settings.log_level,
        # idmqa.access writes one structured line per request (never the API key).
        access_log=False,
        proxy_headers=False,
        server_header=False,
        # A backstop only: the drain ends with every request answered.
        timeout_graceful_shutdown=grace_period(settings),  # type: ignore[arg-type]
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_now)
    Server(config, app.state.in_flight, settings.drain_seconds).run(sockets=sockets)  # type: ignore[attr-defined]
