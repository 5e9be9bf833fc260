"""A bilingual word table for the build: English words → the corpus' French words.

English questions over a French report share few words with it, so BM25 barely helps them.
The table comes from a real bilingual dictionary — FreeDict's English–French and
French–English dictionaries in dictd format (Debian packages ``dict-freedict-eng-fra`` and
``dict-freedict-fra-eng``, GPL) — read at index time and cut down to the French words that
occur in the corpus. The build stores that small table (``bilingual.json``), so serving
needs neither the dictionaries nor this module. Without the dictionaries the table is empty
and the glossary alone gives English questions their lexical hooks.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from idmqa.text import english_stem

#: dictd's base-64 digits for offsets and lengths in ``.index`` files.
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#: Pronunciations, grammar notes and sense numbers around the translations of an entry.
_NOISE = re.compile(r"/[^/]*/|<[^>]*>|\([^)]*\)|\[[^\]]*\]|^\s*\d+\.\s*")
DICTIONARIES = {"en-fr": "freedict-eng-fra", "fr-en": "freedict-fra-eng"}
#: English words with more French translations than this are too vague to help ("get").
MAX_TRANSLATIONS = 6


def _number(digits: str) -> int:
    value = 0
    for char in digits:
        value = value * 64 + _B64.index(char)
    return value


def read_dictd(directory: Path, name: str) -> Iterator[tuple[str, list[str]]]:
    """``(headword, translations)`` of a dictd dictionary (``name.index`` + ``name.dict.dz``)."""
    index, data = directory / f"{name}.index", directory / f"{name}.dict.dz"
    if not (index.is_file() and data.is_file()):
        return
    body = gzip.decompress(data.read_bytes())
    for row in index.read_text(encoding="utf-8").splitlines():
        fields = row.split("\t")
        if len(fields) != 3 or fields[0].startswith("00-database"):
            continue
        start, size = _number(fields[1]), _number(fields[2])
        entry = body[start : start + size].decode("utf-8", "replace").splitlines()[1:]
        senses = (_NOISE.sub(" ", line) for line in entry)
        words = [w.strip() for sense in senses for w in sense.split(",")]
        yield fields[0].strip(), [w for w in words if w]


def _single_words(terms: Iterable[str]) -> list[str]:
    return [t.lower() for t in terms if t and " " not in t.strip() and "-" not in t]


def bilingual_table(
    directory: Path, known: Callable[[str], bool]
) -> tuple[dict[str, list[str]], list[str]]:
    """English stem → French words ``known`` to the corpus, and the dictionaries read.

    Both directions are used: the English–French entries as they are, the French–English
    ones reversed (they cover words the other lacks: "engagement" → "commitment").
    """
    pairs: dict[str, set[str]] = {}
    used = []
    for direction, name in DICTIONARIES.items():
        entries = list(read_dictd(directory, name))
        if entries:
            used.append(name)
        for head, translations in entries:
            english, french = (
                ([head], translations) if direction == "en-fr" else (translations, [head])
            )
            for en in _single_words(english):
                for fr in _single_words(french):
                    if known(fr):
                        pairs.setdefault(english_stem(en), set()).add(fr)
    table = {
        stem: sorted(words)
        for stem, words in sorted(pairs.items())
        if len(words) <= MAX_TRANSLATIONS
    }
    return table, used
