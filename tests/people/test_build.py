"""The people of the real report, end to end (records, unification, attribution)."""

from __future__ import annotations

from collections.abc import Callable

from idmqa.people.model import People, Person


def test_people_are_found_from_the_report(people: People, person: Callable[[str], Person]) -> None:
    assert len(people) >= 80
    assert len({p.id for p in people}) == len(people)
    assert all(p.id == p.id.lower() and " " not in p.id for p in people)
    speakers = [p for p in people if p.statements]
    assert len(speakers) >= 65
    # the most quoted people are quoted many times
    assert len(person("william-lacy-swing").statements) >= 8
    assert len(person("louise-arbour").statements) >= 8
    assert len(person("antonio-vitorino").statements) >= 6
