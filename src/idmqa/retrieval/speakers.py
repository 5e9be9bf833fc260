"""Finding people from what an agent knows of them: a name (perhaps misspelt), a role, an
organisation or a country.

The person index's own search (every word a prefix of a name, role or country) answers first;
when it finds nobody, names are matched by fuzzy similarity ("Vittorino", "Louise Arbor") and
roles and countries by fuzzy substring, with rapidfuzz.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from idmqa.people.model import People, Person, fold

#: Fuzzy score (0–100) from which a name, role or country matches when nothing matches exactly:
#: one letter wrong or missing in a surname scores about 90, an unrelated name below 60.
FUZZY_MATCH = 80


def find_speakers(people: People, query: str, limit: int) -> list[Person]:
    """Up to ``limit`` people matching ``query``, best first."""
    exact = people.search(query)
    if exact:
        return exact[:limit]
    wanted = fold(query.strip())
    scored = []
    for person in people:
        names = [fold(a) for a in person.aliases or [person.name]]
        about = [fold(t) for t in [*person.roles, *person.countries]]
        score = max(
            max((fuzz.WRatio(wanted, n) for n in names), default=0),
            max((fuzz.partial_ratio(wanted, t) for t in about), default=0),
        )
        if score >= FUZZY_MATCH:
            scored.append((score, person))
    scored.sort(key=lambda pair: (-pair[0], pair[1].name))
    return [person for _, person in scored[:limit]]
