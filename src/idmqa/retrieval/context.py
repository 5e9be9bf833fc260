"""Cited context for an LLM prompt: the best passages, in report order, within a token budget.

Packing takes the hits best first while the whole context, counted in the named tiktoken
encoding, stays within the budget. The first hit that does not fit whole is cut after its last
whole sentence that fits (and marked ``[…]``), or dropped when not even its first sentence
fits; packing stops there, so a worse passage never takes the place of a better one. The
packed passages are then laid out in report order, each preceded by its ``[n]`` marker and a
short source line. What is counted is the rendered string itself — markers, source lines and
separators included — so the budget holds whatever the encoding merges across boundaries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from idmqa.schema import Citation, Passage
from idmqa.text import iter_sentences

#: Marks a passage cut at a sentence boundary to fit the budget.
TRIM_MARK = " […]"
#: Between two passages of the context.
SEPARATOR = "\n\n"
#: Longest section title in a source line (the citation has the whole section path).
SOURCE_SECTION_CHARS = 60


@dataclass(frozen=True, slots=True)
class ContextPassage:
    """One passage of a packed context, as it appears after its ``[n]`` marker."""

    n: int
    passage: Passage
    citation: Citation
    source: str  # the short source line after the marker
    text: str  # the passage verbatim, or its first sentences followed by TRIM_MARK
    trimmed: bool


@dataclass(frozen=True, slots=True)
class PackedContext:
    """A context ready to paste into a prompt, and what it cites."""

    question: str
    context: str
    passages: tuple[ContextPassage, ...]
    tokens: int  # of ``context`` in ``encoding``; never more than the budget
    encoding: str
    answerable: bool
    confidence: float
    interpreted_as: str | None = None  # the question searched, when a conversation rewrote it


def source_line(citation: Citation, short_title: str) -> str:
    """``IDM n° 28 (2018) — Partenariats régionaux, lines 404–404 — William Lacy Swing``."""
    section = citation.section.rsplit(" › ", 1)[-1]
    if len(section) > SOURCE_SECTION_CHARS:
        section = section[:SOURCE_SECTION_CHARS].rsplit(" ", 1)[0] + "…"
    where = f"{short_title} — {section}" if section else short_title
    kind = "" if citation.kind == "paragraph" else f" ({citation.kind})"
    line = f"{where}, lines {citation.lines[0]}–{citation.lines[1]}{kind}"
    if citation.speakers:
        line += " — " + ", ".join(s.name for s in citation.speakers)
    return line


@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage offered to the packer: its place in the report, citation and source line."""

    position: int
    passage: Passage
    citation: Citation
    source: str


def render(chosen: Sequence[tuple[Candidate, str]]) -> tuple[str, tuple[ContextPassage, ...]]:
    """The context of the chosen (candidate, text) pairs, in report order."""
    ordered = sorted(chosen, key=lambda pair: pair[0].position)
    items = tuple(
        ContextPassage(n, c.passage, c.citation, c.source, text, text != c.passage.text)
        for n, (c, text) in enumerate(ordered, 1)
    )
    return SEPARATOR.join(f"[{i.n}] {i.source}\n{i.text}" for i in items), items


def _versions(text: str) -> list[str]:
    """The passage whole, then ever shorter runs of its first sentences, marked as cut."""
    ends = [end for _, end in iter_sentences(text)][:-1]
    return [text] + [text[:end] + TRIM_MARK for end in reversed(ends)]


def pack(
    ranked: Sequence[Candidate], max_tokens: int, count: Callable[[str], int]
) -> tuple[str, tuple[ContextPassage, ...], int]:
    """The context of the best of ``ranked`` (best first) that fits ``max_tokens`` as
    ``count`` counts them: (context, its passages, its token count)."""
    chosen: list[tuple[Candidate, str]] = []
    packed: tuple[str, tuple[ContextPassage, ...], int] = ("", (), 0)
    for candidate in ranked:
        if any(c.passage.id == candidate.passage.id for c, _ in chosen):
            continue
        for version in _versions(candidate.passage.text):
            context, items = render([*chosen, (candidate, version)])
            tokens = count(context)
            if tokens <= max_tokens:
                chosen.append((candidate, version))
                packed = (context, items, tokens)
                break
        else:
            break  # not even its first sentence fits: the budget is spent
        if version != candidate.passage.text:
            break  # cut to fit: the budget is spent
    return packed
