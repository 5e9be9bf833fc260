"""Unification of the real report's records into people."""

from __future__ import annotations

from collections.abc import Callable

from idmqa.people.model import People, Person


def test_spellings_and_civilities_are_unified(
    people: People, person: Callable[[str], Person]
) -> None:
    schulz = person("jurgen-schulz")
    assert {"Jürgen Schülz", "Jürgen Schulz"} <= set(schulz.aliases)
    nadir = person("el-habib-nadir")
    assert "Habib Nadir" in nadir.aliases and len(nadir.agenda) == 3
    assert len(nadir.workshops) == 2  # a different title in each workshop
    assert len(nadir.roles) >= 2
    hidayah = person("anis-hidayah")  # "M." in the narrative, "Mme" in the agenda
    assert hidayah.statements and hidayah.agenda
    assert len(people.candidates("Ola Henrikson")) == 1
    assert people.candidates("Henriksson") == people.candidates("Henrikson")
    assert len(people.candidates("Eloísa de Sosa Arruda")) == 1
    assert len(people.candidates("Raniero Guerra")) == 1
    assert people.resolve("Ranieri Guerra") is people.resolve("Raniero Guerra")
