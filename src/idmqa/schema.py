"""Typed records that flow through the pipeline: corpus → blocks → passages → hits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: What a block of the report is. Only ``cover`` is never indexed.
BlockKind = Literal[
    "paragraph",  # narrative prose (the default)
    "heading",  # chapter / section / sub-section title (gives sections; not indexed alone)
    "key_message",  # one of the numbered "Messages clés"
    "recommendation",  # a numbered recommendation (heading + its text)
    "footnote",  # footnote text, linked to its marker
    "caption",  # photo caption (who is on the picture)
    "toc",  # table of contents rows
    "abbreviations",  # the abbreviations and acronyms list
    "agenda",  # one agenda row: time, session title, moderator, speakers
    "series",  # the list of titles of the IDM "Red Book" series
    "front_matter",  # publisher block, mission statement, disclaimer, title page
    "cover",  # scrambled cover text: kept for completeness, never indexed
]


@dataclass(frozen=True, slots=True)
class Document:
    """A source document of the corpus with its metadata."""

    id: str  # stable slug derived from the file name
    path: str  # path relative to the corpus directory
    title: str
    language: str
    text: str
    sha256: str
    meta: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Block:
    """One structural unit found by the parser, with its verbatim text.

    ``text`` is copied verbatim from the source; when a paragraph was cut by a
    page break, its halves are joined with a single space. ``lines`` are the
    1-based first and last source lines the block covers.
    """

    kind: BlockKind
    text: str
    lines: tuple[int, int]
    section: tuple[str, ...] = ()
    footnote_refs: tuple[str, ...] = ()  # footnote markers cited in the text ("4", "27")
    marker: str | None = None  # for a footnote: its own marker
    meta: dict[str, str] = field(default_factory=dict)  # agenda: workshop, day, time, session…


@dataclass(frozen=True, slots=True)
class Passage:
    """An indexed, citable unit: a block, or a window of a long block."""

    id: str  # "<document>:<first line>-<last line>[:<part>]"
    document: str
    kind: BlockKind
    text: str
    lines: tuple[int, int]
    section: tuple[str, ...]
    tokens: int  # cl100k_base tokens of ``text`` (for packing LLM prompts)
    language: str = ""  # detected language of ``text`` ("fr" / "en")
    part: int = 0  # index of the window when a block was split
    footnote_refs: tuple[str, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)
    speakers: tuple[str, ...] = ()  # person ids whose statements the passage reports


@dataclass(frozen=True, slots=True)
class Speaker:
    """A person whose statement a passage reports."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a passage comes from, precisely enough to check it in the source."""

    document: str
    title: str
    section: str  # the section path, joined with " › "
    kind: str
    lines: tuple[int, int]  # 1-based first and last source lines
    speakers: tuple[Speaker, ...] = ()


@dataclass(frozen=True, slots=True)
class PassageInContext:
    """A passage with the ids of its neighbours in the same document (None at either end),
    and, when asked for, the passages around it (nearest last in ``before``, first in
    ``after``)."""

    passage: Passage
    previous: str | None
    next: str | None
    before: tuple[Passage, ...] = ()
    after: tuple[Passage, ...] = ()
