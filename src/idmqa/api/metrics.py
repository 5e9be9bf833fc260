"""Prometheus metrics: what the service answers, how fast, from which index build.

With ``idmqa serve --workers N`` every worker is a process of its own: the supervisor gives
them a fresh ``PROMETHEUS_MULTIPROC_DIR`` before anything imports ``prometheus_client``
(:func:`idmqa.cli.workers.metrics_dir`), each worker writes its values to files there, and
a scrape of any worker merges every worker's files. Without that variable (one process) the
values live in this process.

Labels are bounded: routes are the app's route templates (``(refused)`` for the guard's
refusals, ``(unmatched)`` for the rest), a
rate-limited key is named by its alias (:func:`idmqa.api.guard.key_alias`), never itself.
"""

from __future__ import annotations

import os

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from idmqa.retrieval.search import SearchResult
from idmqa.service import QAService

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: The route label of requests no route matched (their paths are the client's input)…
UNMATCHED = "(unmatched)"
#: …and of those the guard refused (401, 403, 413, 429) before any route was chosen.
REFUSED = "(refused)"
#: The key label of a 429 answered to a request without a valid key.
NO_KEY = "(none)"

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_ENCODE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
_CONFIDENCE_BUCKETS = tuple(round(0.1 * n, 1) for n in range(1, 11))

REQUESTS = Counter("idmqa_requests", "HTTP requests answered", ["route", "method", "status"])
LATENCY = Histogram(
    "idmqa_request_seconds", "Time to answer an HTTP request", ["route"], buckets=_LATENCY_BUCKETS
)
ENCODE = Histogram(
    "idmqa_encode_seconds",
    "Question-encoder model calls (question-cache misses)",
    buckets=_ENCODE_BUCKETS,
)
SEARCH = Histogram(
    "idmqa_search_seconds",
    "Searching one question, its encoding included",
    buckets=_LATENCY_BUCKETS,
)
CACHE = Counter("idmqa_question_cache_lookups", "Question-embedding cache lookups", ["result"])
ANSWERS = Counter("idmqa_answers", "Answers to questions, by answerability", ["answerable"])
CONFIDENCE = Histogram(
    "idmqa_answer_confidence",
    "Confidence that the report addresses a question",
    buckets=_CONFIDENCE_BUCKETS,
)
RATE_LIMITED = Counter("idmqa_rate_limited", "429 answers, by key alias", ["key"])
RELOADS = Counter("idmqa_index_reloads", "New index builds seen by a server process", ["result"])
# One row per live process (the pid label): during a reload, workers may briefly differ.
INDEX = Gauge(
    "idmqa_index_info",
    "The index build a process serves (1)",
    ["build", "model"],
    multiprocess_mode="liveall",
)
PASSAGES = Gauge(
    "idmqa_index_passages",
    "Passages of the index build a process serves",
    multiprocess_mode="liveall",
)

router = APIRouter()


def _registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    """The metrics of every process of this server, in Prometheus' text format."""
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)


def record_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route).observe(seconds)


def record_rate_limited(alias: str | None) -> None:
    RATE_LIMITED.labels(alias or NO_KEY).inc()


def _encoded(seconds: float | None) -> None:
    """A question embedded in ``seconds`` by the model, or (None) found in the cache."""
    CACHE.labels("miss" if seconds is not None else "hit").inc()
    if seconds is not None:
        ENCODE.observe(seconds)


def _answered(result: SearchResult) -> None:
    SEARCH.observe(result.took_ms / 1000)
    ANSWERS.labels(str(result.answerable).lower()).inc()
    CONFIDENCE.observe(result.confidence)


def instrument(service: QAService, previous: QAService | None = None) -> None:
    """Record what ``service`` answers, and that this process now serves its build (instead
    of ``previous``'s)."""
    # The build-time encoder (IDMQA_QUERY_ENCODER=torch) embeds questions with its ``queries``.
    getattr(service.encoder, "queries", service.encoder).observer = _encoded
    service.on_answer = _answered
    if previous is not None:
        INDEX.labels(previous.build, previous.manifest["model"]).set(0)
    INDEX.labels(service.build, service.manifest["model"]).set(1)
    PASSAGES.set(service.passage_count)
