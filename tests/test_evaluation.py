import json
from pathlib import Path

import pytest

from idmqa.evaluation import (
    CONVERSATION_MODES,
    GoldStatement,
    Question,
    breakdown,
    evaluate,
    evaluate_attribution,
    evaluate_conversations,
    format_attribution,
    format_conversations,
    format_table,
    gold_rank,
    load_conversations,
    load_questions,
    load_statements,
    metrics,
)
from idmqa.people.model import People, Person
from idmqa.schema import Passage, PassagePerson
from tests.helpers import ATTRIBUTION_SAMPLE, make_passage


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


# --------------------------------------------------------------------------- who said what


def _said(text: str, speakers: tuple[str, ...], line: int, **fields: object) -> Passage:
    people = tuple(PassagePerson(pid, "speaker", ((0, len(text)),)) for pid in speakers)
    fields = {"id": f"d:{line}-{line}", **fields}
    return make_passage(text, lines=(line, line), people=people, **fields)


def test_attribution_recall_per_how_and_precision_against_a_complete_gold_set() -> None:
    people = People([Person("ann-a", "Ann A", ["Ann A"]), Person("bob-b", "Bob B", ["Bob B"])])
    passages = [
        _said("Ann A a dit x.", ("ann-a",), 1),
        _said("Elle a ajouté y.", ("ann-a",), 2),
        _said("Bob B a dit z.", ("ann-a",), 3),  # the wrong person
        _said("Personne.", ("bob-b",), 4),  # nobody said it
        _said("Ann A et Bob B.", ("ann-a", "bob-b"), 5, kind="agenda"),  # a listing: no statement
    ]
    gold = [
        GoldStatement("Ann A", 1, "a dit x", "named"),
        GoldStatement("ann-a", 2, "ajouté y", "continued"),
        GoldStatement("Bob B", 3, "a dit z", "named"),
        GoldStatement("Carl C", 1, "", "named"),  # not in the index
    ]
    report = evaluate_attribution(gold, people, passages)
    assert report.recall() == (2, 4)
    assert report.recall("named") == (1, 3) and report.recall("continued") == (1, 1)
    assert report.precision() == (2, 4)  # Ann at 3 and Bob at 4 are false
    assert {(pid, p.lines[0]) for pid, p in report.wrong} == {("ann-a", 3), ("bob-b", 4)}
    assert report.unknown == ["Carl C"]
    text = format_attribution(report, people)
    assert "recall    0.500  (2/4)" in text and "precision 0.500  (2/4" in text
    assert "- Bob B @3 [named]" in text and "- Ann A @3-3" in text


def test_a_gold_line_is_found_in_the_window_holding_its_snippet() -> None:
    people = People([Person("ann-a", "Ann A", ["Ann A"])])
    windows = [
        _said("Ann A a dit x. Puis y.", ("ann-a",), 7, id="d:7-7:0"),
        _said("Puis y. Enfin z.", (), 7, id="d:7-7:1", part=1),
    ]
    found = evaluate_attribution([GoldStatement("Ann A", 7, "Enfin z", "named")], people, windows)
    assert found.recall() == (0, 1)  # the window holding "Enfin z" does not give it to her
    other = evaluate_attribution([GoldStatement("Ann A", 7, "a dit x", "named")], people, windows)
    assert other.recall() == (1, 1) and other.precision() == (1, 1)


def test_load_statements_reports_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"person": "A", "line": 3}) + "\n" + json.dumps({"line": 1}) + "\n")
    with pytest.raises(ValueError, match=":2:"):
        load_statements(path)
    assert load_statements(ATTRIBUTION_SAMPLE)[1] == GoldStatement(
        "M. Swing",
        382,
        "Les partenariats et la coopération sont également des pierres angulaires du Programme "
        "2030",
        "named",
    )


def test_conversations_are_scored_on_their_follow_up_per_type(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    rows = [
        {
            "id": "a",
            "lang": "fr",
            "type": "pronoun",
            "history": ["Qui ?"],
            "question": "Et lui ?",
            "gold": ["x"],
        },
        {
            "id": "b",
            "lang": "en",
            "type": "topic",
            "history": ["What?", "Why?"],
            "question": "And it?",
            "gold": ["y"],
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    conversations = load_conversations(path)
    assert [c.history for c in conversations] == [("Qui ?",), ("What?", "Why?")]
    # a retriever that reads the history finds both; one that does not, only the first
    read = evaluate_conversations(conversations, lambda c: ([_p("x y")], True))
    alone = evaluate_conversations(
        conversations, lambda c: ([_p(c.question.gold[0] if len(c.history) == 1 else "z")], True)
    )
    tables = {"alone": breakdown(alone), "history": breakdown(read)}
    assert tables["history"]["all"]["hit@5"] == 1.0 and tables["alone"]["all"]["hit@5"] == 0.5
    assert tables["alone"]["type=topic"]["hit@1"] == 0.0
    text = format_conversations(tables)
    assert "alone" in text and "history" in text and "type=pronoun" in text
    assert set(CONVERSATION_MODES) == {"alone", "concatenated", "history"}


@pytest.mark.parametrize(
    "row",
    [
        {"question": "q", "gold": ["x"]},  # no history
        {"history": [], "question": "q", "gold": ["x"]},
        {"history": ["h"], "question": "q", "gold": []},
        {"history": ["h"], "gold": ["x"]},
    ],
)
def test_load_conversations_reports_the_bad_line(tmp_path: Path, row: dict) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(ValueError, match=r"c\.jsonl:1: "):
        load_conversations(path)
