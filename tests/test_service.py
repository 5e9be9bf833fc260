"""The QA core: question checks and per-process thread settings."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from idmqa.service import InvalidQuestion, check_question, configure_threads
from idmqa.settings import Settings


def test_blas_uses_one_thread_once_configured() -> None:
    before = threadpool_info()
    try:
        configure_threads(Settings(threads=0))
        blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
        assert blas and all(pool["num_threads"] == 1 for pool in blas)
    finally:  # give the rest of the test session its threads back
        for pool in before:
            threadpool_limits({pool["prefix"]: pool["num_threads"]})


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
