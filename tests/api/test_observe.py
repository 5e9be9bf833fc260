"""X-Request-ID: taken when valid, made otherwise, returned, and in every access-log line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from idmqa.api.observe import REQUEST_ID
from idmqa.settings import Settings
from tests.helpers import running_server

KEY = "observe-test-key"


def test_request_ids_are_returned_and_logged(
    settings: Settings, manifest: dict, tmp_path: Path
) -> None:
    log = tmp_path / "access.log"
    env = {"IDMQA_INDEX_DIR": str(settings.index_dir), "IDMQA_API_KEYS": KEY}
    given = "trace-1234:abc.DEF_5"
    sent = [given, "with space", "é".encode(), "x" * 129, "", None]
    returned = []
    with running_server(env, log) as base:
        for value in sent:
            headers = {"X-API-Key": KEY} if value != "" else {}  # one refused request too
            if value is not None:
                headers["X-Request-ID"] = value
            response = httpx.get(f"{base}/ask", params={"q": "migration"}, headers=headers)
            assert response.status_code == (401 if value == "" else 200)
            returned.append(response.headers["x-request-id"])
        probe = httpx.get(f"{base}/health")
        returned.append(probe.headers["x-request-id"])
    assert returned[0] == given  # a valid id is kept
    made = returned[1:]
    # an invalid or missing one is replaced by a fresh one each time, never echoed
    assert all(REQUEST_ID.fullmatch(r.encode()) for r in made)
    assert len(set(made)) == len(made) and not set(made) & set(map(str, sent))
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    assert all(re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", line["request_id"]) for line in lines)
    logged = [line["request_id"] for line in lines if line["path"] in ("/ask", "/health")]
    assert logged == returned
