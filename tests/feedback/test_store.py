"""The feedback store on a real SQLite file, written by several processes at once."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import sqlite3
from pathlib import Path

import pytest

from idmqa.feedback.store import FILE_NAME, FeedbackStore, candidate

WRITERS = 4
VOTES_EACH = 50


def _write_votes(data_dir: str, writer: int) -> None:
    store = FeedbackStore(Path(data_dir))
    for n in range(VOTES_EACH):
        store.add(
            question=f"question {writer}-{n}",
            language="fr",
            vote="up" if n % 2 else "down",
            build="b1",
            passage_id=f"p{writer}",
            passage_text=f"text {writer}",
        )


def test_votes_are_stored_in_a_wal_sqlite_file(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "data")
    first = store.add(question="Qui ?", language="fr", vote="up", build="b1")
    second = store.add(
        question="Who?",
        language="en",
        vote="down",
        build="b1",
        passage_id="p-1",
        passage_text="Le texte.",
        comment="wrong passage",
    )
    assert second > first
    with sqlite3.connect(tmp_path / "data" / FILE_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute("SELECT question, passage_id, vote, comment FROM votes").fetchall()
    assert rows == [("Qui ?", None, "up", None), ("Who?", "p-1", "down", "wrong passage")]


def test_processes_writing_at_once_lose_no_vote(tmp_path: Path) -> None:
    # Forked like the server's workers, after the parent opened the file itself.
    parent = FeedbackStore(tmp_path)
    parent.add(question="before the fork", language="en", vote="up", build="b1")
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_write_votes, args=(str(tmp_path), w)) for w in range(WRITERS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    votes = list(parent.votes())
    assert len(votes) == 1 + WRITERS * VOTES_EACH
    assert len({v.id for v in votes}) == len(votes)
    per_passage = {g: n for g, vote, n in parent.counts("passage") if vote == "up"}
    assert per_passage == {"(none)": 1, **{f"p{w}": VOTES_EACH // 2 for w in range(WRITERS)}}


def _first_vote(data_dir: str, start: multiprocessing.synchronize.Barrier) -> None:
    start.wait(30)
    FeedbackStore(Path(data_dir)).add(question="first", language="fr", vote="up", build="b1")


def test_processes_creating_the_file_together_lose_no_vote(tmp_path: Path) -> None:
    # Workers voting first on a new file all switch it to WAL at once; SQLite refused such
    # races without waiting in about one start in four before the store retried.
    context = multiprocessing.get_context("fork")
    for trial in range(10):
        data_dir = tmp_path / str(trial)
        start = context.Barrier(WRITERS)
        workers = [
            context.Process(target=_first_vote, args=(str(data_dir), start)) for _ in range(WRITERS)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
            assert worker.exitcode == 0
        assert len(list(FeedbackStore(data_dir).votes())) == WRITERS


def test_counts_by_vote_and_day(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    assert store.counts("vote") == [] and list(store.votes()) == []
    for vote in ("up", "up", "down"):
        store.add(question="q", language="fr", vote=vote, build="b")
    assert store.counts("vote") == [("down", "down", 1), ("up", "up", 2)]
    ((day, _, n), *_) = store.counts("day")
    assert len(day) == 10 and day[4] == "-" and n == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"vote": "sideways"}, "vote"), ({"vote": "up", "comment": "x" * 501}, "comment")],
)
def test_invalid_votes_are_refused(tmp_path: Path, fields: dict, message: str) -> None:
    store = FeedbackStore(tmp_path)
    with pytest.raises(ValueError, match=message):
        store.add(question="q", language="fr", build="b", **fields)


def test_an_up_vote_on_a_passage_makes_a_gold_candidate(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    store.add(question="Q1", language="en", vote="up", build="b", passage_id="p", passage_text="T")
    store.add(
        question="Q2", language="fr", vote="down", build="b", passage_id="p", passage_text="T"
    )
    up, down = (candidate(v) for v in store.votes())
    assert (up["question"], up["lang"], up["gold"]) == ("Q1", "en", ["T"])
    assert "gold" not in down and down["vote"] == "down" and down["passage_id"] == "p"
