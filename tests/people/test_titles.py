"""People of the real report designated by their title alone."""

from __future__ import annotations

from collections.abc import Callable

from idmqa.people.model import Person
from idmqa.schema import Passage


def test_people_designated_by_their_title_alone(
    passage_with: Callable[[str], Passage], person: Callable[[str], Person]
) -> None:
    # "… M. Swing, et la Représentante spéciale du Secrétaire général pour les migrations
    # internationales ont présenté des observations finales": Arbour by her title
    p = passage_with("ont présenté des observations finales")
    assert {"william-lacy-swing", "louise-arbour"} <= set(p.speakers)
    # a masculine title for a woman's role: "du Directeur général adjoint de l'OIM" is
    # Laura Thompson, "Directrice générale adjointe de l'OIM"
    p = passage_with("les observations finales du Directeur général adjoint")
    assert "laura-thompson" in p.speakers
    # part of someone's title is not that person: "le rapport du Secrétaire général des
    # Nations Unies" is not Arbour's, and Sutherland's "ancien Représentant spécial du
    # Secrétaire général pour les migrations" is neither Arbour's nor Vitillo's
    p = passage_with("Comme le souligne le rapport du Secrétaire général")
    assert p.id not in person("louise-arbour").mentions
    p = passage_with("M. Peter Sutherland, ancien Représentant spécial")
    assert p.speakers == ("peter-sutherland",)
