"""Who said what in the real report's passages: speakers per sentence, statements running on
over paragraphs, people introduced by a noun of speech or a group, passing mentions."""

from __future__ import annotations

from collections.abc import Callable

from idmqa.people.model import People
from idmqa.schema import Passage

PassageWith = Callable[[str], Passage]


def spans_of(passage: Passage, person_id: str, role: str = "speaker") -> list[str]:
    """The passage text the person's spans (in ``role``) cover."""
    return [
        passage.text[a:b]
        for p in passage.people
        if p.id == person_id and p.role == role
        for a, b in p.spans
    ]


def test_a_paragraph_with_two_speakers_lists_both(passage_with: PassageWith) -> None:
    p = passage_with("Mme Arbour s'en est fait l'écho")
    assert set(p.speakers) == {"william-lacy-swing", "louise-arbour"}
    p = passage_with("M. Packer a noté que les organisations de la société civile")
    assert {"edward-terry", "ignacio-packer"} <= set(p.speakers)


def test_each_speaker_comes_with_the_spans_of_their_sentences(passage_with: PassageWith) -> None:
    p = passage_with("Mme Arbour s'en est fait l'écho")
    swing = " ".join(spans_of(p, "william-lacy-swing"))
    arbour = " ".join(spans_of(p, "louise-arbour"))
    assert "Les partenariats et la coopération sont également" in swing
    assert "s'en est fait l'écho" not in swing
    assert arbour.startswith("Mme Arbour s'en est fait l'écho")
    assert "il vise aussi à faire en sorte que personne ne soit laissé de côté" in arbour
    # a sentence is one speaker's: Terry's and Packer's sentences do not overlap
    p = passage_with("M. Packer a noté que les organisations de la société civile")
    terry = {s for q in p.people if q.id == "edward-terry" for s in q.spans}
    packer = {s for q in p.people if q.id == "ignacio-packer" for s in q.spans}
    assert terry and packer and not terry & packer
    for q in p.people:
        assert all(0 <= a < b <= len(p.text) for a, b in q.spans)


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


def test_statements_run_on_over_the_following_paragraphs(passage_with: PassageWith) -> None:
    # named once, then one to four paragraphs of their remarks: the organisation, the
    # country or a pronoun shows the statement goes on
    assert passage_with("le syndicat MigrAr aide les travailleurs").speakers == ("eve-geddie",)
    assert passage_with("PICUM a également noté").speakers == ("eve-geddie",)
    for snippet in (
        "l'ICCR a publié en mai 2017",
        "le Leadership Group for Responsible Recruitment avait décidé",  # between two
        "Le Forum des biens de consommation a adopté",
    ):
        assert passage_with(snippet).speakers == ("david-schilling",), snippet
    assert passage_with("L'OMS, en tant qu'institution spécialisée").speakers == (
        "soumya-swaminathan",
    )
    assert passage_with("Le Brésil accueille maintenant 95 500 Vénézuéliens").speakers == (
        "marden-de-melo-barboza",
    )
    assert passage_with("Sri Lanka a également élaboré récemment").speakers == ("sabarullah-khan",)
    # a biography opening with the name of someone who just spoke
    assert passage_with("Mme Brüllhardt est une survivante").speakers == ("lucia-brullhardt",)


def test_statements_do_not_run_on_into_what_nobody_said(passage_with: PassageWith) -> None:
    # Heartland Alliance, after Polaris' speaker: not his organisation, nobody's words
    assert passage_with("Heartland Alliance International (HAI) est la branche").speakers == ()
    # the report's own paragraph after a passing mention
    assert passage_with("Les discussions des deux ateliers ont montré").speakers == ()


def test_people_named_by_a_noun_of_speech(passage_with: PassageWith) -> None:
    # "… des remarques préliminaires du Directeur général de l'UNICEF, du Directeur général
    # de l'OIT et de la Commissaire adjointe …": titles alone, in a list
    p = passage_with("avec également des remarques préliminaires du Directeur général")
    assert {
        "william-lacy-swing",
        "henrietta-holsman-fore",
        "guy-ryder",
        "julie-bolcer",
        "louise-arbour",
    } <= set(p.speakers)
    p = passage_with("Les observations liminaires de la Représentante spéciale")
    assert {"antonio-vitorino", "louise-arbour", "juan-eduardo-eguiguren", "laura-thompson"} <= set(
        p.speakers
    )
    p = passage_with("comme en témoignent les exposés de Mme Swaminathan")
    assert set(p.speakers) == {"soumya-swaminathan", "sikander-khan"}
    # a noun of speech far from a name introduces nobody ("Le rapport de l'IDM 2018 a été
    # rédigé par …": its authors wrote it, they made no statement)
    assert passage_with("Le rapport de l'IDM 2018 a été rédigé par").speakers == ()


def test_people_named_as_a_group(passage_with: PassageWith) -> None:
    # the panellists of a session the agenda lists
    p = passage_with("comme l'ont affirmé les intervenants de la table ronde *Voix de migrants*")
    assert {"djibril-diallo", "zrinka-bralo", "lucia-brullhardt"} <= set(p.speakers)
    # the one person of an organisation
    p = passage_with("Ce message a été renforcé par les orateurs du Réseau")
    assert {"djibril-diallo", "ann-dao-sow"} <= set(p.speakers)
    # one panellist is not the panel
    p = passage_with("panéliste de la table ronde intitulée *Voix de migrants*")
    assert p.speakers == ("djibril-diallo",)
    # an organisation with several people, a country: nobody for sure
    p = passage_with("Comme l'a rappelé le représentant de l'UNICEF")
    assert "sikander-khan" not in p.speakers
    p = passage_with("De même, le représentant du Brésil a insisté")
    said = [s for q in p.people for s in spans_of(p, q.id)]
    assert not any("représentant du Brésil" in s or "en Grèce" in s for s in said)


def test_people_named_but_not_quoted_are_not_speakers(passage_with: PassageWith) -> None:
    # spoken for, or mentioned in passing
    p = passage_with("S'exprimant au nom de M. Senaratne, M. Khan a donné")
    assert "rajitha-senaratne" not in p.speakers
    p = passage_with("En plus de M. Ryder de l'OIT, plusieurs États")
    assert "guy-ryder" not in p.speakers


def test_names_without_civility(people: People, passage_with: PassageWith) -> None:
    # the report's authors, a researcher cited plainly, a young migrant quoted by another
    for pid in ("elizabeth-ferris", "katharine-donato", "paula-benea", "sanjula-weerasinghe"):
        assert people.get(pid) is not None, pid
    p = passage_with("Comme Martin et Weerasinghe le font remarquer")
    assert set(p.speakers) == {"susan-f-martin", "sanjula-weerasinghe"}
    assert "anas-ansar" in passage_with("en citant Anas Ansar, un jeune migrant").speakers
