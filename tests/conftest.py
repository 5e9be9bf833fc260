"""Shared fixtures: the real model, a real index of the real report, a real server.

Helpers (paths, a passage factory, server start-up) are in ``tests/helpers.py``; model-free
fixtures of the parsed report and its people are in the ``conftest.py`` of their packages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from idmqa.index.build import build_index
from idmqa.index.store import LoadedIndex, load_index
from idmqa.model.encoder import Encoder
from idmqa.retrieval.search import Searcher
from idmqa.service import QAService
from idmqa.settings import Settings
from tests.helpers import CORPUS, REPORT, running_server


@pytest.fixture(scope="session")
def report_text() -> str:
    """The report, verbatim."""
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at the real corpus and a session-private index directory."""
    return Settings(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def encoder(settings: Settings) -> Encoder:
    """The real embedding model (converted offline once per machine, then cached)."""
    return Encoder(settings)


@pytest.fixture(scope="session")
def manifest(settings: Settings, encoder: Encoder) -> dict:
    """A real index of the report, built once per test session."""
    return build_index(settings, encoder)


@pytest.fixture(scope="session")
def loaded_index(settings: Settings, encoder: Encoder, manifest: dict) -> LoadedIndex:
    """The session's index, loaded as a serving process loads it."""
    return load_index(settings.index_dir, encoder.name, encoder.fingerprint)


@pytest.fixture(scope="session")
def service(settings: Settings, encoder: Encoder, loaded_index: LoadedIndex) -> QAService:
    """The QA core over the session's index."""
    return QAService(settings, encoder, loaded_index)


@pytest.fixture(scope="session")
def searcher(settings: Settings, encoder: Encoder, loaded_index: LoadedIndex) -> Searcher:
    """The ranking stage over the session's index (for tests of its internals)."""
    return Searcher(loaded_index, lambda q: encoder.encode_queries([q])[0], settings)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session server's writable directory (IDMQA_DATA_DIR: its feedback database)."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def server(settings: Settings, manifest: dict, data_dir: Path) -> Iterator[str]:
    """Base URL of a real idmqa server serving the session's index."""
    # Many modules share it within a minute: no rate limit here (the guard's own tests start
    # their own servers with limits).
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_CORPUS_DIR": str(settings.corpus_dir),
        "IDMQA_RATE_LIMIT": "",
        "IDMQA_DATA_DIR": str(data_dir),
    }
    with running_server(env) as base:
        yield base
