"""``idmqa serve --workers N``: N server processes, each on its own ``SO_REUSEPORT`` socket.

Why not uvicorn's own ``--workers``: its processes accept from one shared listening socket
that uvicorn creates without ``IPPROTO_TCP``, so asyncio does not set ``TCP_NODELAY`` on the
accepted connections; a keep-alive response, written as headers then body, then waits for
the client's delayed ACK (~40 ms per request, measured). And whichever process wakes first
takes the connection, so the load spreads unevenly.

Here the supervisor loads the index and the model once, then forks the workers (the
"preload" model of gunicorn): they start at once, and share the model's pages with it and
with each other (less memory, and the two cores' caches hold one copy of the weights; the
8-client CPU per request measured a few per cent lower than with separately loaded
workers). Every worker binds its own listening socket to the same address with
``SO_REUSEPORT`` (the kernel spreads new connections over the sockets), created with
``IPPROTO_TCP`` so that asyncio sets ``TCP_NODELAY``. The supervisor reserves the port before
loading anything (a clear error when it is taken), forks a new worker when one dies, and on
SIGTERM or SIGINT passes SIGTERM on and waits for the workers' graceful shutdown. A worker
whose supervisor dies (SIGKILL, OOM) is sent SIGTERM by the kernel, so no orphan keeps
serving old code on the port.

Forking a loaded process is safe here because nothing in it runs threads that a child would
miss: every worker runs onnxruntime and FAISS/OpenMP with one thread per call (a thread pool
created before the fork would be lost in the children; the cores are used by the encoder's
lanes instead), and OpenBLAS re-creates its pool after a fork.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from typing import NoReturn

from idmqa.api.server import grace_period, serve
from idmqa.settings import Settings

log = logging.getLogger("idmqa.workers")

#: A worker that dies sooner than this after starting is not restarted (it would crash-loop):
#: the supervisor stops everything and exits non-zero.
MIN_UPTIME = 10.0
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Have the kernel send SIGTERM to this process when ``parent`` dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(0)


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


def _serve_forked(
    app: object, settings: Settings, host: str, port: int, mask: set[signal.Signals]
) -> int:
    """The body of a forked worker: listen on its own socket and serve until SIGTERM (the
    drain, then exit 0: :func:`idmqa.api.server.serve`)."""
    # A stop signal before serving exits at once (the supervisor's handler, which the fork
    # inherited, would not stop this process). The signals stay blocked until then.
    for signum in _STOP_SIGNALS:
        signal.signal(signum, lambda *_: sys.exit(0))
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    serve(app, settings, sockets=[reuseport_socket(host, port, listen=True)])
    return 0


class Supervisor:
    """Starts, watches and stops the worker processes."""

    def __init__(self, app: object, settings: Settings, workers: int, host: str, port: int) -> None:
        self.app = app
        self.settings = settings
        self.count = workers
        self.host, self.port = host, port
        self.procs: dict[int, float] = {}  # pid → start time
        self.reserved: socket.socket | None = None
        self.stopping = False

    def _spawn(self) -> None:
        # Stop signals wait until the child is recorded (so SIGTERM reaches it) and, in the
        # child, until its own handlers replace the supervisor's.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            parent = os.getpid()
            pid = os.fork()
            if pid == 0:
                self._run_worker(parent, mask)
            self.procs[pid] = time.monotonic()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def _run_worker(self, parent: int, mask: set[signal.Signals]) -> NoReturn:
        """The forked child: serve, then exit without running the supervisor's clean-up."""
        status = 1
        try:
            _die_with_parent(parent)
            if self.reserved is not None:
                self.reserved.close()
            status = _serve_forked(self.app, self.settings, self.host, self.port, mask)
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)

    def _stop(self, *_: object) -> None:
        # Pass the signal on at once: the supervisor is blocked waiting for a worker to exit.
        self.stopping = True
        for pid in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def reserve(self) -> bool:
        """Hold the port (bound, not listening: it receives no connections), so that a taken
        port is a clear error before anything loads and stays ours while workers restart."""
        try:
            self.reserved = reuseport_socket(self.host, self.port, listen=False)
        except OSError as exc:
            print(f"idmqa serve: cannot bind {self.host}:{self.port}: {exc}", file=sys.stderr)
            return False
        # Port 0: the workers join the port the kernel just chose.
        self.port = self.reserved.getsockname()[1]
        return True

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT (exit 0) or a worker crashing at start (exit 1)."""
        if self.reserved is None and not self.reserve():
            return 1
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        # Objects loaded so far are never freed: keep the collector from touching (and so
        # copying) their pages in every worker.
        gc.freeze()
        # What the workers serve is theirs to report: no gauge of this process in a scrape.
        _forget_metrics_of(os.getpid())
        status = 0
        try:
            for _ in range(self.count):
                self._spawn()
            while not self.stopping and not status:
                status = self._reap()
        finally:
            self.reserved.close()
            self._terminate()
        return status

    def _reap(self) -> int:
        """Wait for a worker to exit; fork a new one unless it died at start (then 1).
        Polls, so that a stop request is acted on even while no worker exits."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return 1
            if pid:
                break
            if self.stopping:
                return 0
            time.sleep(0.2)
        code = os.waitstatus_to_exitcode(status)
        _forget_metrics_of(pid)
        if pid not in self.procs or self.stopping:
            self.procs.pop(pid, None)
            return 0
        started = self.procs.pop(pid)
        if time.monotonic() - started < MIN_UPTIME:
            log.error("worker %s exited (status %s) at start; stopping", pid, code)
            return 1
        log.warning("worker %s exited (status %s); starting another", pid, code)
        self._spawn()
        return 0

    def _terminate(self) -> None:
        if not self.stopping:  # each worker gets one SIGTERM; the drain is uvicorn's
            self._stop()
        # Past the workers' own drain and exit, a worker is stuck: it is killed.
        deadline = time.monotonic() + grace_period(self.settings)
        while self.procs and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.05)
            self.procs.pop(pid, None)
        for pid in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


#: The variable prometheus_client reads, at import, to keep each process's values in files.
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def metrics_dir() -> Iterator[str]:
    """A fresh directory for the workers' metric files, for as long as the server runs: a
    scrape of any worker merges every worker's files (``idmqa.api.metrics``). Made before
    ``prometheus_client`` is imported, which reads the variable then; removed afterwards, so
    a restarted server never adds up a previous one's counts."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before the metrics directory was set")
    path = tempfile.mkdtemp(prefix="idmqa-metrics-")
    os.environ[METRICS_DIR_ENV] = path
    try:
        yield path
    finally:
        os.environ.pop(METRICS_DIR_ENV, None)
        shutil.rmtree(path, ignore_errors=True)


def _forget_metrics_of(pid: int) -> None:
    """Drop a dead worker's per-process gauges (the build it served); its counters stay in
    the sums, as counters must."""
    if os.environ.get(METRICS_DIR_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def worker_settings(settings: Settings) -> Settings:
    """The settings of forked workers: one onnxruntime and FAISS/OpenMP thread per call.

    A thread pool made in the supervisor before the fork would be gone in the workers (their
    calls would silently run on one core); the encoder's lanes, one single-threaded call per
    core, use the cores instead.
    """
    return settings.model_copy(update={"threads": 1})


def serve_workers(settings: Settings, workers: int, host: str, port: int) -> int:
    """Load the app, then run ``workers`` forked server processes on ``host:port``; the exit
    status of the supervisor."""
    from idmqa.runtime import configure_server_logging, configure_threads

    configure_server_logging(settings)
    configure_threads(settings)
    with metrics_dir():
        from idmqa.api.app import create_app  # after metrics_dir: it imports prometheus_client

        app = create_app(settings)
        supervisor = Supervisor(app, settings, workers, host, port)
        if not supervisor.reserve():
            return 1
        # Load before forking: the workers share the loaded pages (the index is read into
        # memory once, then shared copy-on-write). A load failure refuses the start, as with
        # a single process.
        app.state.holder.load()
        return supervisor.run()
