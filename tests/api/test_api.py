"""The HTTP API through a real uvicorn server on 127.0.0.1."""

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest

from idmqa.index.store import current_build
from tests.helpers import client, free_port, running_server, start_server


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
    assert set(first["citation"]) == {
        "document",
        "title",
        "short_title",
        "section",
        "kind",
        "lines",
        "speakers",
    }
    assert first["citation"]["short_title"] == "IDM n° 28 (2018)"
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
    missing = httpx.get(f"{server}/passages/nope-nothing", timeout=30)
    assert missing.status_code == 404 and "no passage" in missing.json()["detail"]
    assert "nope-nothing" not in missing.text


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
        assert "failed to load" in r.json()["detail"]
        assert httpx.get(f"{base}/health").status_code == 200
        asked = httpx.post(f"{base}/ask", json={"question": "x"})
        assert asked.status_code == 503 and "failed to load" in asked.json()["detail"]
        # Attack 9: the reason (paths, library internals) is for the server's log only.
        for leaked in (r.text, asked.text):
            assert str(tmp_path) not in leaked and "manifest" not in leaked
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
        {
            "question": "Qu'a-t-il dit sur les données ?",
            "history": [{"question": "Qui est António Vitorino ?", "passage_ids": ["x"]}],
        },
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


def test_long_person_references_are_refused_at_once(server: str) -> None:
    """Attack 1: a speaker filter or a /speakers path had no length limit, and the lookup
    compared every word with every person: 10,000 words took 4.7 s, a 60 KB body 18 s."""
    many_words = "a " * 10_000
    cases = [
        ("post", "/ask", {"question": "x", "filters": {"speaker": many_words}}, "filters.speaker"),
        ("post", "/ask", {"question": "x", "filters": {"speaker": "Vitorino " * 7000}}, "speaker"),
        ("get", "/speakers/" + "a" * 14_000, None, "speaker_id"),
        ("get", "/speakers?q=" + "a+" * 90, None, "q"),
    ]
    for method, path, body, field in cases:
        r = httpx.request(method, f"{server}{path}", json=body, timeout=30)
        assert r.status_code == 422, (path[:40], r.status_code)
        assert field in r.json()["detail"] and "100 characters" in r.json()["detail"]
    # Within the characters, the words are bounded too (each word costs a pass over everyone).
    nine = httpx.post(
        f"{server}/ask", json={"question": "x", "filters": {"speaker": "a e i o u s m d n"}}
    )
    assert nine.status_code == 422 and "8 words" in nine.json()["detail"]
    short = httpx.get(f"{server}/speakers", params={"q": "a e i o u s m d n"})
    assert short.status_code == 422 and short.json()["detail"].startswith("q: at most 8 words")


def test_probes_answer_while_lookups_fill_the_thread_pool(server: str) -> None:
    """Attack 1: with 45 costly lookups in parallel, /health and /ask timed out (the probes
    queued behind them for a worker thread). Half of these are the attack (2,000 words, about
    a second each before), half the worst lookup still allowed: 8 one-letter words, each the
    prefix of words of most persons."""
    attack = {"question": "données", "filters": {"speaker": "a " * 2000}}
    worst = {"question": "données", "filters": {"speaker": "a e i o u s m d"}}
    with client("127.0.0.9") as http, ThreadPoolExecutor(45) as pool:
        lookups = [
            pool.submit(http.post, f"{server}/ask", json=attack if n % 2 else worst)
            for n in range(45)
        ]
        health = http.get(f"{server}/health", timeout=10)
        answers = [f.result() for f in lookups]
    assert health.status_code == 200
    # The worst allowed lookup is answered either way (a person, or a 422 naming the
    # candidates); the attack is refused at once.
    assert {a.status_code for a in answers[::2]} <= {200, 422}
    assert all(a.status_code == 422 for a in answers[1::2])
    assert all("100 characters" in a.json()["detail"] for a in answers[1::2])


def test_no_redirect_takes_the_host_header(server: str) -> None:
    """Attack 15: /ask/ redirected to Location: http://evil.example/ask?q=x."""
    r = httpx.get(f"{server}/ask/", params={"q": "x"}, headers={"Host": "evil.example"}, timeout=30)
    assert r.status_code == 404 and "location" not in r.headers
    assert "evil" not in r.text


def test_error_bodies_never_echo_the_input(server: str) -> None:
    """Attack 9: 404 and 422 details echoed any filter value or path, up to 60 KB."""
    marker = "<script>alert(1)</script>"
    fields = {"question": "q", marker + "x" * 30_000: 1, **{f"extra{n}": n for n in range(300)}}
    r = httpx.post(f"{server}/ask", json=fields, timeout=30)
    assert r.status_code == 422 and len(r.content) < 5000 and marker not in r.text
    for filters in ({"document": marker}, {"kind": [marker]}, {"language": "<b>"}):
        r = httpx.post(f"{server}/ask", json={"question": "q", "filters": filters}, timeout=30)
        assert r.status_code == 422 and "<" not in r.text, filters
        assert r.json()["detail"].startswith(f"filters.{next(iter(filters))}")
    for path in (f"/passages/{marker}", f"/speakers/{marker}"):
        r = httpx.get(f"{server}{path}", timeout=30)
        assert r.status_code == 404 and "<" not in r.text, path


def test_index_files_changed_under_the_server_change_nothing(settings, manifest, tmp_path) -> None:
    """Attack 4: dense.faiss was memory-mapped: overwritten in place, the answers silently
    changed; truncated, the server died of SIGBUS. It is now read into memory as verified."""
    copy = tmp_path / "index"
    shutil.copytree(settings.index_dir, copy)
    dense = current_build(copy) / "dense.faiss"
    questions = ["Qu'est-ce que le MiGOF ?", "Who financed the IDM 2018?", "données migratoires"]
    with running_server({"IDMQA_INDEX_DIR": str(copy), "IDMQA_RATE_LIMIT": ""}) as base:

        def answers() -> list[list[str]]:
            got = [
                httpx.get(f"{base}/ask", params={"q": q, "k": 10}, timeout=30) for q in questions
            ]
            return [[p["id"] for p in r.json()["passages"]] for r in got]

        before = answers()
        assert "index" not in httpx.get(f"{base}/ready").json()
        size = dense.stat().st_size
        noise = np.random.default_rng(0).standard_normal(size // 8).astype(np.float32)
        with dense.open("r+b") as fh:  # in place: the same inode, as a mapping sees it
            fh.seek(size - len(noise.tobytes()))
            fh.write(noise.tobytes())
        assert answers() == before
        os.truncate(dense, 0)
        assert answers() == before
        ready = httpx.get(f"{base}/ready")
        assert ready.status_code == 200 and "verified copy" in ready.json()["index"]


# ---------------------------------------------------------------------- follow-ups


def _ask(server: str, body: dict) -> dict:
    r = httpx.post(f"{server}/ask", json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_follow_up_is_read_in_its_conversation(server: str) -> None:
    first = "Qu'a dit António Vitorino sur la société civile ?"
    asked = _ask(server, {"question": first})
    history = [{"question": first, "passage_ids": [p["id"] for p in asked["passages"]]}]
    assert asked["interpreted_as"] is None

    pronoun = _ask(
        server, {"question": "Qu'a-t-il dit sur le pacte mondial ?", "k": 3, "history": history}
    )
    assert pronoun["question"] == "Qu'a-t-il dit sur le pacte mondial ?"
    assert pronoun["interpreted_as"] == "Qu'a dit António Vitorino sur le pacte mondial ?"
    assert all(
        "antonio-vitorino" in [s["id"] for s in p["citation"]["speakers"]]
        for p in pronoun["passages"]
    )

    switched = _ask(server, {"question": "Et M. Lauber ?", "k": 3, "history": history})
    assert switched["interpreted_as"] == "Qu'a dit Jürg Lauber sur la société civile ?"
    assert "jurg-lauber" in [s["id"] for s in switched["facets"]["speakers"]]
    alone = _ask(server, {"question": "Et M. Lauber ?", "k": 3})
    assert alone["interpreted_as"] is None


def test_a_pronoun_may_stand_for_the_speaker_of_the_previous_passages(server: str) -> None:
    """The previous question named nobody: its passages tell whom "she" is."""
    first = "Who spoke about the UN system working hand in hand?"
    asked = _ask(server, {"question": first, "k": 3})
    ids = [p["id"] for p in asked["passages"]]
    speakers = [s["id"] for s in asked["passages"][0]["citation"]["speakers"]]
    body = {
        "question": "What else did she say?",
        "history": [{"question": first, "passage_ids": ids}],
    }
    followed = _ask(server, body)
    assert followed["interpreted_as"] and followed["interpreted_as"] != body["question"]
    assert any(s["id"] in speakers for p in followed["passages"] for s in p["citation"]["speakers"])
    # unknown ids are no error; without the passages nobody is known: searched as asked
    body["history"][0]["passage_ids"] = ["no-such-passage"]
    assert _ask(server, body)["interpreted_as"] is None


def test_speaker_facets_are_counted_over_the_best_candidates(server: str) -> None:
    for answer in (
        _ask(server, {"question": "Qu'a dit Louise Arbour sur les partenariats ?", "k": 1}),
        httpx.get(f"{server}/ask", params={"q": "Louise Arbour partenariats", "k": 1}).json(),
    ):
        facets = answer["facets"]["speakers"]
        assert answer["interpreted_as"] is None
        assert facets[0]["id"] == "louise-arbour" and facets[0]["name"] == "Louise Arbour"
        assert facets[0]["count"] > 1  # more candidates than the one passage returned
        counts = [f["count"] for f in facets]
        assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize(
    ("history", "field"),
    [
        ([{"question": "q"}] * 11, "history"),
        ([{"question": "   "}], "history.0.question"),
        ([{"question": "q"}, {"question": "x" * 1001}], "history.1.question"),
        ([{"question": "q\u0007"}], "history.0.question"),
        ([{"question": "q", "passage_ids": ["p"] * 51}], "history.0.passage_ids"),
        ([{"question": "q", "passage_ids": ["p" * 201]}], "history.0.passage_ids.0"),
        ([{"question": "q", "role": "user"}], "history.0.role"),
        ([{"passage_ids": []}], "history.0.question"),
        ({"question": "q"}, "history"),
    ],
)
def test_bad_histories_are_a_422_naming_the_field(server: str, history, field: str) -> None:
    r = httpx.post(f"{server}/ask", json={"question": "q", "history": history}, timeout=30)
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(field)


def test_history_errors_never_echo_the_input(server: str) -> None:
    marker = "<script>alert(1)</script>"
    for turn in (
        {"question": marker + "\u0007"},
        {"question": marker * 300},
        {"question": "q", "passage_ids": [marker * 10]},
        {"question": "q", marker: 1},
    ):
        r = httpx.post(f"{server}/ask", json={"question": "q", "history": [turn]}, timeout=30)
        assert r.status_code == 422 and "<" not in r.text, turn
