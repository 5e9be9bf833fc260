import json
from pathlib import Path

import pytest

from idmqa.evaluation import (
    Question,
    breakdown,
    evaluate,
    format_table,
    gold_rank,
    load_questions,
    metrics,
)
from idmqa.schema import Passage
from tests.helpers import make_passage


def _p(text: str) -> Passage:
    return make_passage(text, id=text[:5])


def test_gold_rank_normalises_apostrophes_case_and_whitespace() -> None:
    q = Question("1", "?", ("L'OIM a lancé",))
    assert gold_rank(q, [_p("rien"), _p("Texte : l’OIM  a\nlancé son dialogue")]) == 2
    assert gold_rank(q, [_p("rien")]) is None


def test_metrics() -> None:
    qs = [Question(str(i), str(i), ("x",)) for i in range(4)]
    answers = {0: ["x"], 1: ["a", "x"], 2: ["a"] * 6 + ["x"], 3: ["a"]}
    outcomes = evaluate(qs, lambda q: ([_p(t) for t in answers[int(q)]], q != "3"))
    m = metrics(outcomes)
    assert m["hit@1"] == 0.25 and m["hit@3"] == 0.5 and m["hit@10"] == 0.75
    assert m["mrr@10"] == pytest.approx((1 + 0.5 + 1 / 7) / 4)
    assert m["answerable"] == 0.75


def test_off_topic_sets_count_answerability_per_language_and_nearness(tmp_path: Path) -> None:
    path = tmp_path / "off.jsonl"
    rows = [
        {"id": "a", "lang": "fr", "near": True, "question": "Morts en Méditerranée en 2023 ?"},
        {"id": "b", "lang": "fr", "near": False, "question": "Recette du pain ?"},
        {"id": "c", "lang": "en", "near": True, "question": "Frontex budget 2024"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    questions = load_questions(path)
    assert [q.type for q in questions] == ["offtopic"] * 3 and not questions[0].gold
    table = breakdown(evaluate(questions, lambda q: ([_p("x")], "Frontex" in q)))
    assert table["all"]["answerable"] == pytest.approx(1 / 3) and table["all"]["gold"] == 0
    assert table["near/lang=en"]["answerable"] == 1.0
    assert table["near/lang=fr"]["answerable"] == 0.0 and "far/lang=fr" in table
    assert "–" in format_table(table)


def test_load_questions_reports_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "a", "question": "q", "gold": ["g"]}) + "\n{oops\n")
    with pytest.raises(ValueError, match=":2:"):
        load_questions(path)
