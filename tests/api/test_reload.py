"""Live reindexing: `idmqa index` beside a running server, answered without a restart."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from idmqa.index.store import current_build
from idmqa.settings import Settings
from tests.api.test_metrics import samples, total
from tests.helpers import CORPUS, SECOND_REPORT, running_server

QUESTIONS = ("partenariats pour la migration", "fonds d'amorçage", "What is MiGOF?")
POLL = "1"


class AskingLoop:
    """Clients asking questions without a pause, in a thread, counting every failure."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.answered = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as keep_alive:
            n = 0
            while not self._stop.is_set():
                question = QUESTIONS[n % len(QUESTIONS)]
                # half on one kept-alive connection, half on new ones (spread over workers)
                try:
                    if n % 2:
                        response = keep_alive.get(f"{self.base}/ask", params={"q": question})
                    else:
                        response = httpx.get(f"{self.base}/ask", params={"q": question})
                    if response.status_code != 200 or not response.json()["passages"]:
                        self.failures.append(f"{response.status_code} {response.text[:200]}")
                    else:
                        self.answered += 1
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                n += 1

    def __enter__(self) -> AskingLoop:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


@pytest.fixture(scope="module")
def copy(settings: Settings, manifest: dict, tmp_path_factory) -> Path:
    """A copy of the corpus and of its index, for a server to serve and `idmqa index` to
    update."""
    root = tmp_path_factory.mktemp("reload")
    shutil.copytree(CORPUS, root / "corpus")
    shutil.copytree(settings.index_dir, root / "index")
    return root


@pytest.fixture(scope="module")
def server(copy: Path, tmp_path_factory) -> Iterator[str]:
    """Two workers serving the copy, looking at its CURRENT every second."""
    env = {
        "IDMQA_INDEX_DIR": str(copy / "index"),
        "IDMQA_WORKERS": "2",
        "IDMQA_RATE_LIMIT": "",
        "IDMQA_METRICS_OPEN": "true",
        "IDMQA_INDEX_POLL_SECONDS": POLL,
    }
    with running_server(env, tmp_path_factory.mktemp("log") / "access.log") as base:
        yield base


def served_builds(base: str) -> set[str]:
    """The builds the live workers serve (one scrape sees them all)."""
    scrape = samples(httpx.get(f"{base}/metrics").text)
    return {lab["build"] for name, lab, value in scrape if name == "idmqa_index_info" and value}


def wait_for(condition, timeout: float = 120) -> float:
    """Seconds until ``condition()`` held; fails after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_a_new_document_is_answered_without_a_restart(server: str, copy: Path) -> None:
    old_build = httpx.get(f"{server}/ready").json()["build"]
    document = SECOND_REPORT.name.removesuffix(".txt")
    title = json.loads(SECOND_REPORT.with_suffix(".json").read_text())["title"]
    filtered = {"question": title, "filters": {"document": document}}
    unknown = httpx.post(f"{server}/ask", json=filtered)  # not yet indexed
    assert unknown.status_code == 422 and "document" in unknown.json()["detail"]
    with AskingLoop(server) as loop:
        for path in (SECOND_REPORT, SECOND_REPORT.with_suffix(".json")):
            shutil.copy(path, copy / "corpus" / path.name)
        env = {"IDMQA_CORPUS_DIR": str(copy / "corpus"), "IDMQA_INDEX_DIR": str(copy / "index")}
        subprocess.run(
            [sys.executable, "-m", "idmqa.cli", "index"],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
            timeout=600,
        )
        new_build = current_build(copy / "index").name
        assert new_build != old_build
        wait_for(lambda: served_builds(server) == {new_build})
        time.sleep(1)  # the loop asks the new build too
    assert loop.failures == [] and loop.answered > 0
    assert httpx.get(f"{server}/ready").json()["build"] == new_build
    answer = httpx.post(f"{server}/ask", json=filtered)
    assert answer.status_code == 200
    cited = {p["citation"]["document"] for p in answer.json()["passages"]}
    assert cited == {document}
    unfiltered = httpx.post(f"{server}/ask", json={"question": title}).json()
    assert document in {p["citation"]["document"] for p in unfiltered["passages"]}


@contextlib.contextmanager
def current_pointing_at(index_dir: Path, name: str) -> Iterator[None]:
    """CURRENT names build ``name`` (replaced atomically, as `idmqa index` does), then the
    previous one again."""
    pointer = index_dir / "CURRENT"
    before = pointer.read_text()

    def point(text: str) -> None:
        (index_dir / "CURRENT.tmp").write_text(text)
        os.replace(index_dir / "CURRENT.tmp", pointer)

    point(name + "\n")
    try:
        yield
    finally:
        point(before)


def test_a_build_that_fails_verification_is_refused(server: str, copy: Path) -> None:
    index_dir = copy / "index"
    serving = httpx.get(f"{server}/ready").json()["build"]
    bad = index_dir / "builds" / f"{serving}-tampered"
    shutil.copytree(index_dir / "builds" / serving, bad)
    with (bad / "passages.jsonl").open("a") as fh:
        fh.write("\n")
    refused = lambda: total(  # noqa: E731
        samples(httpx.get(f"{server}/metrics").text), "idmqa_index_reloads_total", result="refused"
    )
    with current_pointing_at(index_dir, bad.name), AskingLoop(server) as loop:
        wait_for(lambda: refused() >= 2)  # both workers looked, and refused
        assert httpx.get(f"{server}/ready").json()["build"] == serving
        assert served_builds(server) == {serving}
    assert loop.failures == [] and loop.answered > 0
