"""The QA core: question checks, filters, passages in context, citations."""

from __future__ import annotations

import pytest
from idmqa.service import InvalidQuestion, check_question


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
