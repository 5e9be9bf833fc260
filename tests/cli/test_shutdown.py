"""Graceful shutdown: SIGTERM under load lets requests in flight finish, answers 503 to
those that outlast the drain, then exits 0."""

from __future__ import annotations

import signal
import socket
import threading
import time

import httpx
import pytest

from idmqa.api.server import grace_period
from idmqa.settings import Settings
from tests.helpers import free_port, start_server, wait_ready

CLIENTS = 8
QUESTIONS = [
    "Qu'est-ce que le MiGOF ?",
    "What role do local authorities play in migration governance?",
    "Comment associer le secteur privé à la gouvernance des migrations ?",
    "Who opened the Geneva workshop?",
]


def assert_graceful_exit(code: int, stderr: str) -> None:
    """The server shut down gracefully: uvicorn finished, and ``idmqa serve`` exited 0.

    uvicorn re-raises the SIGTERM it caught once its graceful shutdown is over; ``idmqa serve``
    turns that into a plain exit, so supervisors see an orderly stop.
    """
    assert code == 0, (code, stderr)
    assert "Finished server process" in stderr, stderr
    assert "Traceback" not in stderr, stderr


def test_sigterm_under_load_finishes_in_flight_requests_and_exits_0(
    settings: Settings, manifest: dict
) -> None:
    port = free_port()
    proc = start_server({"IDMQA_INDEX_DIR": str(settings.index_dir), "IDMQA_RATE_LIMIT": ""}, port)
    base = f"http://127.0.0.1:{port}"
    # (started, ended, status or None, exception name or None) per request
    results: list[tuple[float, float, int | None, str | None]] = []
    lock, stop = threading.Lock(), threading.Event()

    def client(i: int) -> None:
        with httpx.Client(timeout=30) as http:
            for n in range(200):  # bounded; a client stops at its first failure
                if stop.is_set():
                    return
                start = time.monotonic()
                body = {"question": QUESTIONS[(i + n) % len(QUESTIONS)], "k": 20}
                try:
                    status, error = http.post(f"{base}/ask", json=body).status_code, None
                except httpx.TransportError as exc:
                    status, error = None, type(exc).__name__
                with lock:
                    results.append((start, time.monotonic(), status, error))
                if status is None:
                    return

    try:
        wait_ready(base, proc)
        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
        exited = time.monotonic() - sent
        stop.set()
        for t in threads:
            t.join(timeout=30)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert_graceful_exit(code, proc.stderr.read())
    assert exited < 15
    # No request ever got a server error, before, during or after the shutdown began.
    assert not [r for r in results if r[2] is not None and r[2] >= 500], results
    # Requests in flight when SIGTERM arrived completed, or failed as a closed connection.
    in_flight = [r for r in results if r[0] < sent < r[1]]
    assert in_flight, "no request was in flight when SIGTERM was sent"
    assert all(status == 200 or error for _, _, status, error in in_flight), in_flight
    assert any(status == 200 for _, _, status, _ in in_flight), in_flight
    # Once shutdown began, the clients were turned away: nothing keeps being served.
    assert all(r[2] is None for r in results if r[0] > sent + 1.0)


def test_sigterm_when_idle_exits_0_quickly(settings: Settings, manifest: dict) -> None:
    port = free_port()
    proc = start_server({"IDMQA_INDEX_DIR": str(settings.index_dir)}, port)
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert_graceful_exit(proc.wait(timeout=15), proc.stderr.read())
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _slow_request(port: int) -> socket.socket:
    """A request in flight for as long as the test wants: its body never ends. It waits for
    the route to start reading the body (``100 Continue``), so it is in flight for sure."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(
        b"POST /ask HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        b"content-length: 100\r\nexpect: 100-continue\r\n\r\n"
    )
    assert sock.recv(100).startswith(b"HTTP/1.1 100")
    sock.sendall(b"{")
    return sock


def _answer(sock: socket.socket) -> bytes:
    data = b""
    with sock:
        while chunk := sock.recv(4096):
            data += chunk
    return data


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_answers_503_to_what_outlasts_the_drain(
    settings: Settings, manifest: dict, workers: int
) -> None:
    """Attack 6: every request in flight past the 10 s drain got a 500, and a process exited
    51 s later. Now: a drain (here 1 s), then 503 for the rest, and exit within the grace."""
    drain = Settings(drain_seconds=1)
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_DRAIN_SECONDS": str(drain.drain_seconds),
        "IDMQA_READ_TIMEOUT": "60",
        "IDMQA_WORKERS": str(workers),
        "IDMQA_RATE_LIMIT": "",
    }
    port = free_port()
    proc = start_server(env, port)
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc)
        slow = [_slow_request(port) for _ in range(6)]
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=grace_period(drain))
        answers = [_answer(sock) for sock in slow]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert_graceful_exit(code, proc.stderr.read())
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 503"), answer[:80]
        assert b"shutting down" in answer and b"retry-after: 1" in answer
