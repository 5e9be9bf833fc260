"""GET /metrics: one scrape of a server with two forked workers counts what both answered."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from pathlib import Path

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families

from idmqa.cli.workers import MIN_UPTIME
from idmqa.settings import Settings
from tests.helpers import free_port, running_server, start_server, wait_ready

KEY = "metrics-test-key-1"
OTHER_KEY = "metrics-test-key-2"


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    """(name, labels, value) of every sample of a scrape."""
    return [
        (s.name, s.labels, s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def total(scrape: list, name: str, **labels: str) -> float:
    return sum(
        value
        for n, have, value in scrape
        if n == name and all(have.get(k) == v for k, v in labels.items())
    )


def _wait_for_new_worker(supervisor: psutil.Process, dead: int) -> list[psutil.Process]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = [c for c in supervisor.children() if c.pid != dead]
        if len(now) == 2:
            return now
        time.sleep(0.2)
    raise AssertionError("no worker forked again")


def test_one_scrape_sees_both_workers(settings: Settings, manifest: dict, tmp_path: Path) -> None:
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_WORKERS": "2",
        "IDMQA_API_KEYS": f"{KEY},{OTHER_KEY}",
        # per process, client and key: two workers let 2 × 3 through, then 429
        "IDMQA_RATE_LIMIT": "3/minute",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(env, port, tmp_path / "access.log")
    try:
        wait_ready(base, proc)
        supervisor = psutil.Process(proc.pid)
        workers = {w.pid for w in supervisor.children()}
        assert httpx.get(f"{base}/metrics").status_code == 401  # behind the keys
        statuses: Counter[int] = Counter()
        for n in range(16):  # a new connection each time: the kernel spreads them
            question = "fonds d'amorçage" if n % 2 else "partenariats pour la migration"
            response = httpx.get(f"{base}/ask", params={"q": question}, headers={"X-API-Key": KEY})
            statuses[response.status_code] += 1
        assert set(statuses) == {200, 429} and statuses[200] <= 6
        scrape_response = httpx.get(f"{base}/metrics", headers={"X-API-Key": OTHER_KEY})
        assert scrape_response.status_code == 200
        text = scrape_response.text
        scrape = samples(text)
        # answers under their route, the guard's refusals (before any route) apart
        assert total(scrape, "idmqa_requests_total", route="/ask", status="200") == statuses[200]
        refused = total(scrape, "idmqa_requests_total", route="(refused)", status="429")
        assert refused == statuses[429]
        assert total(scrape, "idmqa_request_seconds_count", route="/ask") == statuses[200]
        alias = "key:" + hashlib.sha256(KEY.encode()).hexdigest()[:8]
        assert total(scrape, "idmqa_rate_limited_total", key=alias) == statuses[429]
        assert KEY not in text and OTHER_KEY not in text
        # every answered question: one cache lookup, one search, one confidence
        answered = statuses[200]
        assert total(scrape, "idmqa_question_cache_lookups_total") == answered
        assert total(scrape, "idmqa_search_seconds_count") == answered
        assert total(scrape, "idmqa_answers_total") == answered
        assert total(scrape, "idmqa_answer_confidence_count") == answered
        # the build each worker serves, per worker (and not the supervisor's)
        ready = httpx.get(f"{base}/ready").json()
        served = [(lab["pid"], lab["build"]) for n, lab, v in scrape if n == "idmqa_index_info"]
        assert sorted(served) == sorted((str(pid), ready["build"]) for pid in workers)
        passages = {lab["pid"]: v for n, lab, v in scrape if n == "idmqa_index_passages"}
        assert passages == {str(pid): manifest["counts"]["passages"] for pid in workers}

        # A dead worker's gauges leave the scrape; its counts stay in the sums.
        dead = min(workers)
        # a worker dying sooner after its start stops the server (a crash loop)
        time.sleep(max(0.0, MIN_UPTIME + 1 - (time.time() - psutil.Process(dead).create_time())))
        psutil.Process(dead).kill()
        replaced = {w.pid for w in _wait_for_new_worker(supervisor, dead)}
        wait_ready(base, proc)
        # (KEY has used up its rate limit: the scrapes use the other key)
        scrape = samples(httpx.get(f"{base}/metrics", headers={"X-API-Key": OTHER_KEY}).text)
        pids = {lab["pid"] for n, lab, _ in scrape if n == "idmqa_index_info"}
        assert str(dead) not in pids and pids <= {str(p) for p in replaced}
        assert total(scrape, "idmqa_requests_total", route="/ask") == statuses[200]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_metrics_open_without_a_key_when_configured(settings: Settings, manifest: dict) -> None:
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_API_KEYS": KEY,
        "IDMQA_METRICS_OPEN": "true",
    }
    with running_server(env) as base:
        response = httpx.get(f"{base}/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert httpx.get(f"{base}/ask", params={"q": "migration"}).status_code == 401
        scrape = samples(httpx.get(f"{base}/metrics").text)
        # a refusal is counted as one, never under the path the client sent
        assert total(scrape, "idmqa_requests_total", route="(refused)", status="401") == 1
        missing = httpx.get(f"{base}/no/such/path/{'x' * 50}", headers={"X-API-Key": KEY})
        assert missing.status_code == 404
        text = httpx.get(f"{base}/metrics").text
        assert "x" * 50 not in text
        assert total(samples(text), "idmqa_requests_total", route="(unmatched)") >= 1
