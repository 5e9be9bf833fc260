"""The server against slow and many clients: a deadline for every request, a cap on
connections. A real ``idmqa serve`` on 127.0.0.1, spoken to through raw sockets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from idmqa.settings import Settings
from tests.helpers import free_port, running_server

READ_TIMEOUT, MAX_CONNECTIONS = 1, 20


@pytest.fixture(scope="module")
def tight(settings: Settings, manifest: dict) -> Iterator[tuple[str, int]]:
    """A server giving a client 1 s to send a request, with at most 20 connections."""
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_READ_TIMEOUT": str(READ_TIMEOUT),
        "IDMQA_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        "IDMQA_RATE_LIMIT": "",
    }
    with running_server(env) as base:
        yield base, int(base.rsplit(":", 1)[1])


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=15)


def _answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    with sock:
        try:
            while chunk := sock.recv(4096):
                data += chunk
        except ConnectionResetError:
            pass
    return data


def test_idle_and_trickling_connections_are_closed(tight: tuple[str, int]) -> None:
    """Attack 2: 2,000 idle half-requests were never closed; ~20,000 reached the open-file
    limit. Now a request must arrive whole within IDMQA_READ_TIMEOUT."""
    base, port = tight
    idle = [_connect(port) for _ in range(5)]
    half = _connect(port)
    half.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # the headers never end
    body = _connect(port)
    body.sendall(
        b"POST /ask HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        b"content-length: 100\r\n\r\n{"  # 99 bytes of body never come
    )
    trickle, payload, sent = _connect(port), b"GET /health HTTP/1.1\r\nX-Slow: " + b"a" * 80, 0
    try:
        for byte in payload:  # one byte every 0.1 s: 10 s for the request, if allowed
            trickle.send(bytes([byte]))
            sent += 1
            time.sleep(0.1)
    except OSError:
        pass  # the server closed the connection
    assert sent < len(payload)
    for sock in (trickle, half, body):
        answer = _answer(sock)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        assert f"within {READ_TIMEOUT} s".encode() in answer
    assert [_answer(sock) for sock in idle] == [b""] * 5  # nothing was asked: closed quietly
    assert httpx.get(f"{base}/health", timeout=10).status_code == 200


def test_connections_past_the_cap_are_refused_cleanly(tight: tuple[str, int]) -> None:
    base, port = tight
    held = [_connect(port) for _ in range(MAX_CONNECTIONS)]
    extra = [_connect(port) for _ in range(10)]
    for sock in extra:
        answer = _answer(sock)
        assert answer.startswith(b"HTTP/1.1 503"), answer[:80]
        assert b"too many connections" in answer and b"retry-after: 1" in answer
    for sock in held:  # closed by the deadline; then there is room again
        _answer(sock)
    assert httpx.get(f"{base}/health", timeout=10).status_code == 200


def test_a_connection_cap_beyond_the_open_file_limit_refuses_the_start(
    settings: Settings, manifest: dict
) -> None:
    """A cap the process cannot reach would end in "Too many open files" under load."""
    env = {
        **os.environ,
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_MAX_CONNECTIONS": str(10**9),
    }
    command = [sys.executable, "-m", "idmqa.cli", "serve", "--port", str(free_port())]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "IDMQA_MAX_CONNECTIONS" in out.stderr
