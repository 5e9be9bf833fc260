"""The people of the real report, end to end (records, unification, attribution)."""

from __future__ import annotations

from collections.abc import Callable

from idmqa.people.model import People, Person
from idmqa.schema import Passage


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


def roles_in(passage: Passage) -> dict[str, set[str]]:
    """Person id → their roles in the passage."""
    found: dict[str, set[str]] = {}
    for p in passage.people:
        found.setdefault(p.id, set()).add(p.role)
    return found


def test_agenda_rows_and_captions_list_their_people_with_their_role(
    people: People, passage_with: Callable[[str], Passage]
) -> None:
    closing = passage_with("17 h 30 - 18 h — Remarques de clôture")
    assert roles_in(closing) == {"laura-thompson": {"speaker"}}  # who closed Geneva
    panel = passage_with("Panel 1 : Réalisation des ODD")
    assert roles_in(panel)["marta-foresti"] == {"moderator"}
    assert roles_in(panel)["sabarullah-khan"] == {"speaker"}
    voices = passage_with("10 h - 11 h — Voix de migrants")
    assert roles_in(voices)["azzouz-samri"] == {"presenter"}
    session4 = passage_with("Session 4 : Evaluer les besoins des acteurs nationaux")
    assert roles_in(session4)["cecile-riallant"] == {"introduction"}
    caption = passage_with("Henrietta Holsman Fore, UNICEF, William Lacy Swing")
    assert roles_in(caption) == {
        pid: {"pictured"}
        for pid in ("henrietta-holsman-fore", "william-lacy-swing", "guy-ryder", "jill-helke")
    }
    # each span shows the person: the agenda entry, the caption's name; a row split into
    # windows lists its people in each (the session's title is in the first)
    for p in (closing, panel, caption):
        for person in p.people:
            assert person.spans, (p.id, person.id)
    assert session4.part == 0 and not roles_in(session4)["cecile-riallant"] - {"introduction"}
    names = {caption.text[a:b] for q in caption.people for a, b in q.spans}
    assert names == {"Henrietta Holsman Fore", "William Lacy Swing", "Guy Ryder", "Jill Helke"}
    (entry,) = [closing.text[a:b] for q in closing.people for a, b in q.spans]
    assert entry.startswith("Mme Laura Thompson, Directrice générale adjointe")
    # a listing reports no statement, it points to the agenda rows and captions
    assert all(
        p.id in {a.passage for a in someone.agenda} | set(someone.captions)
        for p in (closing, panel, voices, session4, caption)
        for someone in [people.get(q.id) for q in p.people]
    )


def test_statement_counts_have_no_duplicates(
    people: People, passages: list[Passage], person: Callable[[str], Person]
) -> None:
    by_id = {p.id: p for p in passages}
    for someone in people:
        paragraphs = [tuple(by_id[s].blocks) for s in someone.statements]
        assert len(paragraphs) == len(set(paragraphs)), someone.id  # windows count once
        assert all(by_id[s].kind not in ("agenda", "caption") for s in someone.statements)
    # the English copy of a French statement is the same statement
    fore = person("henrietta-holsman-fore")
    english = next(p for p in passages if p.text.startswith("Ms Fore announced"))
    french = next(p for p in passages if p.text.startswith("Mme Fore a annoncé"))
    assert "henrietta-holsman-fore" in english.speakers  # still cited as hers
    assert french.id in fore.statements and english.id not in fore.statements
    # a paragraph split into two windows is one statement
    split = [p for p in passages if p.part == 1 and "abdoulaye-mar-dieye" in p.speakers]
    assert split and all(p.id not in person("abdoulaye-mar-dieye").statements for p in split)
    # a passing mention is no statement
    ryder = person("guy-ryder")
    assert not any("En plus de M. Ryder" in by_id[s].text for s in ryder.statements)
