"""``idmqa serve --workers N``: N server processes, each on its own ``SO_REUSEPORT`` socket.

Why not uvicorn's own ``--workers``: its processes accept from one shared listening socket
that uvicorn creates without ``IPPROTO_TCP``, so asyncio does not set ``TCP_NODELAY`` on the
accepted connections; a keep-alive response, written as headers then body, then waits for
the client's delayed ACK (~40 ms per request, measured). And whichever process wakes first
takes the connection, so the load spreads unevenly.

Here every worker binds its own listening socket to the same address with ``SO_REUSEPORT``
(the kernel spreads new connections over the sockets), created with ``IPPROTO_TCP`` so that
asyncio sets ``TCP_NODELAY``. A worker loads the index and the model *before* it listens, so
a connection never lands on a process that is still loading. The supervisor reserves the
port first (a clear error when it is taken), restarts a worker that dies, and on SIGTERM or
SIGINT passes SIGTERM on and waits for the workers' graceful shutdown.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess

log = logging.getLogger("idmqa.workers")

#: Seconds a worker may take to finish its requests after SIGTERM (uvicorn's graceful
#: shutdown is 10 s) before it is killed.
STOP_GRACE = 15.0
#: A worker that dies sooner than this after starting is not restarted (it would crash-loop):
#: the supervisor stops everything and exits non-zero.
MIN_UPTIME = 10.0


def reuseport_socket(host: str, port: int, listen: bool) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT``, listening if asked."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(2048)
    return sock


def _worker(host: str, port: int, serve_options: dict) -> None:
    """One server process: load the service, then listen and serve until SIGTERM."""
    import uvicorn

    from idmqa.api.app import create_app
    from idmqa.cli import configure_logging
    from idmqa.settings import get_settings

    settings = get_settings()
    configure_logging(settings)
    app = create_app(settings)
    # Load before listening: the kernel only hands connections to listening sockets, so the
    # other workers keep answering meanwhile. A load failure is reported by /ready (503).
    app.state.holder.load()
    sock = reuseport_socket(host, port, listen=True)
    config = uvicorn.Config(app, **serve_options)
    uvicorn.Server(config).run(sockets=[sock])


class Supervisor:
    """Starts, watches and stops the worker processes."""

    def __init__(self, workers: int, host: str, port: int, serve_options: dict) -> None:
        self.count = workers
        self.host, self.port = host, port
        self.options = serve_options
        # spawn: a fresh interpreter per worker, nothing inherited from this process's state.
        self.context = multiprocessing.get_context("spawn")
        self.procs: list[tuple[BaseProcess, float]] = []
        self.stopping = False

    def _spawn(self) -> tuple[BaseProcess, float]:
        proc = self.context.Process(
            target=_worker, args=(self.host, self.port, self.options), name="idmqa-worker"
        )
        proc.start()
        return proc, time.monotonic()

    def _stop(self, *_: object) -> None:
        self.stopping = True

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT (exit 0) or a worker crashing at start (exit 1)."""
        # Holding the port (bound, not listening: it receives no connections) makes a taken
        # port a clear error here, and keeps it ours while workers restart.
        try:
            reserved = reuseport_socket(self.host, self.port, listen=False)
        except OSError as exc:
            print(f"idmqa serve: cannot bind {self.host}:{self.port}: {exc}", file=sys.stderr)
            return 1
        # Port 0: the workers join the port the kernel just chose.
        self.port = reserved.getsockname()[1]
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.procs = [self._spawn() for _ in range(self.count)]
        status = 0
        try:
            while not self.stopping:
                wait([p.sentinel for p, _ in self.procs], timeout=0.5)
                status = self._replace_dead()
                if status:
                    break
        finally:
            self._terminate()
            reserved.close()
        return status

    def _replace_dead(self) -> int:
        for i, (proc, started) in enumerate(self.procs):
            if proc.is_alive() or self.stopping:
                continue
            if time.monotonic() - started < MIN_UPTIME:
                log.error("worker %s exited with %s at start; stopping", proc.pid, proc.exitcode)
                return 1
            log.warning("worker %s exited with %s; restarting it", proc.pid, proc.exitcode)
            self.procs[i] = self._spawn()
        return 0

    def _terminate(self) -> None:
        for proc, _ in self.procs:
            if proc.is_alive() and proc.pid:
                os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for proc, _ in self.procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()


def serve_workers(workers: int, host: str, port: int, serve_options: dict) -> int:
    """Run ``workers`` server processes on ``host:port``; the exit status of the supervisor."""
    return Supervisor(workers, host, port, serve_options).run()
