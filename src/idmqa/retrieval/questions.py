"""What a question, and the earlier turns of its conversation, must be to be searched.

Checked before anything is loaded: ``idmqa ask`` refuses a bad question before it starts the
model (this module imports nothing heavy), the API before it searches.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

#: Earlier turns a conversation may carry (the API refuses more).
MAX_TURNS = 10
#: Passage ids an earlier turn may carry, and their length (the report's are under 50).
MAX_TURN_PASSAGES = 50
MAX_PASSAGE_ID_CHARS = 200
#: Control characters a question may contain (everything else in Cc/Cs is refused).
_ALLOWED_CONTROLS = frozenset("\t\n\r")


class InvalidQuestion(ValueError):
    """A question that cannot be searched; the message says why."""


@dataclass(frozen=True, slots=True)
class Asked:
    """An earlier turn: what was asked, and the ids of the passages it was answered with."""

    question: str
    passage_ids: tuple[str, ...] = ()


def check_question(question: str, max_chars: int, what: str = "question") -> str:
    """The question (or quote: ``what``) stripped, or :class:`InvalidQuestion` saying what is
    wrong with it."""
    question = question.strip()
    if not question:
        raise InvalidQuestion(f"{what} is empty or whitespace only")
    if len(question) > max_chars:
        raise InvalidQuestion(f"{what} is longer than {max_chars} characters")
    for position, char in enumerate(question):
        # Lone surrogates (Cs) cannot be encoded as UTF-8; other controls are never text.
        if unicodedata.category(char) in ("Cc", "Cs") and char not in _ALLOWED_CONTROLS:
            raise InvalidQuestion(
                f"{what} contains a control character (U+{ord(char):04X}) at {position}"
            )
    return question


def check_history(history: Sequence[Asked], max_chars: int) -> tuple[Asked, ...]:
    """The earlier turns of a conversation, checked: at most ``MAX_TURNS`` turns, each
    question like a question (``max_chars``), at most ``MAX_TURN_PASSAGES`` passage ids of
    at most ``MAX_PASSAGE_ID_CHARS`` characters per turn. Raises :class:`InvalidQuestion`
    naming the turn and field (``history.2.question: …``), never the value."""
    if len(history) > MAX_TURNS:
        raise InvalidQuestion(f"history: at most {MAX_TURNS} turns")
    checked = []
    for n, turn in enumerate(history):
        ids = turn.passage_ids
        if len(ids) > MAX_TURN_PASSAGES or any(len(i) > MAX_PASSAGE_ID_CHARS for i in ids):
            raise InvalidQuestion(
                f"history.{n}.passage_ids: at most {MAX_TURN_PASSAGES} ids of at most "
                f"{MAX_PASSAGE_ID_CHARS} characters"
            )
        try:
            asked = check_question(turn.question, max_chars)
        except InvalidQuestion as exc:
            raise InvalidQuestion(f"history.{n}.question: {exc}") from exc
        checked.append(Asked(asked, tuple(ids)))
    return tuple(checked)
