"""The HTTP API through a real uvicorn server on 127.0.0.1."""

import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.helpers import free_port, start_server


def test_post_ask_returns_cited_passages(server: str) -> None:
    r = httpx.post(
        f"{server}/ask", json={"question": "Qui a financé l'IDM 2018 ?", "k": 3}, timeout=30
    )
    assert r.status_code == 200
    body = r.json()
    assert body["language"] == "fr" and body["question"] == "Qui a financé l'IDM 2018 ?"
    assert len(body["passages"]) == 3
    first = body["passages"][0]
    assert {"id", "rank", "score", "text", "tokens", "citation"} <= set(first)
    assert set(first["citation"]) == {"document", "title", "section", "kind", "lines", "speakers"}
    assert first["citation"]["document"] == "idm-28-2018-partenariats.fr"
    assert len(first["citation"]["lines"]) == 2
    assert body["took_ms"] >= 0


def test_get_ask_matches_post(server: str) -> None:
    q = "Who opened the Geneva workshop?"
    got = httpx.get(f"{server}/ask", params={"q": q, "k": 4}, timeout=30).json()
    posted = httpx.post(f"{server}/ask", json={"question": q, "k": 4}, timeout=30).json()
    assert [p["id"] for p in got["passages"]] == [p["id"] for p in posted["passages"]]
    assert got["language"] == "en"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": "   "}, "question"),
        ({"question": "x", "k": 0}, "k"),
        ({"question": "x", "k": 51}, "k"),
        ({"question": "x" * 1001}, "question"),
        ({"question": 42}, "question"),
        ({"k": 3}, "question"),
        ({"question": "x", "filters": {"document": "nope"}}, "filters.document"),
        ({"question": "x", "filters": {"kind": ["poem"]}}, "filters.kind"),
        ({"question": "x", "surprise": 1}, "surprise"),
    ],
)
def test_bad_requests_get_a_4xx_naming_the_field(server: str, body: dict, field: str) -> None:
    r = httpx.post(f"{server}/ask", json=body, timeout=30)
    assert r.status_code == 422
    assert field in r.json()["detail"]


def test_malformed_json_is_a_422(server: str) -> None:
    r = httpx.post(
        f"{server}/ask",
        content=b"{not json",
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 422
    assert "detail" in r.json()


def test_passage_by_id_and_unknown_id(server: str) -> None:
    hit = httpx.get(f"{server}/ask", params={"q": "fonds d'amorçage"}, timeout=30).json()
    pid = hit["passages"][0]["id"]
    r = httpx.get(f"{server}/passages/{pid}", timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == pid and body["text"] == hit["passages"][0]["text"]
    assert body["previous"] or body["next"]
    missing = httpx.get(f"{server}/passages/nope", timeout=30)
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_health_ready_and_docs(server: str) -> None:
    assert httpx.get(f"{server}/health").json() == {"status": "ok"}
    ready = httpx.get(f"{server}/ready").json()
    assert ready["status"] == "ready" and ready["passages"] > 300
    assert httpx.get(f"{server}/openapi.json").status_code == 200
    assert httpx.get(f"{server}/docs").status_code == 200


def _poll(url: str, attempts: int = 200) -> httpx.Response:
    """GET ``url`` until the server answers anything but "still loading"."""
    for _ in range(attempts):
        try:
            r = httpx.get(url, timeout=2)
            if "loading" not in r.text:
                return r
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise TimeoutError(url)


def test_ready_is_503_when_the_app_cannot_load_its_index(tmp_path) -> None:
    # The app itself (not `idmqa serve`, which refuses to start) on a broken index.
    port = free_port()
    broken = tmp_path / "index"
    broken.mkdir()
    (broken / "CURRENT").write_text("missing-build\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "idmqa.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env={**os.environ, "IDMQA_INDEX_DIR": str(broken)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        r = _poll(f"{base}/ready")
        assert r.status_code == 503
        assert "manifest" in r.json()["detail"]
        assert httpx.get(f"{base}/health").status_code == 200
        assert httpx.post(f"{base}/ask", json={"question": "x"}).status_code == 503
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_refuses_a_broken_index_with_one_line_and_nonzero_exit(tmp_path) -> None:
    broken = tmp_path / "index"
    broken.mkdir()
    (broken / "CURRENT").write_text("missing-build\n")
    proc = start_server({"IDMQA_INDEX_DIR": str(broken)}, free_port())
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    message = [line for line in err.splitlines() if line.startswith("idmqa serve:")]
    assert len(message) == 1 and "manifest" in message[0]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "body",
    [
        {"question": "Qu'est-ce que le MiGOF ?", "k": 3},
        {"question": "données", "k": 4, "filters": {"kind": ["agenda"], "language": "fr"}},
        {"question": "données", "filters": {"speaker": "sikander-khan", "kind": ["caption"]}},
        {"question": "What is the capital of Peru?", "k": 1},
    ],
)
def test_ask_answers_match_the_declared_schema(server: str, body: dict) -> None:
    """/ask answers skip pydantic on the way out (orjson): check them against the schema."""
    from idmqa.api.schemas import AskResponse

    response = httpx.post(f"{server}/ask", json=body, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    answer = AskResponse.model_validate_json(response.content)
    assert len(answer.passages) <= body.get("k", 5)
    assert "x-idmqa-passages" not in response.headers


def test_passage_answers_match_the_declared_schema(server: str) -> None:
    from idmqa.api.schemas import PassageDetail

    first = httpx.get(f"{server}/ask", params={"q": "Louise Arbour", "k": 1}, timeout=30).json()
    response = httpx.get(f"{server}/passages/{first['passages'][0]['id']}", timeout=30)
    assert response.status_code == 200
    detail = PassageDetail.model_validate_json(response.content)
    assert detail.citation.speakers and detail.previous and detail.next


def test_k_above_the_configured_maximum_is_a_422(settings, manifest) -> None:
    """IDMQA_MAX_K lowers the schema's ceiling; the answer names the field and the limit."""
    from fastapi.testclient import TestClient

    from idmqa.api.app import create_app

    app = create_app(settings.model_copy(update={"max_k": 3, "rate_limit": ""}))
    with TestClient(app) as client:
        _wait_ready(client)
        over = client.post("/ask", json={"question": "MiGOF", "k": 4})
        assert over.status_code == 422 and over.json()["detail"].startswith("k: at most 3")
        # the default k (5) is capped at the maximum too
        assert len(client.get("/ask", params={"q": "MiGOF"}).json()["passages"]) == 3


def _wait_ready(client, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/ready").status_code != 200:
        assert time.monotonic() < deadline, "the app did not get ready"
        time.sleep(0.2)
