"""Optional OpenTelemetry traces, on when ``IDMQA_OTEL_ENDPOINT`` names an OTLP/HTTP collector.

Imported only then: the packages (``pip install 'idmqa[otel]'``) are never needed otherwise.
The app is instrumented when it is made (before a fork: it only adds a middleware, whose
tracer resolves to the provider set later); the provider and its exporting thread are
started in each server process, after the fork (a thread does not survive one).
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from idmqa.settings import Settings

#: Paths whose requests are not traced: probes and scrapes, many and uninteresting.
EXCLUDED_URLS = "/health,/ready,/metrics"


def instrument_app(app: FastAPI) -> None:
    """Trace every request of ``app`` (a span per request, with its route and status)."""
    FastAPIInstrumentor.instrument_app(app, excluded_urls=EXCLUDED_URLS)


def start_tracing(settings: Settings) -> None:
    """Export this process's spans to ``IDMQA_OTEL_ENDPOINT`` (batched, in the background)."""
    resource = Resource.create({"service.name": "idmqa", "process.pid": os.getpid()})
    provider = TracerProvider(resource=resource)
    endpoint = settings.otel_endpoint.rstrip("/") + "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
