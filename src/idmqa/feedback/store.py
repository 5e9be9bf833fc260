"""Votes on answers in one SQLite file, written by every server process.

``idmqa serve --workers N`` forks N processes that write the same file: the database is in
WAL mode (readers never block the writer, one write at a time), every connection waits up
to ``BUSY_TIMEOUT_S`` for the write lock, and each process and thread opens its own
connection (an sqlite3 connection must not cross a fork, nor be shared by threads).
Nothing here knows of HTTP: the API and the CLI both call :class:`FeedbackStore`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

VOTES = ("up", "down")
MAX_COMMENT_CHARS = 500
#: Seconds a write waits for another process's write to finish before failing.
BUSY_TIMEOUT_S = 10.0
#: Pause between two attempts to set up a connection that raced another one.
RETRY_S = 0.01
FILE_NAME = "feedback.sqlite3"
#: What ``counts`` groups by.
Grouping = Literal["vote", "day", "passage"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    language TEXT NOT NULL,
    passage_id TEXT,
    passage_text TEXT,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    comment TEXT,
    build TEXT NOT NULL
)
"""
_COLUMNS = "id, created_at, question, language, passage_id, passage_text, vote, comment, build"
_GROUPS: dict[str, str] = {
    "vote": "vote",
    "day": "substr(created_at, 1, 10)",
    "passage": "coalesce(passage_id, '(none)')",
}


@dataclass(frozen=True, slots=True)
class Vote:
    """One vote: on a passage of an answer (``passage_id``), or on the answer as a whole.

    ``passage_text`` is the passage as it read when voted on: ids are only stable within
    one index build (``build``)."""

    id: int
    created_at: str  # UTC, ISO 8601
    question: str
    language: str
    passage_id: str | None
    passage_text: str | None
    vote: str
    comment: str | None
    build: str


def _set_up(connection: sqlite3.Connection) -> None:
    """WAL mode and the table, waiting up to ``BUSY_TIMEOUT_S`` for other connections.

    SQLite refuses a change of journal mode that races another connection's at once ("database
    is locked"), without its busy handler: seen in 8 of 30 cold starts of 4 processes opening
    a new file together, as the server's workers do at their first vote."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SCHEMA)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(RETRY_S)


class FeedbackStore:
    """The votes of ``<data_dir>/feedback.sqlite3``; the file is created on first use."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid():
            return held[1]
        # A connection inherited through fork belongs to the parent: never used, never closed.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        _set_up(connection)
        self._local.held = (os.getpid(), connection)
        return connection

    def add(
        self,
        *,
        question: str,
        language: str,
        vote: str,
        build: str,
        passage_id: str | None = None,
        passage_text: str | None = None,
        comment: str | None = None,
    ) -> int:
        """Store one vote; its id."""
        if vote not in VOTES:
            raise ValueError(f"vote: one of {', '.join(VOTES)}")
        if comment is not None and len(comment) > MAX_COMMENT_CHARS:
            raise ValueError(f"comment: at most {MAX_COMMENT_CHARS} characters")
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        cursor = self._connection().execute(
            "INSERT INTO votes (created_at, question, language, passage_id, passage_text, "
            "vote, comment, build) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (created, question, language, passage_id, passage_text, vote, comment, build),
        )
        return int(cursor.lastrowid)

    def votes(self) -> Iterator[Vote]:
        """Every vote, oldest first."""
        if not self.path.exists():
            return
        for row in self._connection().execute(f"SELECT {_COLUMNS} FROM votes ORDER BY id"):
            yield Vote(*row)

    def counts(self, by: Grouping) -> list[tuple[str, str, int]]:
        """(group, vote, count) rows: votes per vote, per day or per passage."""
        if not self.path.exists():
            return []
        group = _GROUPS[by]
        return list(
            self._connection().execute(
                f"SELECT {group} AS g, vote, count(*) FROM votes GROUP BY g, vote ORDER BY g, vote"
            )
        )


def candidate(vote: Vote) -> dict:
    """A vote as a question for an evaluation set (the fields of ``eval/*.jsonl`` where they
    apply): an up vote on a passage makes that passage's text a gold snippet candidate; a
    reviewer keeps, trims or drops it."""
    row = {
        "id": f"feedback-{vote.id}",
        "lang": vote.language,
        "type": "feedback",
        "question": vote.question,
    }
    if vote.vote == "up" and vote.passage_text:
        row["gold"] = [vote.passage_text]
    return {
        **row,
        "vote": vote.vote,
        "passage_id": vote.passage_id,
        "comment": vote.comment,
        "build": vote.build,
        "created_at": vote.created_at,
    }
