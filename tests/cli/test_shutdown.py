"""Graceful shutdown: SIGTERM under load lets requests in flight finish, then exits 0."""

from __future__ import annotations

import signal
import threading
import time

import httpx

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
