"""Questions asking for the n-th item of a numbered list: "What is the first recommendation?",
"Quel est le troisième message clé ?".

Reports number their recommendations and key messages ("1. Reconnaître…", "- 2. Il faut…").
A question names the item by an ordinal word and the list by its noun, and shares nothing
else with the item's text, so no ranker finds it. The list is the one under a heading that
starts with that noun ("RECOMMANDATIONS", "Messages clés…"); the ordinal words, and the nouns
of workshops and sessions that an ordinal counts instead ("le premier atelier"), are the
lexicon's (``ordinals``, ``workshop_nouns``, ``session_nouns``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache, cached_property

from idmqa import lexicon
from idmqa.schema import Passage
from idmqa.text import analyze, strip_accents

#: "1. Reconnaître…", "- 2. Il faut…", "3. **Il faut…": the number an item opens with.
_ITEM_NUMBER = re.compile(r"^[-•*]?\s*\**(\d{1,2})\.\s")
#: Words read after the ordinal for the list's noun ("second key message": "key message").
NOUN_WORDS = 2


@cache
def _ordinals() -> dict[str, int]:
    return {strip_accents(row[0].lower()): int(row[1]) for row in lexicon.all_rows("ordinals")}


@cache
def _ordinal_phrase() -> re.Pattern[str]:
    ordinals = lexicon.phrases("ordinals")
    counted = lexicon.phrases("workshop_nouns", "session_nouns")
    return re.compile(
        rf"(?<![\w'’])({ordinals})\s+(?!(?:{counted})(?![\w'’]))"
        rf"((?:[\w'’-]+\s*){{1,{NOUN_WORDS}}})",
        re.IGNORECASE,
    )


def asked_items(question: str) -> list[tuple[int, str]]:
    """(number, noun words) of each "ordinal + noun" of ``question`` that counts something
    other than workshops and sessions."""
    return [
        (_ordinals()[strip_accents(m.group(1).lower())], m.group(2).strip())
        for m in _ordinal_phrase().finditer(question)
    ]


def item_number(text: str) -> int | None:
    """The number a numbered item opens with, if it opens with one."""
    match = _ITEM_NUMBER.match(text)
    return int(match.group(1)) if match else None


class NumberedItems:
    """The numbered items of an index by number, with the stems of their lists' nouns."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._passages = passages

    @cached_property
    def items(self) -> dict[int, list[tuple[int, frozenset[str]]]]:
        """Number → (passage index, stems of its headings' first words) of each item. Built
        at the first question asking for one (~8 ms): most never do."""
        items: dict[int, list[tuple[int, frozenset[str]]]] = {}
        for i, passage in enumerate(self._passages):
            number = item_number(passage.text)
            # the first word of each heading above the item: a list of recommendations may
            # sit under a workshop's heading
            nouns = frozenset(t[0] for t in map(analyze, passage.section) if t)
            if number is not None and nouns:
                items.setdefault(number, []).append((i, nouns))
        return items

    def asked(self, question: str, terms: Callable[[str], set[str]]) -> set[int]:
        """The items ``question`` asks for by number: those whose list's noun is among the
        ``terms`` (BM25 terms, translations included) of the words after the ordinal."""
        found: set[int] = set()
        for number, words in asked_items(question):
            nouns = terms(words)
            found.update(i for i, heads in self.items.get(number, ()) if heads & nouns)
        return found
