"""Questions and conversation histories: checked, stripped, refused with the reason."""

from __future__ import annotations

import pytest

from idmqa.retrieval.questions import (
    MAX_TURNS,
    Asked,
    InvalidQuestion,
    check_history,
    check_question,
)


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("   ", "empty"),
        ("x" * 11, "longer than 10"),
        ("bonjour\x00", r"U\+0000"),
    ],
)
def test_bad_questions_say_what_is_wrong(question: str, message: str) -> None:
    with pytest.raises(InvalidQuestion, match=message):
        check_question(question, 10)


def test_questions_are_stripped() -> None:
    assert check_question("  Qui ?\n", 10) == "Qui ?"


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ([Asked("q")] * (MAX_TURNS + 1), "history: at most 10 turns"),
        ([Asked("q"), Asked("  ")], r"history\.1\.question: question is empty"),
        ([Asked("q\x07")], r"history\.0\.question: .*U\+0007"),
        ([Asked("q", ("id",) * 51)], r"history\.0\.passage_ids: at most 50 ids"),
        ([Asked("q", ("x" * 201,))], r"history\.0\.passage_ids: .*200 characters"),
    ],
)
def test_bad_histories_name_the_turn_and_field(history: list[Asked], message: str) -> None:
    with pytest.raises(InvalidQuestion, match=message):
        check_history(history, 100)


def test_histories_are_stripped_and_kept_in_order() -> None:
    checked = check_history([Asked(" a ", ("p1",)), Asked("b")], 10)
    assert checked == (Asked("a", ("p1",)), Asked("b", ()))
