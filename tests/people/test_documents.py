"""People per report: a second report of the series (written for the tests, in the series'
format: another year, two workshops, other people, a namesake pair, statements continued over
paragraphs, an agenda) read on its own, and in one corpus with the real report — where nothing
of one report leaks into the other."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest

from idmqa.index.build import collect_passages
from idmqa.ingest.parse import parse_document
from idmqa.people.model import People
from idmqa.schema import Block, Passage
from idmqa.settings import Settings
from tests.helpers import (
    REPORT,
    SECOND_REPORT,
    assert_blocks_verbatim,
    assert_every_line_once,
    passage_token_counter,
)

FIRST = "idm-28-2018-partenariats.fr"
SECOND = "idm-29-2019-inclusion.fr"
Corpus = tuple[People, list[Passage]]


@pytest.fixture(scope="module")
def second_blocks() -> list[Block]:
    return parse_document(SECOND_REPORT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def two_reports(
    settings: Settings, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Corpus:
    """The people of a corpus of both reports, and its passages (as the index builds them)."""
    corpus = tmp_path_factory.mktemp("corpus")
    for path in (REPORT, SECOND_REPORT):
        for suffix in (".txt", ".json"):
            shutil.copy(path.with_suffix(suffix), corpus)
    count = passage_token_counter(settings, request)
    two = settings.model_copy(update={"corpus_dir": corpus})
    _, passages, _, people = collect_passages(two, count)
    return people, passages


@pytest.fixture(scope="module")
def said(two_reports: Corpus) -> Callable[[str], tuple[str, ...]]:
    """The speakers of the second report's passage holding a snippet."""

    def find(snippet: str) -> tuple[str, ...]:
        for p in two_reports[1]:
            if p.document == SECOND and snippet in p.text:
                return p.speakers
        raise AssertionError(f"no passage of the second report contains {snippet!r}")

    return find


def test_the_second_report_keeps_every_line_once_and_verbatim(
    second_blocks: list[Block],
) -> None:
    lines = SECOND_REPORT.read_text(encoding="utf-8").split("\n")
    assert_every_line_once(second_blocks, lines)
    assert_blocks_verbatim(second_blocks, lines)
    kinds = {b.kind for b in second_blocks}
    assert {"front_matter", "toc", "abbreviations", "caption", "footnote", "agenda"} <= kinds
    assert {"series", "heading", "paragraph"} <= kinds
    joined = [b for b in second_blocks if b.meta.get("joins")]  # a page break in a paragraph
    assert [b.text.split()[0] for b in joined] == ["À"]
    workshops = [b.meta["workshop"] for b in second_blocks if b.kind == "agenda"]
    assert sorted(set(workshops)) == ["Bangkok, 2–3 avril 2019", "Genève, 14–15 octobre 2019"]


def test_nothing_leaks_from_one_report_into_the_other(
    report_people: Corpus, two_reports: Corpus
) -> None:
    alone_people, alone = report_people
    people, passages = two_reports
    # the first report's passages have the same people, roles and spans as when alone
    assert [(p.id, p.people) for p in passages if p.document == FIRST] == [
        (p.id, p.people) for p in alone
    ]
    # each report has its own workshops
    assert people.workshops == {
        FIRST: ["New York, 26–27 mars 2018", "Genève, 8–9 octobre 2018"],
        SECOND: ["Bangkok, 2–3 avril 2019", "Genève, 14–15 octobre 2019"],
    }
    for person in people:
        if person.documents == [SECOND]:
            assert set(person.workshops) <= set(people.workshops[SECOND]), person.id
        if person.documents == [FIRST]:
            first = alone_people.get(person.id)
            assert first is not None and person.workshops == first.workshops, person.id
            assert person.statements == first.statements, person.id


def test_each_report_reads_its_own_people(two_reports: Corpus, said) -> None:
    people, _passages = two_reports
    # "le premier atelier" of the second report is Bangkok, not New York
    assert people.get("amina-toure").workshops == ["Bangkok, 2–3 avril 2019"]
    # a surname is a person of its own report: the first report's Khans are not this one
    assert said("M. Khan a noté que les provinces") == ("imran-khan",)
    # a title designates its holder in its own report
    assert said("Comme l'a déclaré la Directrice générale adjointe de l'OIM") == (
        "amina-toure",
        "antonio-vitorino",  # "le Directeur général de l'OIM au second atelier"
    )
    # one person in both reports, by full name
    vitorino = people.get("antonio-vitorino")
    assert vitorino.documents == [FIRST, SECOND]
    assert {s.split(":")[0] for s in vitorino.statements} == {FIRST, SECOND}
    assert vitorino.workshops == ["Genève, 8–9 octobre 2018", "Genève, 14–15 octobre 2019"]


def test_the_second_reports_namesakes_and_statements(two_reports: Corpus, said) -> None:
    people, passages = two_reports
    # the namesake pair: "Mme Haddad" and "M. Haddad" told apart by their civility
    assert said("Mme Haddad a ajouté que les femmes migrantes") == (
        "leila-haddad",
        "karim-haddad",
    )
    (both,) = [p for p in passages if "M. Haddad a quant à lui" in p.text]
    karim = [both.text[a:b] for q in both.people if q.id == "karim-haddad" for a, b in q.spans]
    assert karim == ["M. Haddad a quant à lui rappelé le rôle des écoles publiques."]
    # statements running on over paragraphs: an organisation, a page break
    assert said("À Chiang Mai, un guichet unique") == ("ingrid-solberg",)
    assert said("Le RESAM réunit aujourd'hui") == ("samuel-mensah",)
    # the report's own sentence after them is nobody's
    assert said("Les participants ont souligné que l'inclusion") == ()
    # authors cited by surname alone
    assert set(said("Comme Lindqvist et Okafor le font remarquer")) == {
        "tomas-lindqvist",
        "miriam-okafor",
    }
    # the agenda lists its people with their role
    (row,) = [p for p in passages if p.document == SECOND and "Table ronde : Des villes" in p.text]
    roles = {q.id: q.role for q in row.people}
    assert roles == {
        "karim-haddad": "moderator",
        "samuel-mensah": "speaker",
        "rosa-alvarez": "speaker",
    }
    assert people.get("karim-haddad").agenda[0].document == SECOND
