"""The parser's vocabularies, read from ``idmqa/data`` (the words from :mod:`idmqa.lexicon`),
and the section modes they select."""

from __future__ import annotations

import re
from enum import Enum
from importlib import resources

from idmqa import lexicon


def _data_rows(name: str) -> list[str]:
    """The non-comment, non-blank lines of ``idmqa/data/<name>``."""
    text = resources.files("idmqa").joinpath(f"data/{name}").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


#: Words after which a sentence cannot end: a line ending with one of them was cut.
FUNCTION_WORDS = lexicon.words("function_words")
#: Words that open a sentence, hence never continue a proper name cut by a page break.
SENTENCE_STARTERS = lexicon.words("sentence_starters")
#: Month names as dates spell them (a regex alternation, longest first).
MONTHS = lexicon.phrase_pattern(row[0] for row in lexicon.all_rows("months"))
#: A civility opening an agenda entry or a name ("M. ", "Mme ", "H.E. ").
CIVILITY = lexicon.phrase_pattern(row[0] for row in lexicon.all_rows("civilities"))


class Mode(Enum):
    """How the parser reads the paragraphs and headings of the current top-level section."""

    BODY = "body"
    KEY_MESSAGES = "key_messages"
    RECOMMENDATIONS = "recommendations"
    AGENDA = "agenda"
    SERIES = "series"
    #: after the series list: the rest of the report is publisher and back-cover matter
    BACK = "back"


def _section_headings() -> tuple[tuple[Mode, str], ...]:
    rows = []
    for row in _data_rows("section_modes.tsv"):
        mode, _, pattern = row.partition("\t")
        rows.append((Mode(mode.strip()), pattern.strip()))
    return tuple(rows)


#: ``(mode, heading pattern)`` rows of ``data/section_modes.tsv``, in file order.
SECTION_HEADINGS = _section_headings()


def _section_patterns() -> dict[Mode, re.Pattern[str]]:
    alternatives: dict[Mode, list[str]] = {}
    for mode, pattern in SECTION_HEADINGS:
        alternatives.setdefault(mode, []).append(pattern)
    return {
        mode: re.compile(rf"^({'|'.join(patterns)})\b", re.I)
        for mode, patterns in alternatives.items()
    }


_SECTION_PATTERNS = _section_patterns()


def section_mode(title: str) -> Mode:
    """The mode a top-level heading titled ``title`` (without markup) opens."""
    for mode, pattern in _SECTION_PATTERNS.items():
        if pattern.match(title):
            return mode
    return Mode.BODY
