"""Who said what, at index time: the people a report names, and the passages that report
their statements.

Everything is derived from the parsed report by general rules; nothing is keyed on a
particular report's people or line numbers.

1. **Records** (:mod:`~idmqa.people.records`): every naming of a person in agendas,
   captions and narrative.
2. **Unification** (:mod:`~idmqa.people.cluster`): records naming one person become one
   :class:`~idmqa.people.model.Person`.
3. **Mentions** (:mod:`~idmqa.people.mentions`, :mod:`~idmqa.people.titles`): narrative
   mentions, by name or by title alone, resolved to a person.
4. **Attribution** (:mod:`~idmqa.people.attribute`): which sentences report whose
   statements; here, which passages.

Serving reads the result through :mod:`idmqa.people.model` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from idmqa.people.attribute import Attribution, attribute_block
from idmqa.people.cluster import make_persons
from idmqa.people.mentions import Resolver
from idmqa.people.model import People, Person
from idmqa.people.records import NARRATIVE_KINDS, agenda_workshops, block_records
from idmqa.schema import Block, Document, Passage

__all__ = ["NARRATIVE_KINDS", "attribute_passages", "build_people"]

BlockKey = tuple[str, tuple[int, int]]  # (document id, block lines)


def build_people(
    documents: Sequence[tuple[Document, Sequence[Block]]],
) -> tuple[People, dict[BlockKey, list[Attribution]]]:
    """People of the corpus, and per (document, block lines) the sentence attributions."""
    workshops = agenda_workshops(b for _doc, blocks in documents for b in blocks)
    records = [r for _doc, blocks in documents for b in blocks for r in block_records(b, workshops)]
    people = People(make_persons(records), workshops)
    resolver = Resolver(people)
    attributions: dict[BlockKey, list[Attribution]] = {}
    for doc, blocks in documents:
        for b in blocks:
            if b.kind in NARRATIVE_KINDS:
                attributions[(doc.id, b.lines)] = attribute_block(b, people, resolver, workshops)
    for p in people:
        p.workshops.sort(key=lambda w: workshops.index(w) if w in workshops else 99)
    return people, attributions


def attribute_passages(
    documents: Sequence[tuple[Document, Sequence[Block]]], passages: Sequence[Passage]
) -> tuple[People, list[Passage]]:
    """Compute the people, give each passage its ``speakers`` and each person its passages."""
    people, attributions = build_people(documents)
    blocks = {(d.id, b.lines): b for d, bs in documents for b in bs}
    listed = _listed_people(documents, people)
    out: list[Passage] = []
    for passage in passages:
        first, last = map(int, passage.id.split(":")[1].split("-"))
        key = (passage.document, (first, last))
        speakers: list[Person] = []
        named: list[Person] = []
        if key in attributions:
            speakers, named = _people_of_sentences(blocks[key], passage, attributions[key])
        elif key in listed:
            named = listed[key]
            _link_listing(named, blocks[key], passage.id)
        for p in speakers:
            if passage.id not in p.statements:
                p.statements.append(passage.id)
        for p in [*named, *speakers]:
            if passage.id not in p.mentions:
                p.mentions.append(passage.id)
        out.append(replace(passage, speakers=tuple(p.id for p in speakers)))
    return people, out


def _listed_people(
    documents: Sequence[tuple[Document, Sequence[Block]]], people: People
) -> dict[BlockKey, list[Person]]:
    """The people each caption and agenda block lists (by a name that designates one)."""
    listed: dict[BlockKey, list[Person]] = {}
    for d, bs in documents:
        for b in bs:
            if b.kind in ("caption", "agenda"):
                found: list[Person] = []
                for r in block_records(b, people.workshops):
                    c = people.candidates(r.name)
                    if len(c) == 1 and c[0] not in found:
                        found.append(c[0])
                listed[(d.id, b.lines)] = found
    return listed


def _people_of_sentences(
    block: Block, passage: Passage, attributions: list[Attribution]
) -> tuple[list[Person], list[Person]]:
    """Speakers and people named in the sentences of ``block`` that ``passage`` covers."""
    offset = block.text.find(passage.text)
    lo, hi = (offset, offset + len(passage.text)) if offset >= 0 else (0, len(block.text))
    speakers: list[Person] = []
    named: list[Person] = []
    for s_start, s_end, spk, nm in attributions:
        if s_start < hi and s_end > lo:
            speakers.extend(p for p in spk if p not in speakers)
            named.extend(p for p in nm if p not in named)
    return speakers, named


def _link_listing(named: list[Person], block: Block, passage_id: str) -> None:
    """Point the people a caption or agenda lists to its passage."""
    for p in named:
        if block.kind == "caption":
            p.captions.append(passage_id)
        if block.kind == "agenda":
            for a in p.agenda:
                if a.lines == block.lines and not a.passage:
                    a.passage = passage_id
