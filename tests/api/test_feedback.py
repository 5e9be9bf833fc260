"""POST /feedback on a real server: votes land in the real SQLite file of IDMQA_DATA_DIR."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from idmqa.feedback.store import FILE_NAME
from idmqa.index.store import current_build
from idmqa.settings import Settings
from tests.helpers import client, running_server

WIDGET_KEY, PARTNER = "pk-feedback", "http://partner.test:8080"


def _rows(data_dir: Path, where: str = "1") -> list[tuple]:
    with sqlite3.connect(data_dir / FILE_NAME) as db:
        return db.execute(
            "SELECT question, language, passage_id, passage_text, vote, comment, build "
            f"FROM votes WHERE {where} ORDER BY id"
        ).fetchall()


def test_a_vote_is_stored_with_the_passage_language_and_build(
    server: str, data_dir: Path, settings: Settings
) -> None:
    answer = httpx.get(f"{server}/ask", params={"q": "Who funded IDM 2018?", "k": 2}).json()
    passage = answer["passages"][1]
    body = {"question": "Who funded IDM 2018?", "passage_id": passage["id"], "vote": "down"}
    r = httpx.post(f"{server}/feedback", json={**body, "comment": "wrong passage"}, timeout=30)
    assert r.status_code == 201
    vote_id = r.json()["id"]
    assert isinstance(vote_id, int)
    (row,) = _rows(data_dir, f"id = {vote_id}")
    build = current_build(settings.index_dir).name
    expected = ("Who funded IDM 2018?", "en", passage["id"], passage["text"], "down")
    assert row == (*expected, "wrong passage", build)
    whole = httpx.post(f"{server}/feedback", json={"question": "Qui a financé ?", "vote": "up"})
    assert whole.status_code == 201 and whole.json()["id"] > vote_id
    (row,) = _rows(data_dir, f"id = {whole.json()['id']}")
    assert row[1:3] == ("fr", None) and row[4:6] == ("up", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": "q", "vote": "sideways"}, "vote"),
        ({"question": "q"}, "vote"),
        ({"vote": "up"}, "question"),
        ({"question": "   ", "vote": "up"}, "question"),
        ({"question": "x" * 1001, "vote": "up"}, "question"),
        ({"question": "q", "vote": "up", "passage_id": "no-such-passage"}, "passage_id"),
        ({"question": "q", "vote": "up", "passage_id": "p" * 201}, "passage_id"),
        ({"question": "q", "vote": "up", "comment": "c" * 501}, "comment"),
        ({"question": "q", "vote": "up", "comment": "bell\x07"}, "comment"),
        ({"question": "q", "vote": "up", "ip": "1.2.3.4"}, "ip"),
    ],
)
def test_invalid_votes_are_422_naming_the_field(
    server: str, data_dir: Path, body: dict, field: str
) -> None:
    before = len(_rows(data_dir)) if (data_dir / FILE_NAME).exists() else 0
    r = httpx.post(f"{server}/feedback", json=body, timeout=30)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert field in detail and "p" * 201 not in detail and "c" * 501 not in detail
    assert (len(_rows(data_dir)) if (data_dir / FILE_NAME).exists() else 0) == before


def test_feedback_is_keyed_and_limited_like_ask(
    settings: Settings, manifest: dict, tmp_path: Path
) -> None:
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_API_KEYS": "private-key",
        "IDMQA_PUBLIC_KEYS": f"{WIDGET_KEY}={PARTNER}",
        "IDMQA_PUBLIC_RATE_LIMIT": "3/minute",
        "IDMQA_DATA_DIR": str(tmp_path),
    }
    vote = {"question": "MiGOF ?", "vote": "up"}
    with running_server(env) as base, client("127.0.0.9") as visitor:
        assert visitor.post(f"{base}/feedback", json=vote).status_code == 401
        elsewhere = {"X-API-Key": WIDGET_KEY, "Origin": "http://evil.test"}
        assert visitor.post(f"{base}/feedback", json=vote, headers=elsewhere).status_code == 403
        widget = {"X-API-Key": WIDGET_KEY, "Origin": PARTNER}
        codes = [
            visitor.post(f"{base}/feedback", json=vote, headers=widget).status_code
            for _ in range(5)
        ]
    assert codes == [201, 201, 201, 429, 429]
    assert len(_rows(tmp_path)) == 3


def test_two_workers_write_the_same_file(settings: Settings, manifest: dict, tmp_path: Path):
    log = tmp_path / "access.log"
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_WORKERS": "2",
        "IDMQA_RATE_LIMIT": "",
        "IDMQA_DATA_DIR": str(tmp_path / "data"),
    }
    with running_server(env, log) as base:

        def vote(n: int) -> int:
            # A new connection each time, so that both workers take some.
            body = {"question": f"question {n}", "vote": "up" if n % 2 else "down"}
            return httpx.post(f"{base}/feedback", json=body, timeout=60).status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(vote, range(60)))
    assert codes == [201] * 60
    rows = _rows(tmp_path / "data")
    assert sorted(r[0] for r in rows) == sorted(f"question {n}" for n in range(60))
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    pids = {e["pid"] for e in entries if e.get("path") == "/feedback"}
    assert len(pids) == 2
