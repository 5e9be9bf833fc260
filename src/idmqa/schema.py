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
class AgendaEntry:
    """One person's line in an agenda row: the role its label gives ("Modératrice :" →
    ``moderator``; a bullet under "Orateurs :" or with a civility → ``speaker``) and the
    entry's span (civility, name, title) in the row's text."""

    role: str  # moderator, presenter, introduction, speaker
    start: int
    end: int


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
    agenda: tuple[AgendaEntry, ...] = ()  # an agenda row's people, parsed once
    #: a block joined from several parsed blocks (``lines`` of each); empty for a parsed block
    parts: tuple[tuple[int, int], ...] = ()

    @property
    def sources(self) -> tuple[tuple[int, int], ...]:
        """The ``lines`` of the parsed blocks this block is made of."""
        return self.parts or (self.lines,)


#: A passage's role for the people whose statements it reports, and for an agenda row's speakers.
SPEAKER = "speaker"

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class PassagePerson:
    """Someone with a role in a passage, and where the passage's text shows it.

    ``role`` is ``speaker`` (a narrative passage reports their statements; an agenda row lists
    them as a speaker), ``moderator``, ``presenter`` or ``introduction`` (an agenda row), or
    ``pictured`` (a photo caption). ``spans`` are character spans of ``Passage.text``: the
    sentences reporting a speaker's statements, an agenda entry, a caption name.
    """

    id: str
    role: str
    spans: tuple[Span, ...] = ()


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
    #: line ranges of the parsed blocks the passage comes from (several when merged)
    blocks: tuple[Span, ...] = ()
    people: tuple[PassagePerson, ...] = ()  # who speaks, moderates, presents or is pictured

    @property
    def speakers(self) -> tuple[str, ...]:
        """Ids of the people the passage gives the role ``speaker``."""
        return tuple(p.id for p in self.people if p.role == SPEAKER)


@dataclass(frozen=True, slots=True)
class Speaker:
    """A person with a role in a cited passage (see :class:`PassagePerson`)."""

    id: str
    name: str
    role: str = SPEAKER
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a passage comes from, precisely enough to check it in the source."""

    document: str
    title: str
    section: str  # the section path, joined with " › "
    kind: str
    lines: tuple[int, int]  # 1-based first and last source lines
    speakers: tuple[Speaker, ...] = ()
    short_title: str = ""  # the document's short title (its metadata), else its title


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
