"""Bilingual glossary that gives questions lexical hooks in a document of another language.

Two sources: the abbreviations lists found in the corpus itself (``ACR<TAB>expansion``
rows), and a small English→French table of the names and terms of international migration
governance (``data/glossary_en_fr.tsv``) — the report's own bilingual vocabulary (IOM/OIM,
GFMD/FMMD, Global Compact/pacte mondial, SDG/ODD…).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

from idmqa.schema import Passage
from idmqa.text import COMMON_WORDS, strip_accents

_ROW = re.compile(r"^\s*([^\t]{1,20}?)\s*\t\s*(.+?)\s*$")
# Acronyms ("IOM", "SDGs", "MiGOF") match in any case ("unhcr", "UN-Habitat"), except those
# that are also common words in lower case ("WHO"/"who", "AU"/"au"): those only as written.
_ACRONYM = re.compile(r"[A-Z][A-Za-z]*[A-Z]s?")
_WORD = re.compile(r"\w+")


def _key(term: str) -> str:
    return " ".join(re.findall(r"\w+", strip_accents(term).lower()))


def _builtin_rows() -> Iterable[tuple[str, str]]:
    text = resources.files("idmqa").joinpath("data/glossary_en_fr.tsv").read_text("utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            english, _, french = line.partition("\t")
            yield english.strip(), french.strip()


def abbreviation_rows(passages: Iterable[Passage]) -> Iterable[tuple[str, str]]:
    """``(acronym, expansion)`` rows of the corpus' abbreviations lists."""
    for passage in passages:
        if passage.kind == "abbreviations":
            for line in passage.text.splitlines():
                match = _ROW.match(line)
                if match:
                    yield match.group(1), match.group(2)


def acronym_expansions(passages: Iterable[Passage]) -> dict[str, str]:
    """Acronym → expansion, as the corpus defines them (matched case-sensitively)."""
    return dict(abbreviation_rows(passages))


_TOKEN = re.compile(r"[\w-]+")


def stem_families(stems: Iterable[str], min_stem: int, max_suffix: int) -> dict[str, list[str]]:
    """Stem → the other stems of its word family: those it is a prefix of, or that are a
    prefix of it, at most ``max_suffix`` letters apart, the shorter of ``min_stem`` letters
    at least.

    A dictionary or glossary gives one form of a translation ("funding" → "financement");
    the document may use another of its family ("contribution financière"), which the
    stemmer keeps apart ("financ"/"financi"). Only translated words get their families: a
    question's own words are the forms its asker chose.
    """
    ordered = sorted(stems)
    families: dict[str, list[str]] = {}
    for i, stem in enumerate(ordered):
        if len(stem) < min_stem:
            continue
        for other in ordered[i + 1 :]:
            if not other.startswith(stem):
                break
            if len(other) - len(stem) <= max_suffix:
                families.setdefault(stem, []).append(other)
                families.setdefault(other, []).append(stem)
    return families


def expand_acronyms(question: str, acronyms: dict[str, str]) -> list[str]:
    """Expansions of the corpus acronyms written in ``question`` ("PICUM", "FMMD")."""
    return [acronyms[t] for t in _TOKEN.findall(question) if t in acronyms and t != t.lower()]


@dataclass
class Glossary:
    """Maps terms (single words or phrases, case- and accent-insensitive) to translations."""

    entries: dict[str, list[str]] = field(default_factory=dict)
    acronyms: dict[str, list[str]] = field(default_factory=dict)  # by lower-case acronym
    longest: int = 1

    def add(self, term: str, translation: str) -> None:
        """Record that ``term`` may be written ``translation`` in the documents."""
        if _ACRONYM.fullmatch(term.strip()):
            if translation:
                self.acronyms.setdefault(term.strip().lower(), []).append(translation)
            return
        key = _key(term)
        if key and translation:
            self.entries.setdefault(key, []).append(translation)
            self.longest = max(self.longest, len(key.split()))

    @classmethod
    def english_french(cls) -> Glossary:
        """The built-in English→French table."""
        glossary = cls()
        for term, translation in _builtin_rows():
            glossary.add(term, translation)
        return glossary

    def translations(self, question: str) -> list[str]:
        """Translations of the terms found in ``question``: acronyms as written, then
        words and phrases, longest matches first."""
        found = [
            t
            for token in _WORD.findall(question)
            if token.isupper() or token.lower() not in COMMON_WORDS
            for t in self.acronyms.get(token.lower(), [])
        ]
        words = _key(question).split()
        i = 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                hit = self.entries.get(" ".join(words[i : i + size]))
                if hit:
                    found.extend(hit)
                    i += size
                    break
            else:
                i += 1
        return found
