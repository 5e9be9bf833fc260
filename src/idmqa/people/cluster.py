"""Unification: the records naming one person become one :class:`Person`.

Within a report, records whose names agree once accents, civilities and initials are dropped,
or where one name is the other with tokens left out (``Habib Nadir`` / ``El Habib Nadir``),
or whose tokens are pairwise near-identical (``Ranieri`` / ``Raniero Guerra``) are one
person; different first names stay apart. Across the reports of a corpus, people are one when
their full names are: a surname alone is only ever someone of its own report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from idmqa.people.model import Person, fold, name_tokens, same_person, slug
from idmqa.people.patterns import COUNTRY_LIST
from idmqa.people.records import Record

#: Which record's spelling a cluster grows from: agendas write names most carefully.
_SOURCE_ORDER = {"agenda": 0, "narrative": 1, "caption": 2}

Cluster = list[Record]


def clusters_of(records: Sequence[Record]) -> list[Cluster]:
    """Group one report's records naming the same person (full names first; a lone surname
    that no full name explains is a person of its own)."""
    full = [r for r in records if len(name_tokens(r.name)) >= 2]
    full.sort(key=lambda r: (_SOURCE_ORDER[r.source], r.lines))
    clusters: list[Cluster] = []
    for r in full:
        toks = name_tokens(r.name)
        for c in clusters:
            if any(same_person(toks, name_tokens(o.name)) for o in c):
                c.append(r)
                break
        else:
            clusters.append([r])
    for r in records:
        toks = name_tokens(r.name)
        if len(toks) != 1:
            continue
        if any(any(name_tokens(o.name)[-len(toks) :] == toks for o in c) for c in clusters):
            continue
        heads = [name_tokens(c[0].name) for c in clusters]
        if toks in heads:
            clusters[heads.index(toks)].append(r)
        else:
            clusters.append([r])
    return clusters


def merge_across(per_document: Sequence[Sequence[Cluster]]) -> list[list[Cluster]]:
    """The clusters of several reports grouped by person: full names that are the same
    person's; every other cluster alone. Each group lists its clusters, in report order."""
    groups: list[list[Cluster]] = []
    for clusters in per_document:
        for c in clusters:
            names = [name_tokens(r.name) for r in c]
            full = [t for t in names if len(t) >= 2]
            match = next(
                (
                    g
                    for g in groups
                    if full
                    and any(same_person(t, name_tokens(r.name)) for o in g for r in o for t in full)
                ),
                None,
            )
            if match is None:
                groups.append([c])
            else:
                match.append(c)
    return groups


def make_person(records: Sequence[Record], taken: set[str]) -> Person:
    """The person ``records`` name, with an id not in ``taken`` (added to it)."""
    display = _display_name([r.name for r in records])
    pid = base = slug(display)
    k = 2
    while pid in taken:  # two different people with the same name
        pid, k = f"{base}-{k}", k + 1
    taken.add(pid)
    roles = _roles(records)
    workshops: list[str] = []
    for r in records:
        if r.workshop and r.source in ("agenda", "caption") and r.workshop not in workshops:
            workshops.append(r.workshop)
    return Person(
        id=pid,
        name=display,
        aliases=list(dict.fromkeys(r.name for r in records)),
        gender=_gender(records),
        roles=roles,
        countries=list(dict.fromkeys(c for role in roles for c in countries_in(role))),
        workshops=workshops,
        agenda=[r.agenda for r in records if r.agenda],
        sources=sorted({r.source for r in records}),
    )


def _display_name(names: Sequence[str]) -> str:
    """The fullest, most frequent spelling, accented rather than not."""
    counts = Counter(names)

    def key(n: str) -> tuple:
        accents = sum(1 for c in n if ord(c) > 127)
        return (len(name_tokens(n)), len(n.split()), counts[n], accents)

    return max(counts, key=key)


def _gender(records: Sequence[Record]) -> str:
    """The civility used most; none when as many say "M." as "Mme"."""
    top = Counter(r.civility for r in records if r.civility).most_common(2)
    if len(top) == 2 and top[0][1] == top[1][1]:
        return ""
    return top[0][0] if top else ""


def _roles(records: Sequence[Record]) -> list[str]:
    """The roles the records give, each once (accent- and case-insensitively)."""
    roles: list[str] = []
    seen: set[str] = set()
    for r in records:
        role = r.role.strip(" ,;")
        if role and fold(role) not in seen:
            seen.add(fold(role))
            roles.append(role)
    return roles


def countries_in(text: str) -> list[str]:
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
