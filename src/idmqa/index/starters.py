"""Starter questions, built with the index: what a visitor may ask before their first question.

They come from the report itself, in every language of the interface: its most-quoted
people, and the headings of the sections that say the most (``data/lexicon/<lang>/
starters.tsv`` holds the templates). Any report of the series gives some: nothing names a
person, a section or a phrase of one report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from idmqa import lexicon
from idmqa.people.model import People
from idmqa.schema import Passage

#: Languages the widget speaks (IOM's three), each with its starters.tsv.
LANGUAGES = ("fr", "en", "es")
#: Starters per kind and language: the most-quoted people, the fullest sections.
PEOPLE = 3
TOPICS = 2
#: A heading longer than this reads as a sentence, not a topic a visitor would ask about.
MAX_TOPIC_WORDS = 8
#: Passages of these kinds make a section worth asking about (narrative, not lists of names).
TOPIC_KINDS = frozenset({"paragraph"})
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}|[IVXivx]{1,4}|[a-zA-Z])[.)]\s+")


def _topic(heading: str) -> str | None:
    """A heading as a topic: without its numbering; None for a chapter title in capitals
    (a key message's sentence, an agenda) or a heading too long to be a topic."""
    heading = _NUMBERING.sub("", heading).strip()
    if not heading or heading.upper() == heading or len(heading.split()) > MAX_TOPIC_WORDS:
        return None
    return heading


def topics(passages: Sequence[Passage], limit: int = TOPICS) -> list[str]:
    """The sub-section headings with the most narrative passages, fullest first (ties in
    document order)."""
    counts: Counter[str] = Counter()
    for passage in passages:
        topic = _topic(passage.section[-1]) if passage.section else None
        if topic and passage.kind in TOPIC_KINDS:
            counts[topic] += 1
    return [topic for topic, _ in counts.most_common(limit)]


def most_quoted(people: People, limit: int = PEOPLE) -> list[str]:
    """The names of the people with the most statements (ties in the people's order)."""
    quoted = sorted((p for p in people if p.statements), key=lambda p: -len(p.statements))
    return [p.name for p in quoted[:limit]]


def templates(language: str) -> dict[str, str]:
    """The language's templates by kind (``person``, ``topic``)."""
    return {row[0]: row[1] for row in lexicon.rows("starters", language) if len(row) == 2}


def build_starters(passages: Sequence[Passage], people: People) -> dict[str, list[str]]:
    """The starter questions of each interface language: the people's first, then topics."""
    names, headings = most_quoted(people), topics(passages)
    starters = {}
    for language in LANGUAGES:
        forms = templates(language)
        starters[language] = [forms["person"].format(person=n) for n in names] + [
            forms["topic"].format(topic=t) for t in headings
        ]
    return starters
