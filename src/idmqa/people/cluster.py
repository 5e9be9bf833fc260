"""Unification: the records naming one person become one :class:`Person`.

Records whose names agree once accents, civilities and initials are dropped, or where one
name is the other with tokens left out (``Habib Nadir`` / ``El Habib Nadir``), or whose
tokens are pairwise near-identical (``Ranieri`` / ``Raniero Guerra``) become one person.
Different first names stay apart.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from idmqa.people.lexicon import COUNTRY_LIST
from idmqa.people.model import Person, fold, name_tokens, same_person, slug
from idmqa.people.records import Record

#: Which record's spelling a cluster grows from: agendas write names most carefully.
_SOURCE_ORDER = {"agenda": 0, "narrative": 1, "caption": 2}


def make_persons(records: list[Record]) -> list[Person]:
    """The people the records name, with the workshops their agenda rows and captions give."""
    taken: set[str] = set()
    persons = [_make_person(c, taken) for c in _cluster(records)]
    by_alias: dict[str, Person] = {}
    for p in persons:
        for a in p.aliases:
            by_alias.setdefault(a, p)
    for r in records:
        p = by_alias.get(r.name)
        if p and r.workshop and r.source in ("agenda", "caption") and r.workshop not in p.workshops:
            p.workshops.append(r.workshop)
    return persons


def _cluster(records: list[Record]) -> list[list[Record]]:
    """Group records naming the same person (full names first; surnames stay unresolved)."""
    full = [r for r in records if len(name_tokens(r.name)) >= 2]
    full.sort(key=lambda r: (_SOURCE_ORDER[r.source], r.lines))
    clusters: list[list[Record]] = []
    for r in full:
        toks = name_tokens(r.name)
        for c in clusters:
            if any(same_person(toks, name_tokens(o.name)) for o in c):
                c.append(r)
                break
        else:
            clusters.append([r])
    # a lone surname with a civility that no full name explains: a person of its own
    for r in records:
        toks = name_tokens(r.name)
        if len(toks) != 1:
            continue
        if any(any(name_tokens(o.name)[-len(toks) :] == toks for o in c) for c in clusters):
            continue
        if any(name_tokens(c[0].name) == toks for c in clusters):
            clusters[[name_tokens(c[0].name) for c in clusters].index(toks)].append(r)
            continue
        clusters.append([r])
    return clusters


def _display_name(names: Sequence[str]) -> str:
    """The fullest, most frequent spelling, accented rather than not."""
    counts = Counter(names)

    def key(n: str) -> tuple:
        accents = sum(1 for c in n if ord(c) > 127)
        return (len(name_tokens(n)), len(n.split()), counts[n], accents)

    return max(counts, key=key)


def _gender(cluster: list[Record]) -> str:
    """The civility used most; none when as many say "M." as "Mme"."""
    top = Counter(r.civility for r in cluster if r.civility).most_common(2)
    if len(top) == 2 and top[0][1] == top[1][1]:
        return ""
    return top[0][0] if top else ""


def _roles(cluster: list[Record]) -> list[str]:
    """The roles the records give, each once (accent- and case-insensitively)."""
    roles: list[str] = []
    seen: set[str] = set()
    for r in cluster:
        role = r.role.strip(" ,;")
        if role and fold(role) not in seen:
            seen.add(fold(role))
            roles.append(role)
    return roles


def _countries(text: str) -> list[str]:
    """Countries named in ``text``; longer names first, so "Soudan du Sud" is not "Soudan"."""
    found: list[str] = []
    folded = fold(text)
    for country in COUNTRY_LIST:
        fc = fold(country)
        if re.search(rf"(?<![\w-]){re.escape(fc)}(?![\w-])", folded) and not any(
            fc in fold(f) for f in found
        ):
            found.append(country)
    return found


def _make_person(cluster: list[Record], taken: set[str]) -> Person:
    names = [r.name for r in cluster]
    display = _display_name(names)
    pid = slug(display)
    base, k = pid, 2
    while pid in taken:  # two different people with the same name
        pid, k = f"{base}-{k}", k + 1
    taken.add(pid)
    roles = _roles(cluster)
    countries = list(dict.fromkeys(c for role in roles for c in _countries(role)))
    return Person(
        id=pid,
        name=display,
        aliases=list(dict.fromkeys(names)),
        gender=_gender(cluster),
        roles=roles,
        countries=countries,
        workshops=[],
        agenda=[r.agenda for r in cluster if r.agenda],
        sources=sorted({r.source for r in cluster}),
    )
