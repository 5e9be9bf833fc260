"""``idmqa ask`` through a running idmqa server, when one serves the same index.

Loading the model and the index costs a one-question process about a second; a local
server has them loaded already. ``ask`` first asks ``GET /ready`` of ``IDMQA_SERVER_URL``
(default ``http://127.0.0.1:<IDMQA_PORT>``) with a short timeout, and forwards the question
to ``POST /ask`` only if the server is ready and serves the build this process would load
(same model, same ``built_at`` as the local index's manifest). Anything else — no server,
another index, an error, an API key required — and the question is answered in process.
``idmqa ask --local`` or ``IDMQA_ASK_VIA_SERVER=false`` never contact a server.

Only the standard library is imported here: the point is to answer in a fraction of a second.
"""

from __future__ import annotations

import http.client
import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

from idmqa.settings import Settings

log = logging.getLogger(__name__)

#: Seconds to wait for a server's /ready (a local one answers in milliseconds).
READY_TIMEOUT_S = 0.25
#: Seconds to wait for its answer.
ASK_TIMEOUT_S = 30.0
#: Largest manifest or answer read (bytes): ours are far smaller.
MAX_BODY_BYTES = 8 * 2**20


class Rejected(ValueError):
    """The server refused the question as invalid (HTTP 422); the message says why."""


def server_url(settings: Settings) -> str:
    """The server ``ask`` tries: ``IDMQA_SERVER_URL``, else this machine's configured port."""
    return settings.server_url or f"http://127.0.0.1:{settings.port}"


def local_build(index_dir: Path) -> dict | None:
    """The model and build time of the index this process would load, if readable."""
    try:
        with (index_dir / "CURRENT").open("rb") as fh:
            name = fh.read(256).decode("utf-8").strip()
        if not name or "/" in name or name.startswith("."):
            return None
        with (index_dir / "builds" / name / "manifest.json").open("rb") as fh:
            manifest = json.loads(fh.read(MAX_BODY_BYTES))
        return {"model": manifest["model"], "built_at": manifest["built_at"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _request(url: str, method: str, path: str, body: dict | None, timeout: float):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("IDMQA_SERVER_URL must be an http(s) URL")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(parts.hostname, parts.port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, parts.path.rstrip("/") + path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read(MAX_BODY_BYTES)
        return response.status, json.loads(data) if data else None
    finally:
        conn.close()


def ask_server(
    settings: Settings, question: str, k: int | None, after: list[str] = ()
) -> dict | None:
    """The server's ``/ask`` answer (the ``AskResponse`` JSON), or None to answer locally.

    Raises :class:`Rejected` when the server found the question invalid (the same checks
    as the local path's, so asking locally would fail the same way).
    """
    url = server_url(settings)
    expected = local_build(settings.index_dir)
    if expected is None:
        return None
    try:
        status, ready = _request(url, "GET", "/ready", None, READY_TIMEOUT_S)
        if status != 200 or not isinstance(ready, dict):
            return None
        if {key: ready.get(key) for key in expected} != expected:
            log.info("the server at %s serves another index: answering locally", url)
            return None
        body = {"question": question, **({"k": k} if k is not None else {})}
        if after:
            body["history"] = [{"question": q, "passage_ids": []} for q in after]
        status, answer = _request(url, "POST", "/ask", body, ASK_TIMEOUT_S)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        log.info("no idmqa server at %s (%s): answering locally", url, type(exc).__name__)
        return None
    if status == 422 and isinstance(answer, dict):
        raise Rejected(_problem(answer))
    if status != 200 or not isinstance(answer, dict):
        log.info("the server at %s answered %s: answering locally", url, status)
        return None
    return answer


def _problem(body: dict) -> str:
    detail = body.get("detail")
    if isinstance(detail, list):  # FastAPI's validation errors
        return "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
    return str(detail)
