"""Records of the real report: agenda rows, captions, roles written after a name."""

from __future__ import annotations

from collections.abc import Callable

from idmqa.people.model import Person

PersonOf = Callable[[str], Person]


def test_roles_stop_where_the_sentence_goes_on(person: PersonOf) -> None:
    for pid in ("william-lacy-swing", "juan-eduardo-eguiguren"):
        for role in person(pid).roles:
            assert not role.startswith("avec") and "s'est" not in role, (pid, role)


def test_agenda_only_person(person: PersonOf) -> None:
    macdonald = person("shawn-macdonald")
    assert macdonald.statements == [] and macdonald.sources == ["agenda"]
    (row,) = macdonald.agenda
    assert row.role == "moderator"
    assert row.time == "17 h - 18 h" and "travail forcé" in row.session
    assert row.workshop.startswith("New York") and row.passage
    assert macdonald.workshops == [row.workshop]


def test_caption_only_person(person: PersonOf) -> None:
    helke = person("jill-helke")
    assert helke.sources == ["caption"] and helke.statements == []
    assert helke.captions and helke.workshops[0].startswith("New York")
    assert helke.roles == ["OIM"]


def test_agenda_roles_and_workshops(person: PersonOf) -> None:
    samri = person("azzouz-samri")
    assert "presenter" in {a.role for a in samri.agenda}  # "Présentateur :"
    riallant = person("cecile-riallant")
    assert [a.role for a in riallant.agenda] == ["introduction"]
    thompson = person("laura-thompson")
    financing = [a for a in thompson.agenda if "financement" in a.session]
    assert financing and financing[0].role == "moderator"
    arbour = person("louise-arbour")
    assert len(arbour.workshops) == 2
    assert person("liduvina-magarin").countries == ["El Salvador"]
