"""OpenTelemetry: off by default and then never imported; on, spans reach an OTLP collector."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest

from idmqa.settings import Settings
from tests.helpers import running_server

#: The packages of the ``otel`` extra (the API package may come with other dependencies).
OTEL_EXTRA = ("opentelemetry.sdk", "opentelemetry.exporter", "opentelemetry.instrumentation")

# Run in a fresh interpreter in which the extra's packages cannot be imported at all.
WITHOUT_THE_EXTRA = """
import sys
tried = []
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.startswith(%(blocked)r) or name == "idmqa.api.tracing":
            tried.append(name)
            raise ImportError(name)
sys.meta_path.insert(0, Block())
from fastapi.testclient import TestClient
from idmqa.api.app import create_app
from idmqa.settings import Settings
with TestClient(create_app(Settings(index_dir=sys.argv[1], index_poll_seconds=0))) as client:
    assert client.get("/health").status_code == 200
    assert client.get("/docs").status_code == 200
print(tried)
"""


def test_without_an_endpoint_nothing_of_opentelemetry_is_needed(tmp_path) -> None:
    script = WITHOUT_THE_EXTRA % {"blocked": OTEL_EXTRA}
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


class Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver: keeps what is posted to /v1/traces."""

    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/v1/traces":
            Collector.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_spans_reach_the_collector(settings: Settings, manifest: dict, collector: str) -> None:
    Collector.received.clear()
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_WORKERS": "2",
        "IDMQA_OTEL_ENDPOINT": collector,
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # export every 0.2 s, not 5 s
    }
    with running_server(env) as base:
        rid = "trace-me-0001"
        for _ in range(4):  # new connections: both workers answer, each exports its own
            response = httpx.get(f"{base}/ask", params={"q": "migration"})
            assert response.status_code == 200
        httpx.get(f"{base}/ask", params={"q": "migration"}, headers={"X-Request-ID": rid})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(b"/ask" in b for b in Collector.received):
            time.sleep(0.2)
    spans = b"".join(Collector.received)
    assert b"GET /ask" in spans and b"idmqa" in spans
    assert b"/health" not in spans and b"/ready" not in spans  # probes are not traced
