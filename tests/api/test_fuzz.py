"""Property-based fuzzing of the HTTP API from its own OpenAPI description (schemathesis).

Every operation of ``/openapi.json`` gets up to ``MAX_EXAMPLES`` generated requests that follow
its schema and as many that break it, sent to a real server with an API key and no rate limit.
No response may be a 5xx, and each must match what the schema declares (status code, content
type, body schema).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import h11._connection
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from idmqa.settings import Settings
from tests.helpers import running_server

MAX_EXAMPLES = 50
#: uvicorn's h11 refuses a request head longer than this with a 400 and closes at once; a
#: client still sending it may then see its connection reset (timing decides which).
MAX_HEAD_BYTES = h11._connection.DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
KEY = "fuzz-key"
OPERATIONS = [
    "POST /ask",
    "GET /ask",
    "GET /passages/{passage_id}",
    "GET /health",
    "GET /ready",
    "GET /speakers",
    "GET /speakers/{speaker_id}",
    "POST /context",
    "POST /verify",
    "GET /starters",
    "POST /feedback",
]
#: Operations with an input that can be made invalid (the others take no input or any string).
NEGATABLE = [
    "POST /ask",
    "GET /ask",
    "GET /speakers",
    "POST /context",
    "POST /verify",
    "GET /starters",
    "POST /feedback",
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_server(settings: Settings, manifest: dict, tmp_path_factory) -> Iterator[str]:
    """A real server with an API key and without rate limit, so the fuzzer is never throttled;
    the votes it posts go to a directory of its own."""
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_DATA_DIR": str(tmp_path_factory.mktemp("fuzz-data")),
        "IDMQA_API_KEYS": KEY,
        "IDMQA_RATE_LIMIT": "",
    }
    with running_server(env) as base:
        yield base


@pytest.fixture(scope="module")
def api_schema(fuzz_server: str) -> schemathesis.BaseSchema:
    """The server's own OpenAPI description."""
    return schemathesis.openapi.from_url(f"{fuzz_server}/openapi.json", timeout=10)


def test_every_operation_is_fuzzed(api_schema: schemathesis.BaseSchema) -> None:
    assert {op.ok().label for op in api_schema.get_all_operations()} == set(OPERATIONS)


# schemathesis' own ``@schema.parametrize()`` with ``schemathesis.pytest.from_fixture`` does not
# run under pytest 9 (it sets ``Function._nodeid``), so each operation is driven by hypothesis.
@pytest.mark.parametrize(
    ("label", "mode"),
    [(label, GenerationMode.POSITIVE) for label in OPERATIONS]
    + [(label, GenerationMode.NEGATIVE) for label in NEGATABLE],
)
def test_operation_conforms_to_its_schema(
    api_schema: schemathesis.BaseSchema, fuzz_server: str, label: str, mode: GenerationMode
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        print_blob=True,
    )
    def fuzz(case: schemathesis.Case) -> None:
        try:
            case.call_and_validate(
                base_url=fuzz_server, headers={"X-API-Key": KEY}, checks=CHECKS, timeout=30
            )
        except requests.ConnectionError:
            # Only a request whose head the server refuses to read may lose its connection.
            if len(urlencode(case.query or {}, doseq=True)) <= MAX_HEAD_BYTES:
                raise

    fuzz()
