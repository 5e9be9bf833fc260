"""The people of an index at query time: the data model, name matching and lookups.

Serving imports only this module, :mod:`~idmqa.people.lookup` (``GET /speakers?q=``) and
:mod:`~idmqa.people.rules` of the package; building the people from a report is
:mod:`idmqa.people.build`, which imports this module and never the reverse.

:meth:`People.detect` finds the people a question names (full names, or capitalised
surnames, with or without civility; accent-insensitive; French or English).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from idmqa import lexicon
from idmqa.people.rules import ATTRIBUTION

__all__ = [
    "AgendaAppearance",
    "People",
    "Person",
    "asks_for_person",
    "fold",
    "name_tokens",
    "same_person",
]

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
#: Footnote calls glued to names and roles ("M. Swing¹") are not part of them.
NO_SUPERSCRIPTS = str.maketrans("", "", SUPERSCRIPTS)
TOKEN_RE = re.compile(r"[\w'’-]+", re.UNICODE)

#: Questions whose answer is a person ("Who opened…", "Qui a présidé…", "Which minister…",
#: "Quel intervenant…"). "who" and "qui" are also relative pronouns ("the man who…", "les
#: pays qui…"), so they count only first, after a comma, a conjunction ("and who…"), "tell
#: me who…", or a preposition ("by whom", "par qui").
_ASKS_FOR_PERSON = re.compile(
    r"(?:^|[,;:]|\b(?:and|but|me|us|by|to|with|of))\W*(?:who|whom|whose)\b"
    r"|(?:^|[,;:]|\b(?:et|mais|par|à|avec|de|pour))\W*qui\b"
    r"|\b(?:which|what) (?:speaker|minister|ambassador|representative|person|official|"
    r"moderator|panellist|panelist|presenter)s?\b"
    r"|\bquel(?:le)?s? (?:intervenant|orat(?:eur|rice)|ministre|ambassad(?:eur|rice)|"
    r"représentant|personne|modérat(?:eur|rice)|responsable)e?s?\b",
    re.IGNORECASE,
)


def asks_for_person(question: str) -> bool:
    """True when ``question`` asks who (did, said, moderated…) rather than what."""
    return bool(_ASKS_FOR_PERSON.search(question))


# --------------------------------------------------------------------------- names


def fold(text: str) -> str:
    """Lower-case, accent-free, typographic apostrophes unified: ``"Schülz"`` → ``"schulz"``."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def clean_name(name: str) -> str:
    name = name.translate(NO_SUPERSCRIPTS)
    return re.sub(r"\s+", " ", name).strip(" ,.;:")


def civility_gender(civility: str) -> str:
    """``"Mme"`` → ``"f"``; ``""`` for a civility that tells no gender."""
    return CIVILITIES.get(civility.lower(), "")


def name_tokens(name: str) -> tuple[str, ...]:
    """Folded name tokens without initials: ``"Susan F. Martin"`` → ``("susan", "martin")``."""
    out = []
    for tok in TOKEN_RE.findall(fold(clean_name(name))):
        tok = tok.strip("'-")
        if len(tok) <= 1 or (len(tok) == 2 and tok.endswith(".")):
            continue
        out.append(tok)
    return tuple(out)


@lru_cache(maxsize=16384)
def _first_name_token(word: str) -> str:
    """The name token of one question word, "" if none (cached: questions share words)."""
    tokens = name_tokens(word)
    return tokens[0] if tokens else ""


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(clean_name(name))).strip("-")


def similar(a: str, b: str) -> bool:
    """Two name tokens that may be spellings of one ("ranieri", "raniero")."""
    if a == b:
        return True
    if min(len(a), len(b)) < ATTRIBUTION.similar_min_length:
        return False
    return SequenceMatcher(None, a, b).ratio() >= ATTRIBUTION.similar_name


def _subsequence(short: Sequence[str], long: Sequence[str]) -> bool:
    it = iter(long)
    return all(any(t == u for u in it) for t in short)


def same_person(a: Sequence[str], b: Sequence[str]) -> bool:
    """Do two full names (token tuples, ≥ 2 tokens each) designate the same person?"""
    if len(a) < 2 or len(b) < 2:
        return False
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if short[-1] == long[-1] and _subsequence(short, long):
        return True  # "Habib Nadir" / "El Habib Nadir", "William Swing" / "William Lacy Swing"
    if len(a) == len(b) and all(similar(x, y) for x, y in zip(a, b, strict=True)):
        return sum(x == y for x, y in zip(a, b, strict=True)) >= 1  # Ranieri/Raniero Guerra
    return False


#: Civilities (lower case) and the gender they tell ("" when they tell none).
CIVILITIES = {row[0].lower(): row[1].strip("-") for row in lexicon.all_rows("civilities")}
#: A civility as written before a name.
CIVILITY = "(?:" + lexicon.phrase_pattern(row[0] for row in lexicon.all_rows("civilities")) + ")"
#: Capitalised words that are not names (sentence openers after an abbreviation…), folded.
NOT_NAMES = frozenset(
    fold(w) for w in lexicon.words("function_words") | lexicon.words("sentence_starters")
)
#: Question words that open a question with a capital and may also be surnames.
_EN_FR_WORDS = frozenset({"what", "who", "how", "why", "when", "which", "quel", "quelle", "qui"})
#: Words too common in roles to tell two people apart: title words and function words.
_GENERIC_ROLE_WORDS = NOT_NAMES | frozenset(
    fold(w) for row in lexicon.all_rows("titles") if row[1] != "dating" for w in row[0].split()
)


# --------------------------------------------------------------------------- persons


@dataclass(slots=True)
class AgendaAppearance:
    """A person's row in an agenda."""

    role: str  # moderator, speaker, presenter, introduction
    title: str  # the person's role as the agenda writes it
    workshop: str
    day: str
    time: str
    session: str
    passage: str  # id of the agenda passage (filled once passages exist)
    lines: tuple[int, int]
    document: str = ""


@dataclass(eq=False)
class Person:
    """One person named in the corpus."""

    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    gender: str = ""  # "m", "f" or "" (from the civilities used)
    roles: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    workshops: list[str] = field(default_factory=list)
    agenda: list[AgendaAppearance] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)  # caption passage ids
    statements: list[str] = field(default_factory=list)  # passage ids, document order
    mentions: list[str] = field(default_factory=list)  # passages naming the person at all
    sources: list[str] = field(default_factory=list)  # agenda / caption / narrative
    documents: list[str] = field(default_factory=list)  # ids of the documents naming them

    @property
    def tokens(self) -> list[tuple[str, ...]]:
        return [name_tokens(a) for a in self.aliases]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, row: dict) -> Person:
        agenda = [
            AgendaAppearance(**{**a, "lines": tuple(a["lines"])}) for a in row.get("agenda", [])
        ]
        return cls(**{**row, "agenda": agenda})


def context_words(p: Person) -> set[str]:
    """The distinctive words of a person's roles and countries, to tell namesakes apart."""
    words = set()
    for text in [*p.roles, *p.countries]:
        for w in TOKEN_RE.findall(fold(text)):
            w = w.split("'")[-1]
            if len(w) >= 3 and w not in _GENERIC_ROLE_WORDS:
                words.add(w)
    return words


def _may_be_surname(word: str, token: str, opens: bool) -> bool:
    """Can a lone question word be a surname? Capitalised, not a common word, and not a
    question word that ``opens`` the question ("Who…", "Quel…")."""
    if not word[:1].isupper() or len(token) < 3 or token in NOT_NAMES:
        return False
    return not (opens and fold(word) in _EN_FR_WORDS)


class People:
    """The people of an index, with lookups by id, name and question.

    ``workshops`` gives each document's workshops, in the order its agendas schedule them.
    """

    def __init__(
        self, persons: Iterable[Person], workshops: dict[str, list[str]] | None = None
    ) -> None:
        self.persons = list(persons)
        self.workshops = dict(workshops or {})
        self.by_id = {p.id: p for p in self.persons}
        self._surnames: dict[tuple[str, ...], list[Person]] = defaultdict(list)
        self._full: dict[tuple[str, ...], Person] = {}
        for p in self.persons:
            for toks in {t for t in p.tokens if t}:
                if len(toks) >= 2:
                    self._full.setdefault(toks, p)
                for k in range(1, len(toks)):
                    suffix = toks[k:]
                    if p not in self._surnames[suffix]:
                        self._surnames[suffix].append(p)
                if len(toks) == 1 and p not in self._surnames[toks]:
                    self._surnames[toks].append(p)

    def __len__(self) -> int:
        return len(self.persons)

    def __iter__(self) -> Iterator[Person]:
        return iter(self.persons)

    def get(self, person_id: str) -> Person | None:
        return self.by_id.get(person_id)

    def to_json(self) -> dict:
        return {"workshops": self.workshops, "people": [p.to_json() for p in self.persons]}

    @classmethod
    def from_json(cls, data: dict) -> People:
        return cls([Person.from_json(r) for r in data.get("people", [])], data.get("workshops"))

    # ---------------------------------------------------------------- lookups

    def candidates(self, name: str) -> list[Person]:
        """People a written name may designate (several when only a shared surname is given)."""
        toks = name_tokens(re.sub(rf"^{CIVILITY}\s+", "", name.strip()))
        if not toks:
            return []
        if toks in self._full:
            return [self._full[toks]]
        if len(toks) >= 2:
            same = [p for p in self.persons if any(same_person(toks, t) for t in p.tokens)]
            if same:
                return same
        found = list(self._surnames.get(toks, []))
        if not found and len(toks) == 1:
            found = [p for p in self.persons if any(similar(toks[0], t[-1]) for t in p.tokens)]
        return found

    def with_surname(self, surname: str) -> list[Person]:
        """People whose names end with ``surname`` (accents and case aside)."""
        return list(self._surnames.get(name_tokens(surname), []))

    def resolve(self, ref: str) -> Person | None:
        """A person by id or by a name that designates one person only."""
        ref = ref.strip()
        found = self.by_id.get(ref) or self.by_id.get(slug(ref))
        if found is not None:
            return found
        candidates = self.candidates(ref)
        return candidates[0] if len(candidates) == 1 else None

    def detect(self, question: str) -> list[Person]:
        """People a question names: full names, or capitalised surnames (with or without
        civility), accent-insensitively. Several when a surname is shared and nothing tells
        them apart."""
        words = [
            re.sub(r"['’]s$", "", w)  # "Bralo's" → "Bralo"
            for w in re.findall(r"[\w’'-]+\.?", question)
        ]
        folded = [_first_name_token(w) for w in words]
        found: list[Person] = []
        used: set[int] = set()
        # longest spans first, so "Sikander Khan" is not read as the surname "Khan"
        for size in range(5, 0, -1):
            for i in range(0, len(words) - size + 1):
                span = range(i, i + size)
                if any(j in used for j in span):
                    continue
                toks = tuple(t for t in (folded[j] for j in span) if t)
                if len(toks) != size:
                    continue
                if size == 1 and not _may_be_surname(words[i], toks[0], opens=i == 0):
                    continue
                full = self._full.get(toks) if size >= 2 else None
                matches = [full] if full else list(self._surnames.get(toks, []))
                if not matches:
                    continue
                if len(matches) > 1:
                    matches = self._disambiguate_in_text(matches, question) or matches
                for p in matches:
                    if p not in found:
                        found.append(p)
                used.update(span)
        return found

    def _disambiguate_in_text(self, cands: list[Person], text: str) -> list[Person]:
        words = set(TOKEN_RE.findall(fold(text)))
        scores = {}
        for p in cands:
            ctx = context_words(p)
            others = set().union(*(context_words(q) for q in cands if q is not p))
            scores[p.id] = len((ctx - others) & words)
        best = max(scores.values())
        return [p for p in cands if best > 0 and scores[p.id] == best]
