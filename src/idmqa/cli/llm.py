"""``idmqa mcp`` (the MCP tools on stdio, for desktop agents) and ``idmqa verify-eval`` (the
quote verifier's confusion table on a JSONL quote set)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from idmqa.settings import get_settings


def cmd_mcp(args: argparse.Namespace) -> int:
    from idmqa.api.agents import build_mcp
    from idmqa.cli.commands import _open_service as open_service

    # stdout is the protocol's channel: everything else goes to stderr (the logging default).
    service = open_service(get_settings())
    build_mcp(lambda: service).run("stdio")
    return 0


def cmd_verify_eval(args: argparse.Namespace) -> int:
    from idmqa.cli.commands import _open_service as open_service
    from idmqa.evaluation import QuoteOutcome, format_confusion, load_quotes

    cases = load_quotes(Path(args.file))
    service = open_service(get_settings())
    outcomes = []
    started = time.perf_counter()
    for case in cases:
        check = service.verify(case.quote, case.speaker)
        status = check.attribution.status if check.attribution else None
        outcomes.append(QuoteOutcome(case, check.verdict, check.credited, status))
    took = (time.perf_counter() - started) * 1000 / max(len(cases), 1)
    print(format_confusion(outcomes))
    print(f"\n{len(cases)} quotes, {took:.0f} ms per quote")
    return 0
