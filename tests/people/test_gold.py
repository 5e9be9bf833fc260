"""Who said what measured against hand-checked gold sets (model-free: the report's people as
the index would hold them)."""

from __future__ import annotations

import pytest

from idmqa.evaluation import evaluate_attribution, load_statements
from idmqa.people.model import People
from idmqa.schema import Passage
from tests.helpers import ATTRIBUTION_SAMPLE, ROOT

#: The project's gold set: (person, statement line) pairs read from the report by hand.
GOLD = ROOT / "eval" / "attribution.jsonl"


def test_the_sample_pairs(people: People, passages: list[Passage]) -> None:
    report = evaluate_attribution(load_statements(ATTRIBUTION_SAMPLE), people, passages)
    assert report.recall() == (5, 6)
    assert report.unknown == ["Nobody Atall"]
    assert {how for how in ("named", "continued", "title") if report.recall(how)[0]} == {
        "named",
        "continued",
        "title",
    }


@pytest.mark.skipif(not GOLD.exists(), reason="no eval/attribution.jsonl")
def test_the_gold_set_targets(people: People, passages: list[Passage]) -> None:
    # issue 13: recall ≥ 0.97 and precision ≥ 0.98 on the gold set
    report = evaluate_attribution(load_statements(GOLD), people, passages)
    found, total = report.recall()
    correct, attributed = report.precision()
    assert found / total >= 0.97, [(g.person, g.line) for g, _ in report.missed]
    assert correct / attributed >= 0.98, [(pid, p.id) for pid, p in report.wrong]
