"""Deployment and scale-out: incremental builds, approximate index, mmap, filters, workers,
container files."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import faiss
import httpx
import numpy as np
import psutil
import pytest
import yaml

from idmqa.model.encoder import Encoder
from idmqa.index import build_index, load_index
from idmqa.retrieval.search import Filters
from idmqa.service import QAService
from idmqa.settings import Settings
from idmqa.index.dense import flat_vectors, search_dense
from idmqa.cli.workers import MIN_UPTIME

from tests.helpers import ROOT, free_port, wait_ready

NOTE_A = """NOTE A

Le fonds d'amorçage finance des projets pilotes sur la migration de main-d'œuvre.

Les partenariats avec les villes renforcent l'intégration des migrants.
"""
NOTE_B = """NOTE B

The Global Compact for Migration was adopted in Marrakech in December 2018.
"""


def _write(corpus: Path, name: str, text: str, language: str) -> None:
    (corpus / f"{name}.md").write_text(text, encoding="utf-8")
    (corpus / f"{name}.json").write_text(json.dumps({"title": name, "language": language}))


@pytest.fixture
def counting(encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Number of texts sent to the model for each ``encode_passages`` call."""
    calls: list[int] = []
    original = encoder.encode_passages

    def encode(texts, progress=False):
        calls.append(len(texts))
        return original(texts, progress=progress)

    monkeypatch.setattr(encoder, "encode_passages", encode)
    return calls


def test_rebuild_embeds_only_new_and_changed_documents(
    encoder: Encoder, counting: list[int], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write(corpus, "note-a", NOTE_A, "fr")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    first = build_index(settings, encoder)
    a_passages = first["counts"]["passages"]
    assert first["incremental"]["passages"] == {"reused": 0, "embedded": a_passages}
    first_vectors = flat_vectors(
        load_index(settings.index_dir, encoder.name, encoder.fingerprint).dense
    ).copy()

    _write(corpus, "note-b", NOTE_B, "en")
    counting.clear()
    second = build_index(settings, encoder)
    b_passages = second["counts"]["passages"] - a_passages
    assert second["incremental"]["documents"] == {
        "unchanged": 1,
        "changed": 0,
        "new": 1,
        "removed": 0,
    }
    assert second["incremental"]["passages"] == {"reused": a_passages, "embedded": b_passages}
    # The model saw only note B's passages (and their sentences), never note A's again.
    assert counting[0] == b_passages
    index = load_index(settings.index_dir, encoder.name, encoder.fingerprint)
    assert {p.document for p in index.passages} == {"note-a", "note-b"}
    a_rows = [i for i, p in enumerate(index.passages) if p.document == "note-a"]
    np.testing.assert_array_equal(flat_vectors(index.dense)[a_rows], first_vectors)

    # Changing one paragraph of note A re-embeds that paragraph only.
    _write(corpus, "note-a", NOTE_A.replace("les villes", "les régions"), "fr")
    third = build_index(settings, encoder)
    assert third["incremental"]["documents"]["changed"] == 1
    assert third["incremental"]["passages"]["embedded"] == 1


def test_hnsw_above_the_threshold_agrees_with_flat(
    settings: Settings, encoder: Encoder, service: QAService, tmp_path: Path
) -> None:
    copy = tmp_path / "idx"
    shutil.copytree(settings.index_dir, copy)
    approx = settings.model_copy(update={"index_dir": copy, "ann_threshold": 0})
    manifest = build_index(approx, encoder)
    # Same corpus, same model: every vector comes from the previous build.
    assert manifest["incremental"]["passages"]["embedded"] == 0
    assert manifest["dense"]["type"] == "hnsw"
    hnsw = QAService(approx, encoder)
    assert isinstance(hnsw.index.dense, faiss.IndexHNSWFlat)
    for question in (
        "Qu'est-ce que le fonds d'amorçage ?",
        "Who opened the Geneva workshop?",
        "Quels partenariats avec le secteur privé ?",
    ):
        exact = [h.passage.id for h in service.ask(question, 5).hits]
        approximate = [h.passage.id for h in hnsw.ask(question, 5).hits]
        assert approximate == exact, question
    # A filter is searched exactly, even on the approximate index.
    hits = hnsw.ask("financement", 5, Filters(kinds=("footnote",))).hits
    assert hits and all(h.passage.kind == "footnote" for h in hits)


def test_dense_index_is_memory_mapped_and_filtered_search_is_exact(
    service: QAService,
) -> None:
    dense = service.index.dense
    matrix = flat_vectors(dense)
    assert not matrix.flags.owndata and not matrix.flags.writeable
    np.testing.assert_array_equal(matrix[7], dense.reconstruct(7))
    query = matrix[3]
    for step in (2, 20):  # a large subset (FAISS scan with a bitmap), a small one (gather)
        allowed = np.arange(0, len(matrix), step, dtype=np.int64)
        scores, ids = search_dense(dense, matrix, query, 10, allowed)
        expected = allowed[np.argsort(-(matrix[allowed] @ query), kind="stable")[:10]]
        assert ids.tolist() == expected.tolist()
        assert list(scores) == sorted(scores, reverse=True)


def test_language_filter(service: QAService) -> None:
    languages = {p.language for p in service.index.passages}
    assert {"fr", "en"} <= languages
    for language in ("fr", "en"):
        hits = service.ask("migration partnerships", 5, Filters(language=language)).hits
        assert hits and all(h.passage.language == language for h in hits)


def test_language_filter_over_http(server: str) -> None:
    body = {"question": "Global Compact", "k": 3, "filters": {"language": "en"}}
    response = httpx.post(f"{server}/ask", json=body, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["passages"]
    body["filters"] = {"language": "xx"}
    response = httpx.post(f"{server}/ask", json=body, timeout=30)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("filters.language")


def _serve_two_workers(settings: Settings, port: int, log: Path) -> subprocess.Popen:
    """``idmqa serve --workers 2`` on 127.0.0.1:``port``, access log to ``log``."""
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_CORPUS_DIR": str(settings.corpus_dir),
        "IDMQA_WORKERS": "2",
        "IDMQA_THREADS": "0",
        "IDMQA_RATE_LIMIT": "",
    }
    with log.open("w") as out:
        command = ["serve", "--host", "127.0.0.1", "--port", str(port)]
        return subprocess.Popen(
            [sys.executable, "-m", "idmqa.cli", *command],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )


def test_serve_with_two_workers(settings: Settings, manifest: dict, tmp_path: Path) -> None:
    port = free_port()
    access_log = tmp_path / "access.log"
    proc = _serve_two_workers(settings, port, access_log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        ready_at = time.monotonic()  # the workers were forked before they could answer
        children = psutil.Process(proc.pid).children()
        workers = children
        assert len(workers) == 2
        for n in range(40):  # a new connection each time: the kernel spreads them
            response = httpx.get(f"{base}/ask", params={"q": "fonds d'amorçage", "k": 2})
            assert response.status_code == 200
            assert len(response.json()["passages"]) == 2, n
        # A worker that dies (after its start-up) is replaced, and the port keeps answering.
        time.sleep(max(0.0, ready_at + MIN_UPTIME + 0.5 - time.monotonic()))
        workers[0].kill()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = [c for c in psutil.Process(proc.pid).children() if c.pid != workers[0].pid]
            if len(now) == 2:
                break
            time.sleep(0.2)
        assert len(now) == 2 and proc.poll() is None, proc.poll() or now
        workers = now
        for n in range(10):
            response = httpx.get(f"{base}/ask", params={"q": "MiGOF", "k": 1})
            assert response.status_code == 200, n
        proc.terminate()
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
        assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines = [json.loads(x) for x in access_log.read_text().splitlines() if x.startswith("{")]
    answered = [line["pid"] for line in lines if line["path"] == "/ask"]
    # With 40 connections, all on one worker has probability 2**-39 if the kernel spreads them.
    assert len(set(answered[:40])) == 2


@contextlib.contextmanager
def _two_workers_ready(
    settings: Settings, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen, list[psutil.Process]]]:
    """A ready ``serve --workers 2`` and its workers; everything killed afterwards."""
    port = free_port()
    proc = _serve_two_workers(settings, port, tmp_path / "access.log")
    workers: list[psutil.Process] = []
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc)
        workers = psutil.Process(proc.pid).children()
        assert len(workers) == 2
        yield proc, workers
    finally:
        if proc.poll() is None:
            proc.kill()
        for worker in workers:
            with contextlib.suppress(psutil.NoSuchProcess):
                worker.kill()


def _still_running(workers: list[psutil.Process]) -> list[psutil.Process]:
    return [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]


def test_workers_stop_when_their_supervisor_is_killed(
    settings: Settings, manifest: dict, tmp_path: Path
) -> None:
    """No orphan may keep serving on the port (SO_REUSEPORT would let a new server share it)."""
    with _two_workers_ready(settings, tmp_path) as (proc, workers):
        proc.kill()
        proc.wait(timeout=10)
        psutil.wait_procs(workers, timeout=30)
        assert not _still_running(workers)


def test_stuck_workers_are_killed_after_the_grace_period(
    settings: Settings, manifest: dict, tmp_path: Path
) -> None:
    from idmqa.cli.workers import STOP_GRACE

    with _two_workers_ready(settings, tmp_path) as (proc, workers):
        for worker in workers:
            worker.suspend()  # SIGSTOP: deaf to SIGTERM
        proc.terminate()
        proc.wait(timeout=STOP_GRACE + 20)
        assert not _still_running(workers)


def test_workers_call_the_encoder_single_threaded() -> None:
    from idmqa.cli.workers import worker_settings

    # a thread pool made before the fork would be lost in the workers
    assert worker_settings(Settings(threads=0)).threads == 1
    assert worker_settings(Settings(threads=3)).threads == 1


def test_workers_sockets_get_tcp_nodelay() -> None:
    """Accepted connections must have TCP_NODELAY, or keep-alive answers wait ~40 ms for the
    client's delayed ACK (asyncio sets it only on sockets created with IPPROTO_TCP)."""
    import asyncio
    import socket

    from idmqa.cli.workers import reuseport_socket

    async def check() -> int:
        listening = reuseport_socket("127.0.0.1", 0, listen=True)
        flags: list[int] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            flags.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=listening)
        _, writer = await asyncio.open_connection(*listening.getsockname())
        while not flags:
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        return flags[0]

    assert asyncio.run(check()) != 0


def test_second_server_on_a_taken_port_fails_clearly(manifest: dict, settings: Settings) -> None:
    with socket_taken() as port:
        out = subprocess.run(
            [sys.executable, "-m", "idmqa.cli", "serve", "--workers", "2", "--port", str(port)],
            env={**os.environ, "IDMQA_INDEX_DIR": str(settings.index_dir)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert out.returncode == 1
    assert f"cannot bind 127.0.0.1:{port}" in out.stderr


@contextlib.contextmanager
def socket_taken() -> Iterator[int]:
    """A port of 127.0.0.1 held by a plain listening socket (no SO_REUSEPORT)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_container_files() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER (?!root)\S+", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile and "/ready" in dockerfile
    assert "TORCH_INDEX_URL" in dockerfile and "torch==2.13.0" in dockerfile
    assert "idmqa index" in dockerfile and "--no-cache-dir" in dockerfile
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    replicas = [s for s in services.values() if "build" in s or "image" in s]
    api = [s for s in replicas if any(str(v).endswith(":ro") for v in s.get("volumes", []))]
    assert sum(s.get("deploy", {}).get("replicas", 1) for s in api) >= 2
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "limit_req_zone" in nginx and "upstream" in nginx
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "index/*"} <= set(ignored)


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint not installed")
def test_dockerfile_lints_clean() -> None:
    result = subprocess.run(["hadolint", str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
