"""Who said what, at index time: the people each report names, and the passages that report
their statements, moderate, present or picture them.

Everything is derived from the parsed reports by general rules; nothing is keyed on a
particular report's people or line numbers. Each report is read on its own — its records,
its people, its workshops ("le second atelier" is the second of *its* agendas), its
namesakes and the context that tells them apart — and only then are the people of all reports
unified, by full name.

1. **Records** (:mod:`~idmqa.people.records`): every naming of a person in agenda rows,
   captions and narrative.
2. **Unification** (:mod:`~idmqa.people.cluster`): records naming one person become one
   :class:`~idmqa.people.model.Person`.
3. **Mentions** (:mod:`~idmqa.people.mentions`, :mod:`~idmqa.people.titles`): narrative
   mentions, by name or by title alone, resolved to a person of the report.
4. **Attribution** (:mod:`~idmqa.people.attribute`): whose statements each sentence reports;
   here, each passage's people with their role and the spans of their sentences.

Serving reads the result through :mod:`idmqa.people.model` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from idmqa.people.attribute import Cues, ReportReader, Sentence
from idmqa.people.cluster import Cluster, clusters_of, make_person, merge_across
from idmqa.people.model import People, Person, name_tokens
from idmqa.people.records import (
    NARRATIVE_KINDS,
    Record,
    agenda_records,
    agenda_workshops,
    block_records,
    civility_names,
)
from idmqa.schema import SPEAKER, Block, Document, Passage, PassagePerson, Span

__all__ = ["NARRATIVE_KINDS", "attribute_passages", "build_people"]

#: The role of the people a photo caption lists.
PICTURED = "pictured"


@dataclass(slots=True)
class Report:
    """One report as its own rules read it: its people, and who each block names."""

    document: Document
    blocks: dict[Span, Block]
    workshops: list[str]
    clusters: list[Cluster]
    people: People
    listed: dict[Span, list[tuple[Record, Person]]]  # agenda and caption records, by block
    sentences: dict[Span, list[Sentence]]  # narrative sentences, by block


def read_report(document: Document, blocks: Sequence[Block]) -> Report:
    """The people of one report and whose statements each of its sentences reports."""
    workshops = agenda_workshops(blocks)
    agenda = {b.lines: agenda_records(b) for b in blocks if b.kind == "agenda"}
    known = _known_names(blocks, agenda.values())
    records = {
        b.lines: agenda[b.lines] if b.lines in agenda else block_records(b, workshops, known)
        for b in blocks
    }
    for found in records.values():
        for r in found:
            if r.agenda is not None:
                r.agenda.document = document.id
    clusters = clusters_of([r for found in records.values() for r in found])
    taken: set[str] = set()
    local = [make_person(c, taken) for c in clusters]
    person_of = {id(r): p for c, p in zip(clusters, local, strict=True) for r in c}
    listed = {
        lines: [(r, person_of[id(r)]) for r in found if r.source in ("agenda", "caption")]
        for lines, found in records.items()
    }
    people = People(local, {document.id: workshops})
    sessions = [
        (b.meta.get("session", ""), [p for r, p in listed[b.lines] if r.agenda.role == SPEAKER])
        for b in blocks
        if b.kind == "agenda"
    ]
    sentences = ReportReader(people, workshops, Cues(blocks), sessions).read(blocks)
    return Report(
        document, {b.lines: b for b in blocks}, workshops, clusters, people, listed, sentences
    )


def _known_names(blocks: Sequence[Block], agenda: Iterable[list[Record]]) -> frozenset[str]:
    """The full names a report writes with a civility or in an agenda (folded tokens)."""
    names = {name for b in blocks if b.kind != "agenda" for _m, name in civility_names(b.text)}
    names |= {r.name for found in agenda for r in found}
    return frozenset(" ".join(name_tokens(n)) for n in names if len(name_tokens(n)) >= 2)


def build_people(
    documents: Sequence[tuple[Document, Sequence[Block]]],
) -> tuple[People, list[Report], dict[Person, Person]]:
    """The people of the corpus, each report as read, and each report's person → the corpus'."""
    reports = [read_report(doc, blocks) for doc, blocks in documents]
    local_of = {id(c): p for r in reports for c, p in zip(r.clusters, r.people, strict=True)}
    document_of = {id(c): r.document.id for r in reports for c in r.clusters}
    order = [w for r in reports for w in r.workshops]
    taken: set[str] = set()
    persons, to_corpus = [], {}
    for group in merge_across([r.clusters for r in reports]):
        person = make_person([rec for c in group for rec in c], taken)
        local = [local_of[id(c)] for c in group]
        workshops = dict.fromkeys(w for p in local for w in p.workshops)
        person.workshops = sorted(workshops, key=lambda w: order.index(w) if w in order else 99)
        person.documents = list(dict.fromkeys(document_of[id(c)] for c in group))
        for p in local:
            to_corpus[p] = person
        persons.append(person)
    workshops_by_document = {r.document.id: r.workshops for r in reports}
    return People(persons, workshops_by_document), reports, to_corpus


def attribute_passages(
    documents: Sequence[tuple[Document, Sequence[Block]]], passages: Sequence[Passage]
) -> tuple[People, list[Passage]]:
    """Compute the people; give each passage its people (role, spans) and each person their
    statements, agenda rows, captions and mentions."""
    people, reports, to_corpus = build_people(documents)
    by_document = {r.document.id: r for r in reports}
    out: list[Passage] = []
    for passage in passages:
        report = by_document[passage.document]
        roles, named = _passage_people(report, passage)
        found = tuple(
            PassagePerson(to_corpus[p].id, role, tuple(spans)) for (p, role), spans in roles.items()
        )
        for (p, role), _spans in roles.items():
            _link(to_corpus[p], role, passage)
        for p in {to_corpus[p] for p in named} | {to_corpus[p] for p, _role in roles}:
            if passage.id not in p.mentions:
                p.mentions.append(passage.id)
        out.append(replace(passage, people=found))
    languages = {d.id: d.language for d, _blocks in documents}
    _count_statements(people, out, languages)
    return people, out


def _offset(block: Block, passage: Passage) -> int:
    """Where ``block``'s text starts in ``passage``'s (negative for a window of the block)."""
    at = passage.text.find(block.text)
    return at if at >= 0 else -max(block.text.find(passage.text), 0)


def _clip(span: Span, delta: int, length: int) -> Span | None:
    start, end = max(span[0] + delta, 0), min(span[1] + delta, length)
    return (start, end) if start < end else None


def _passage_people(
    report: Report, passage: Passage
) -> tuple[dict[tuple[Person, str], list[Span]], list[Person]]:
    """The report's people with a role in ``passage`` (and the spans showing it), and everyone
    its sentences name."""
    roles: dict[tuple[Person, str], list[Span]] = {}
    named: list[Person] = []
    for lines in passage.blocks:
        block = report.blocks.get(tuple(lines))
        if block is None:
            continue
        delta = _offset(block, passage)
        for s in report.sentences.get(block.lines, []):
            span = _clip((s.start, s.end), delta, len(passage.text))
            if span is None:
                continue
            for p in s.speakers:
                roles.setdefault((p, SPEAKER), []).append(span)
            named.extend(s.named)
        # a listing's people are every window's (the row's session may be in one window,
        # its people in the next); the span where the window shows them
        for record, p in report.listed.get(block.lines, []):
            role = record.agenda.role if record.agenda else PICTURED
            spans = roles.setdefault((p, role), [])
            span = _clip(record.span, delta, len(passage.text))
            if span is not None:
                spans.append(span)
    return roles, named


def _link(person: Person, role: str, passage: Passage) -> None:
    """Point a person's agenda rows and captions to the passage listing them."""
    if passage.kind == "caption" and passage.id not in person.captions:
        person.captions.append(passage.id)
    if passage.kind == "agenda":
        for a in person.agenda:
            if a.document == passage.document and a.lines in _lines(passage) and not a.passage:
                a.passage = passage.id


def _lines(passage: Passage) -> Iterable[tuple[int, int]]:
    return [tuple(b) for b in passage.blocks]


def _count_statements(
    people: People, passages: Sequence[Passage], languages: dict[str, str]
) -> None:
    """Each person's statements: the narrative passages reporting them, once per paragraph
    (a paragraph split into windows is one statement) and not again in another language (a
    translation next to its original is the same statement)."""
    counted: dict[str, set[tuple]] = {}
    for k, passage in enumerate(passages):
        if passage.kind not in NARRATIVE_KINDS:
            continue
        for pid in passage.speakers:
            if _is_copy(passages, k, pid, languages.get(passage.document, "")):
                continue
            key = (passage.document, tuple(map(tuple, passage.blocks)))
            if key in counted.setdefault(pid, set()):
                continue
            counted[pid].add(key)
            person = people.get(pid)
            if person is not None:
                person.statements.append(passage.id)


def _is_copy(passages: Sequence[Passage], k: int, pid: str, language: str) -> bool:
    """Is passage ``k`` another language's copy of a neighbour reporting ``pid`` too?"""
    passage = passages[k]
    if not language or passage.language in ("", language):
        return False
    for j in (k - 1, k + 1):
        other = passages[j] if 0 <= j < len(passages) else None
        if (
            other is not None
            and other.document == passage.document
            and other.language == language
            and other.kind in NARRATIVE_KINDS
            and pid in other.speakers
        ):
            return True
    return False
