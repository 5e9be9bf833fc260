"""Finding people by what a user types: ``GET /speakers?q=``, ``/speakers/{name}``, the
``speaker`` filter and the CLI.

A query is words and lexicon terms. Terms are what :mod:`idmqa.lexicon` knows in any of its
languages — a country ("Switzerland", "Swiss", "Suisse"), an organisation ("WHO", "OMS",
"World Health Organization") or a title ("ambassador", "Représentant permanent") — and match
the people whose roles say the same in the report's language. Every other word must match a
word of a person's names (worth more) or roles: exactly, as its beginning ("vitor"), or
nearly (rapidfuzz: typos, a missing letter — "Arbor", "Vitorio", "schultz", "Thomson");
accents and case never matter. When nobody matches, :meth:`Lookup.suggest` says whom the
user may have meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from idmqa import lexicon
from idmqa.people.model import CIVILITIES, NOT_NAMES, People, Person, fold, slug
from idmqa.people.rules import LOOKUP

_WORD_RE = re.compile(r"[a-z0-9]+")
#: The agenda roles, as a query may name them.
_AGENDA_ROLES = {"moderator", "speaker", "presenter", "introduction"}


@cache
def _concepts() -> list[tuple[re.Pattern[str], frozenset[str], bool]]:
    """(pattern, concepts, matched as written) for every form of a country, organisation or
    title; longest forms first. Other forms match folded text. Compiled on first use, not at
    import: a process that never looks up people (``idmqa ask``) saves ~0.2 s."""
    forms: dict[tuple[str, bool], set[str]] = {}  # (form, an acronym) → concepts

    def add(form: str, concept: str, acronym: bool = False) -> None:
        forms.setdefault((form, acronym), set()).add(concept)

    for row in lexicon.all_rows("countries"):
        for form in [row[1], *lexicon.variants(row[2])]:
            add(form, f"country:{row[0]}")
    for row in lexicon.all_rows("organisations"):
        # short acronyms are also common words in lower case ("WHO"/"who"): only as written
        add(row[1], f"org:{row[0]}", row[1].isupper() and len(row[1]) <= 4)
        for form in lexicon.variants(row[2]):
            add(form, f"org:{row[0]}")
    for row in lexicon.all_rows("titles"):
        if row[1] == "head" and len(row) > 2:
            for concept in lexicon.variants(row[2]):
                add(row[0], f"title:{concept}")
    patterns = []
    for (form, acronym), concepts in sorted(forms.items(), key=lambda f: -len(f[0][0])):
        body = re.escape(form) if acronym else r"\W+".join(_WORD_RE.findall(fold(form)))
        if body:
            pattern = re.compile(rf"(?<![\w]){body}(?![\w])")
            patterns.append((pattern, frozenset(concepts), acronym))
    return patterns


@cache
def _title_words() -> re.Pattern[str]:
    heads = (row[0] for row in lexicon.all_rows("titles") if row[1] == "head")
    return re.compile(rf"(?<![\w])(?:{lexicon.phrase_pattern(fold(h) for h in heads)})(?![\w])")


def names_a_title(text: str) -> bool:
    """Whether ``text`` holds a title word ("vice-minister", "ambassadeur"): a cheap test
    before :meth:`Lookup.by_role`, whose lookup takes a while to build."""
    return bool(_title_words().search(fold(text)))


def concepts_in(text: str) -> tuple[set[str], str]:
    """The concepts ``text`` names, and its folded text with them blanked out."""
    folded = fold(text)
    raw = text if len(text) == len(folded) else folded  # spans shared by both
    found: set[str] = set()
    for pattern, concepts, acronym in _concepts():
        for m in list(pattern.finditer(raw if acronym else folded)):
            found |= concepts
            blank = " " * (m.end() - m.start())
            folded = folded[: m.start()] + blank + folded[m.end() :]
            raw = raw[: m.start()] + blank + raw[m.end() :]
    return found, folded


@dataclass(frozen=True, slots=True)
class _Profile:
    """What a person can be found by."""

    names: tuple[str, ...]
    roles: tuple[str, ...]
    concepts: frozenset[str]
    specific: dict  # concept → share of the shortest role naming it that it fills


def _profile(person: Person) -> _Profile:
    names = tuple(dict.fromkeys(w for a in person.aliases for w in _WORD_RE.findall(fold(a))))
    texts = [*person.roles, *person.countries]
    roles = {w for t in texts for w in _WORD_RE.findall(fold(t))}
    roles |= {a.role for a in person.agenda if a.role in _AGENDA_ROLES}
    concepts: set[str] = set()
    specific: dict[str, float] = {}
    # the countries are read from the roles: only a role tells how much it is about one
    for text in person.roles:
        found, rest = concepts_in(text)
        share = 1 - len(_WORD_RE.findall(rest)) / max(len(_WORD_RE.findall(fold(text))), 1)
        for c in found:
            concepts.add(c)
            specific[c] = max(specific.get(c, 0.0), share)
    return _Profile(names, tuple(sorted(roles)), frozenset(concepts), specific)


def _word_score(word: str, candidates: Iterable[str]) -> float:
    """How well a query word matches the best of ``candidates`` (0 when none)."""
    best = 0.0
    for c in candidates:
        if c == word:
            return 1.0
        if c.startswith(word):
            best = max(best, LOOKUP.prefix_score)
        elif min(len(word), len(c)) >= LOOKUP.fuzzy_min_length:
            ratio = fuzz.ratio(word, c)
            if ratio >= LOOKUP.fuzzy_word:
                best = max(best, LOOKUP.fuzzy_score * ratio / 100)
    return best


class Lookup:
    """People found by a query, best first."""

    def __init__(self, people: People) -> None:
        self.people = people
        self.profiles = {p.id: _profile(p) for p in people}

    def _query(self, query: str) -> tuple[set[str], list[str]]:
        """The query's concepts and its other words (civilities and function words left out)."""
        concepts, rest = concepts_in(query)
        civil = {fold(c).rstrip(".") for c in CIVILITIES}
        return concepts, [w for w in _WORD_RE.findall(rest) if w not in NOT_NAMES | civil]

    def scored(self, query: str) -> list[tuple[Person, float, bool]]:
        """People matching every term and word of ``query``: (person, score, found by name)."""
        concepts, words = self._query(query)
        if not concepts and not words:
            return []
        out = []
        for p in self.people:
            prof = self.profiles[p.id]
            if not concepts <= prof.concepts:
                continue
            # a term found in a role all about it ("Suisse") counts more than in a long one
            score = sum(0.5 + 0.5 * prof.specific.get(c, 0.0) for c in concepts)
            by_name = False
            for w in words:
                name = LOOKUP.name_weight * _word_score(w, prof.names)
                role = _word_score(w, prof.roles)
                if not name and not role:
                    break
                by_name = by_name or name >= role
                score += max(name, role)
            else:
                out.append((p, score, by_name))
        return sorted(out, key=lambda r: (-r[1], -len(r[0].statements), r[0].name))

    def by_role(self, text: str) -> list[Person]:
        """The people ``text`` designates by a title and a country or organisation ("El
        Salvador's vice-minister", "l'ambassadeur de Suisse"): those whose roles hold the title and
        the most of the places and organisations it names, when there are a few at most."""
        concepts, _rest = concepts_in(text)
        titles = {c for c in concepts if c.startswith("title:")}
        if not titles:
            return []
        # the countries and organisations: a question may name others than the person's
        # ("…say about the IOM?"); those holding the title and most of them are meant
        places = concepts - titles
        held = {
            p.id: len(places & self.profiles[p.id].concepts)
            for p in self.people
            if titles <= self.profiles[p.id].concepts
        }
        most = max(held.values(), default=0)
        found = [p for p in self.people if most and held.get(p.id) == most]
        return found if len(found) <= LOOKUP.role_holders else []

    def search(self, query: str) -> list[Person]:
        """People matching ``query``, best first; everyone, most quoted first, without one."""
        if not query.strip():
            return sorted(self.people, key=lambda p: (-len(p.statements), p.name))
        return [p for p, _score, _by_name in self.scored(query)]

    def suggest(self, query: str) -> list[Person]:
        """Whom a query that matched nobody may have meant: the nearest names."""
        names = {a: p for p in self.people for a in p.aliases}
        hits = process.extract(
            fold(query), {a: fold(a) for a in names}, scorer=fuzz.WRatio, limit=10
        )
        out: list[Person] = []
        for _choice, score, alias in hits:
            if score >= LOOKUP.suggestion and names[alias] not in out:
                out.append(names[alias])
        return out[: LOOKUP.suggestions]

    def resolve(self, ref: str) -> Person | None:
        """A person by id, or by what designates one person only: a name, or a query whose
        best match by name is clearly better than the next."""
        found = self.people.resolve(ref)
        if found is not None:
            return found
        scored = self.scored(ref)
        if len(scored) == 1 or (
            len(scored) > 1 and scored[0][2] and scored[0][1] > scored[1][1] + LOOKUP.resolve_margin
        ):
            return scored[0][0]
        return None

    def candidates(self, ref: str) -> list[Person]:
        """Everyone ``ref`` may designate, when it designates nobody or several."""
        if self.people.get(ref.strip()) or self.people.get(slug(ref)):
            return []
        named = self.people.candidates(ref)
        return named if len(named) > 1 else self.search(ref)
