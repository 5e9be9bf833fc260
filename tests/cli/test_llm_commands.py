"""``idmqa mcp`` (the MCP tools on stdio, driven by the SDK's client) and ``idmqa verify-eval``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from idmqa.settings import Settings
from tests.helpers import ROOT


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "IDMQA_INDEX_DIR": str(settings.index_dir)}


def test_mcp_serves_the_tools_on_stdio(settings: Settings, manifest: dict) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "idmqa.cli", "mcp"], env=_env(settings)
    )

    async def main() -> tuple[set[str], dict]:
        async with Client(params) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            checked = await client.call_tool(
                "verify_quote", {"quote": "Migration is a common good.", "speaker": "Swing"}
            )
            return tools, checked.structured_content

    tools, checked = asyncio.run(main())
    assert tools == {"ask", "get_passage", "find_speaker", "speaker_statements", "verify_quote"}
    assert checked["verdict"] == "paraphrase"
    assert checked["attribution"]["status"] == "confirmed"


def test_verify_eval_prints_the_confusion_table(settings: Settings, manifest: dict) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "idmqa.cli", "verify-eval", str(ROOT / "eval" / "quotes.jsonl")],
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("verdicts (rows: expected, columns: found)")
    assert "attributions (rows: expected, columns: found)" in out
    assert "57 quotes" in out
    all_row = next(line for line in out.splitlines() if line.startswith("all "))
    right = int(all_row.split()[2].split("/")[0])
    assert right >= 50, out


def test_verify_eval_refuses_a_malformed_set(settings: Settings, manifest: dict, tmp_path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"quote": "x", "expected": "maybe"}\n')
    done = subprocess.run(
        [sys.executable, "-m", "idmqa.cli", "verify-eval", str(bad)],
        env=_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1 and "expected must be one of" in done.stderr
