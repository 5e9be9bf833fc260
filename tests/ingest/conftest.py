"""Model-free fixtures: the real report parsed once per session."""

from __future__ import annotations

import pytest

from idmqa.ingest.parse import parse_document
from idmqa.schema import Block


@pytest.fixture(scope="session")
def report_lines(report_text: str) -> list[str]:
    """The report's source lines (line ``n`` is ``report_lines[n - 1]``)."""
    return report_text.split("\n")


@pytest.fixture(scope="session")
def report_blocks(report_text: str) -> list[Block]:
    """The blocks of the real report (tests must not modify them)."""
    return parse_document(report_text)
