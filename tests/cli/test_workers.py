"""``idmqa serve --workers N``: forked workers, restarts, orphans, grace period, sockets."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil

from idmqa.api.server import grace_period
from idmqa.cli.workers import MIN_UPTIME
from idmqa.index.store import current_build
from idmqa.settings import Settings
from tests.helpers import free_port, wait_ready


def _serve_two_workers(
    settings: Settings, port: int, log: Path, index_dir: Path | None = None
) -> subprocess.Popen:
    """``idmqa serve --workers 2`` on 127.0.0.1:``port``, access log to ``log``."""
    env = {
        "IDMQA_INDEX_DIR": str(index_dir or settings.index_dir),
        "IDMQA_CORPUS_DIR": str(settings.corpus_dir),
        "IDMQA_WORKERS": "2",
        "IDMQA_THREADS": "0",
        "IDMQA_RATE_LIMIT": "",
    }
    with log.open("w") as out:
        command = ["serve", "--host", "127.0.0.1", "--port", str(port)]
        return subprocess.Popen(
            [sys.executable, "-m", "idmqa.cli", *command],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )


def test_serve_with_two_workers(settings: Settings, manifest: dict, tmp_path: Path) -> None:
    """Forked workers share the load, a worker that dies is forked again, SIGTERM stops all.

    Attack 4: with the index memory-mapped, a dense.faiss truncated under the server killed the
    re-forked worker at start, and the supervisor exited. Here it is truncated before the
    worker is killed: the new worker serves the copy the supervisor verified and read."""
    index_dir = tmp_path / "index"
    shutil.copytree(settings.index_dir, index_dir)
    port = free_port()
    access_log = tmp_path / "access.log"
    proc = _serve_two_workers(settings, port, access_log, index_dir)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        ready_at = time.monotonic()  # the workers were forked before they could answer
        children = psutil.Process(proc.pid).children()
        workers = children
        assert len(workers) == 2
        for n in range(40):  # a new connection each time: the kernel spreads them
            response = httpx.get(f"{base}/ask", params={"q": "fonds d'amorçage", "k": 2})
            assert response.status_code == 200
            assert len(response.json()["passages"]) == 2, n
        # A worker that dies (after its start-up) is replaced, and the port keeps answering.
        before = httpx.get(f"{base}/ask", params={"q": "MiGOF", "k": 10}).json()["passages"]
        os.truncate(current_build(index_dir) / "dense.faiss", 0)
        time.sleep(max(0.0, ready_at + MIN_UPTIME + 0.5 - time.monotonic()))
        workers[0].kill()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = [c for c in psutil.Process(proc.pid).children() if c.pid != workers[0].pid]
            if len(now) == 2:
                break
            time.sleep(0.2)
        assert len(now) == 2 and proc.poll() is None, proc.poll() or now
        workers = now
        for n in range(10):
            response = httpx.get(f"{base}/ask", params={"q": "MiGOF", "k": 10})
            assert response.status_code == 200, n
            assert response.json()["passages"] == before, n
        proc.terminate()
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
        assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines = [json.loads(x) for x in access_log.read_text().splitlines() if x.startswith("{")]
    answered = [line["pid"] for line in lines if line["path"] == "/ask"]
    # With 40 connections, all on one worker has probability 2**-39 if the kernel spreads them.
    assert len(set(answered[:40])) == 2


@contextlib.contextmanager
def _two_workers_ready(
    settings: Settings, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen, list[psutil.Process]]]:
    """A ready ``serve --workers 2`` and its workers; everything killed afterwards."""
    port = free_port()
    proc = _serve_two_workers(settings, port, tmp_path / "access.log")
    workers: list[psutil.Process] = []
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc)
        workers = psutil.Process(proc.pid).children()
        assert len(workers) == 2
        yield proc, workers
    finally:
        if proc.poll() is None:
            proc.kill()
        for worker in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                worker.kill()


def _still_running(workers: list[psutil.Process]) -> list[psutil.Process]:
    return [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]


def test_workers_stop_when_their_supervisor_is_killed(
    settings: Settings, manifest: dict, tmp_path: Path
) -> None:
    """No orphan may keep serving on the port (SO_REUSEPORT would let a new server share it)."""
    with _two_workers_ready(settings, tmp_path) as (proc, workers):
        proc.kill()
        proc.wait(timeout=10)
        psutil.wait_procs(workers, timeout=30)
        assert not _still_running(workers)


def test_stuck_workers_are_killed_after_the_grace_period(
    settings: Settings, manifest: dict, tmp_path: Path
) -> None:
    with _two_workers_ready(settings, tmp_path) as (proc, workers):
        for worker in workers:
            worker.suspend()  # SIGSTOP: deaf to SIGTERM
        proc.terminate()
        proc.wait(timeout=grace_period(Settings()) + 20)
        assert not _still_running(workers)


def test_workers_call_the_encoder_single_threaded() -> None:
    from idmqa.cli.workers import worker_settings

    # a thread pool made before the fork would be lost in the workers
    assert worker_settings(Settings(threads=0)).threads == 1
    assert worker_settings(Settings(threads=3)).threads == 1


def test_workers_sockets_get_tcp_nodelay() -> None:
    """Accepted connections must have TCP_NODELAY, or keep-alive answers wait ~40 ms for the
    client's delayed ACK (asyncio sets it only on sockets created with IPPROTO_TCP)."""
    import asyncio
    import socket

    from idmqa.cli.workers import reuseport_socket

    async def check() -> int:
        listening = reuseport_socket("127.0.0.1", 0, listen=True)
        flags: list[int] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            flags.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=listening)
        _, writer = await asyncio.open_connection(*listening.getsockname())
        while not flags:
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        return flags[0]

    assert asyncio.run(check()) != 0


def test_second_server_on_a_taken_port_fails_clearly(manifest: dict, settings: Settings) -> None:
    with socket_taken() as port:
        out = subprocess.run(
            [sys.executable, "-m", "idmqa.cli", "serve", "--workers", "2", "--port", str(port)],
            env={**os.environ, "IDMQA_INDEX_DIR": str(settings.index_dir)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert out.returncode == 1
    assert f"cannot bind 127.0.0.1:{port}" in out.stderr


@contextlib.contextmanager
def socket_taken() -> Iterator[int]:
    """A port of 127.0.0.1 held by a plain listening socket (no SO_REUSEPORT)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]
