"""Access control, rate limits, body limits, bad input and headers, on a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from idmqa.settings import Settings
from tests.helpers import free_port, wait_ready

KEY, LIMITED_KEY = "test-key-1", "test-key-2"


@pytest.fixture(scope="module")
def guarded(settings: Settings, manifest: dict, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A server with keys, a 40/minute limit per key and a 2 KiB body limit; and its log."""
    port = free_port()
    log = tmp_path_factory.mktemp("log") / "access.log"
    env = {
        **os.environ,
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_API_KEYS": f"{KEY},{LIMITED_KEY}",
        "IDMQA_RATE_LIMIT": "40/minute",
        "IDMQA_MAX_BODY_BYTES": "2048",
        "IDMQA_MAX_QUESTION_CHARS": "300",
    }
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "idmqa.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        yield base, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _ask(base: str, body: object = None, key: str | None = KEY, **kw) -> httpx.Response:
    headers = {"X-API-Key": key} if key else {}
    return httpx.post(f"{base}/ask", json=body, headers=headers, timeout=30, **kw)


def test_keys_are_required_except_on_probes(guarded) -> None:
    base, _ = guarded
    assert _ask(base, {"question": "OIM"}, key=None).status_code == 401
    wrong = _ask(base, {"question": "OIM"}, key="nope")
    assert wrong.status_code == 401 and "API key" in wrong.json()["detail"]
    assert _ask(base, {"question": "OIM"}).status_code == 200
    bearer = httpx.get(
        f"{base}/ask", params={"q": "OIM"}, headers={"Authorization": f"Bearer {KEY}"}, timeout=30
    )
    assert bearer.status_code == 200
    assert httpx.get(f"{base}/health").status_code == 200
    assert httpx.get(f"{base}/ready").status_code == 200


def test_rate_limit_answers_429_with_retry_after(guarded) -> None:
    base, _ = guarded
    codes = [
        _ask(base, {"question": "fonds d'amorçage", "k": 1}, key=LIMITED_KEY).status_code
        for _ in range(41)
    ]
    assert codes[:40] == [200] * 40 and codes[40] == 429
    limited = _ask(base, {"question": "x"}, key=LIMITED_KEY)
    assert int(limited.headers["retry-after"]) >= 1
    assert "rate limit" in limited.json()["detail"]


BAD_BODIES = [
    (b"{not json", "json"),
    (b'{"question": "\\ud800"}', "unicode"),
    (b'{"question": "bonjour\\u0000"}', "control character"),
    (b'{"question": "\xff\xfe invalid utf-8"}', ""),
    (json.dumps({"question": "x" * 301}).encode(), "300 characters"),
    (json.dumps({"question": ["a"]}).encode(), "question"),
    (json.dumps({"question": "x", "k": "five"}).encode(), "k"),
    (
        json.dumps({"question": "x", "filters": {"speaker": "Nobody Atall"}}).encode(),
        "filters.speaker",
    ),
    (b"[]", ""),
    (b"null", ""),
]


@pytest.mark.parametrize(("raw", "says"), BAD_BODIES)
def test_bad_bodies_get_a_4xx_json_error(guarded, raw: bytes, says: str) -> None:
    base, _ = guarded
    r = httpx.post(
        f"{base}/ask",
        content=raw,
        timeout=30,
        headers={"X-API-Key": KEY, "content-type": "application/json"},
    )
    assert 400 <= r.status_code < 500, r.text
    assert says.lower() in r.json()["detail"].lower()
    assert "<" not in r.headers.get("content-type", "") and r.headers["content-type"].startswith(
        "application/json"
    )


def test_large_bodies_are_413_with_or_without_content_length(guarded) -> None:
    base, _ = guarded
    big = json.dumps({"question": "x" * 5000}).encode()
    r = httpx.post(
        f"{base}/ask",
        content=big,
        timeout=30,
        headers={"X-API-Key": KEY, "content-type": "application/json"},
    )
    assert r.status_code == 413 and "2048" in r.json()["detail"]

    def chunks():
        for i in range(0, len(big), 512):
            yield big[i : i + 512]

    streamed = httpx.post(
        f"{base}/ask",
        content=chunks(),
        timeout=30,
        headers={"X-API-Key": KEY, "content-type": "application/json"},
    )
    assert streamed.status_code == 413


@pytest.mark.parametrize("pid", ["../../etc/passwd", "..%2F..%2Fmanifest.json", "%00", "a" * 500])
def test_path_tricks_in_passage_ids_are_404(guarded, pid: str) -> None:
    base, _ = guarded
    r = httpx.get(f"{base}/passages/{pid}", headers={"X-API-Key": KEY}, timeout=30)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")


def test_security_headers_and_access_log_without_keys(guarded) -> None:
    base, log = guarded
    r = _ask(base, {"question": "Qu'est-ce que le MiGOF ?", "k": 2})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "x-idmqa-passages" not in r.headers
    page = httpx.get(f"{base}/")
    assert "script-src" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    asks = [e for e in lines if e["path"] == "/ask" and e["status"] == 200]
    assert asks and asks[-1]["passages"] == 2 and asks[-1]["ms"] >= 0
    assert KEY not in log.read_text() and LIMITED_KEY not in log.read_text()
    assert any(e["status"] == 401 for e in lines)
