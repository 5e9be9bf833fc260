"""Namesakes in the real report, told apart by context."""

from __future__ import annotations

from collections.abc import Callable

from idmqa.people.model import Person
from idmqa.schema import Passage


def test_the_two_khans_are_resolved_by_context(passage_with: Callable[[str], Passage]) -> None:
    # "S'exprimant au nom de M. Senaratne, M. Khan a donné…": the Sri Lankan ambassador
    sri_lanka = passage_with("M. Khan a donné des exemples de partenariats")
    assert "sabarullah-khan" in sri_lanka.speakers
    assert "sikander-khan" not in sri_lanka.speakers
    # the minister he spoke for is named, not quoted
    assert "rajitha-senaratne" not in sri_lanka.speakers
    # "M. Khan a abordé … l'UNICEF, l'OIM et le HCR": the UNICEF director
    unicef = passage_with("M. Khan a abordé les avantages de la collaboration")
    assert unicef.speakers == ("sikander-khan",)


def test_the_two_diallos_are_resolved_by_context(
    passage_with: Callable[[str], Passage], person: Callable[[str], Person]
) -> None:
    yvonne = passage_with("selon les termes mêmes de Mme Yvonne Diallo")
    assert "yvonne-diallo" in yvonne.speakers
    djibril = passage_with("M. Diallo a rappelé avec force")
    assert djibril.speakers == ("djibril-diallo",)
    assert "ARDN" in " ".join(person("djibril-diallo").roles)
