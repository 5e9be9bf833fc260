"""Who said what in the real report's passages: speakers, statements running on."""

from __future__ import annotations

from collections.abc import Callable

from idmqa.schema import Passage

PassageWith = Callable[[str], Passage]


def test_a_paragraph_with_two_speakers_lists_both(passage_with: PassageWith) -> None:
    p = passage_with("Mme Arbour s'en est fait l'écho")
    assert set(p.speakers) == {"william-lacy-swing", "louise-arbour"}
    p = passage_with("M. Packer a noté que les organisations de la société civile")
    assert {"edward-terry", "ignacio-packer"} <= set(p.speakers)


def test_a_statement_continued_after_a_page_break_keeps_its_speaker(
    passage_with: PassageWith,
) -> None:
    # the name is before the page break, the statement goes on after it
    p = passage_with("Le défi portera sur la mise en œuvre, qui est politique")
    assert "juan-jose-gomez-camacho" in p.speakers
    p = passage_with("50 millions d'enfants")
    assert "henrietta-holsman-fore" in p.speakers
    p = passage_with("trois défis clés se présentent aujourd'hui")
    assert p.speakers == ("el-habib-nadir",)


def test_people_named_but_not_quoted_are_not_speakers(
    passage_with: PassageWith, passages: list[Passage]
) -> None:
    p = passage_with("comme en témoignent les exposés de Mme Swaminathan")
    assert p.speakers == ()
    caption = next(q for q in passages if q.kind == "caption" and "Jill" in q.text)
    assert caption.speakers == ()
    assert all(not q.speakers for q in passages if q.kind == "agenda")
