"""Filters: by passage language, in the core and over HTTP."""

from __future__ import annotations

import httpx

from idmqa.retrieval.search import Filters
from idmqa.service import QAService


def test_language_filter(service: QAService) -> None:
    languages = set(service.languages)
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
