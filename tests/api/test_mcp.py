"""The MCP server at /mcp, driven by the MCP SDK's own client against a real
``idmqa serve --workers 2`` on 127.0.0.1 with API keys and a rate limit."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from idmqa.settings import Settings
from tests.helpers import free_port, wait_ready

KEY, LIMITED_KEY = "mcp-key", "mcp-limited-key"
RATE = 60  # per minute, per key, per worker
TOOLS = {"ask", "get_passage", "find_speaker", "speaker_statements", "verify_quote"}


@pytest.fixture(scope="module")
def mcp_server(
    settings: Settings, manifest: dict, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """``idmqa serve --workers 2`` with two keys and a rate limit; its base URL and access log."""
    port = free_port()
    log = tmp_path_factory.mktemp("mcp") / "access.log"
    env = {
        **os.environ,
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_API_KEYS": f"{KEY},{LIMITED_KEY}",
        "IDMQA_RATE_LIMIT": f"{RATE}/minute",
        "IDMQA_WORKERS": "2",
        # The 401 tests send wrong keys from this same client; the guard's failed-key limit
        # (tested in test_guard) would then lock every later test out.
        "IDMQA_AUTH_FAILURE_LIMIT": "",
    }
    command = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "idmqa.cli", *command],
            env=env,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        yield base, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _with_client(
    base: str,
    key: str | None,
    use: Callable[[Client], Awaitable[Any]],
    statuses: list[httpx2.Response] | None = None,
) -> Any:
    """Run ``use`` with an SDK client of ``base``/mcp sending ``key`` (its own connection);
    every HTTP response is appended to ``statuses``."""

    async def record(response: httpx2.Response) -> None:
        if statuses is not None:
            statuses.append(response)

    async def main() -> Any:
        headers = {"X-API-Key": key} if key else {}
        async with httpx2.AsyncClient(
            headers=headers, timeout=60, event_hooks={"response": [record]}
        ) as http:
            transport = streamable_http_client(f"{base}/mcp", http_client=http)
            async with Client(transport, cache=None) as client:
                return await use(client)

    return asyncio.run(main())


def _call(base: str, tool: str, arguments: dict) -> Any:
    return _with_client(base, KEY, lambda client: client.call_tool(tool, arguments))


def test_the_tools_are_described_for_a_model(mcp_server) -> None:
    base, _ = mcp_server
    listed = _with_client(base, KEY, lambda client: client.list_tools()).tools
    assert {t.name for t in listed} == TOOLS
    for tool in listed:
        assert len(tool.description) > 150, tool.name
        assert tool.annotations.read_only_hint and tool.output_schema
    schemas = {t.name: t.input_schema for t in listed}
    assert schemas["ask"]["required"] == ["question"]
    assert set(schemas["ask"]["properties"]) == {"question", "k", "filters", "history"}
    assert schemas["get_passage"]["required"] == ["id"]
    assert schemas["verify_quote"]["required"] == ["quote"]


def test_ask_answers_like_the_http_api(mcp_server) -> None:
    base, _ = mcp_server
    question = "Qu'est-ce que le fonds d'amorçage ?"
    result = _call(base, "ask", {"question": question, "k": 3})
    assert not result.is_error
    over_http = httpx.post(
        f"{base}/ask", json={"question": question, "k": 3}, headers={"X-API-Key": KEY}
    ).json()
    answer = result.structured_content
    assert [p["id"] for p in answer["passages"]] == [p["id"] for p in over_http["passages"]]
    assert answer["answerable"] and json.loads(result.content[0].text) == answer


def test_the_people_and_passage_tools(mcp_server) -> None:
    base, _ = mcp_server

    async def use(client: Client) -> list:
        return [
            await client.call_tool("find_speaker", {"query": "Louise Arbor"}),
            await client.call_tool("speaker_statements", {"person": "louise-arbour"}),
            await client.call_tool(
                "get_passage", {"id": "idm-28-2018-partenariats.fr:374-374", "around": 1}
            ),
            await client.call_tool(
                "ask",
                {
                    "question": "And what did she say about sovereignty?",
                    "history": [{"role": "user", "content": "Who is Louise Arbour?"}],
                    "filters": {"speaker": "Louise Arbour"},
                },
            ),
        ]

    found, statements, passage, follow_up = _with_client(base, KEY, use)
    assert [s["id"] for s in found.structured_content["speakers"]][:1] == ["louise-arbour"]
    passages = statements.structured_content["passages"]
    assert passages and all(
        "louise-arbour" in [s["id"] for s in p["citation"]["speakers"]] for p in passages
    )
    detail = passage.structured_content
    assert [p["id"] for p in detail["before"]] == [detail["previous"]]
    assert [p["id"] for p in detail["after"]] == [detail["next"]]
    assert follow_up.structured_content["passages"][0]["id"].endswith(":374-374")


def test_verify_quote_says_whom_the_report_credits(mcp_server) -> None:
    base, _ = mcp_server
    result = _call(
        base,
        "verify_quote",
        {"quote": "La migration est un bien commun.", "speaker": "Louise Arbour"},
    )
    check = result.structured_content
    assert check["verdict"] == "verbatim"
    assert check["attribution"]["message"] == (
        "the report attributes this to William Lacy Swing, not to Louise Arbour"
    )


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        ("get_passage", {"id": "nope"}, "no passage with id 'nope'"),
        ("ask", {"question": "x", "filters": {"speaker": "Nobody Atall"}}, "filters.speaker"),
        ("ask", {"question": "   "}, "question is empty"),
        ("verify_quote", {"quote": "x" * 3000}, "quote is longer than 2000"),
        ("speaker_statements", {"person": "nobody-atall"}, "unknown speaker"),
    ],
)
def test_tool_errors_are_results_a_model_can_read(
    mcp_server, tool: str, arguments: dict, says: str
) -> None:
    base, _ = mcp_server
    result = _call(base, tool, arguments)
    assert result.is_error and says in result.content[0].text


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_mcp_needs_an_api_key(mcp_server, key: str | None) -> None:
    base, _ = mcp_server
    responses: list[httpx2.Response] = []
    # The refusal comes at connection, inside the client's task group.
    with pytest.raises(ExceptionGroup) as refused:
        _with_client(base, key, lambda client: client.list_tools(), responses)
    assert refused.group_contains(MCPError)
    assert responses and {r.status_code for r in responses} == {401}


def test_mcp_is_rate_limited_like_the_api(mcp_server) -> None:
    base, _ = mcp_server
    responses: list[httpx2.Response] = []

    async def hammer(client: Client) -> int:
        # One client, one kept-alive connection: one worker, whose limit is RATE a minute.
        for n in range(2 * RATE + 5):
            try:
                await client.call_tool("find_speaker", {"query": "Swing"})
            except MCPError:
                return n
        return -1

    calls = _with_client(base, LIMITED_KEY, hammer, responses)
    assert 0 < calls <= RATE
    refused = responses[-1]
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1


def test_both_workers_answer_mcp(mcp_server) -> None:
    base, log = mcp_server
    for _ in range(16):  # a new connection each time: the kernel spreads them
        result = _call(base, "find_speaker", {"query": "Vitorino"})
        assert result.structured_content["speakers"][0]["id"] == "antonio-vitorino"
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    answered = {line["pid"] for line in lines if line["path"] == "/mcp" and line["status"] == 200}
    # All 16 sessions on one worker has probability 2**-15 if the kernel spreads them.
    assert len(answered) == 2
