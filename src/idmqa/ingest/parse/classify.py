"""Pass 2: tag photo captions and headings among the units (in place)."""

from __future__ import annotations

import re

from idmqa.ingest.parse.lines import (
    CAPTION_LEAD_RE,
    L1_VOCAB_RE,
    LIST_ITEM_RE,
    NUMBERED_RE,
    TOC_HEADING_RE,
    ends_cut,
    ends_terminal,
    first_char,
    is_upper_line,
    starts_lower,
    strip_md,
)
from idmqa.ingest.parse.units import Unit
from idmqa.ingest.parse.vocab import Mode, section_mode


def _is_caption(u: Unit) -> bool:
    if len(u.lines) != 1:
        return False
    s = u.texts[0].strip()
    if s.startswith("©") or len(s) > 700:
        return False
    if "©" in s and (u.blanks_before >= 2 or CAPTION_LEAD_RE.match(s) or re.search(r"\d{4}", s)):
        return True
    return bool(
        u.blanks_before >= 2
        and CAPTION_LEAD_RE.match(s)
        and re.search(r"\b(IDM|IOM|OIM|OIT|ILO)\b", s)
        and re.search(r"\b(19|20)\d{2}\b", s)
        and len(s) < 400
    )


def _is_prose_like(u: Unit) -> bool:
    """Looks like running text (long, or a sentence ending with punctuation)."""
    s = u.text.strip()
    return u.kind == "prose" and (len(s) >= 100 or ends_terminal(s) or ends_cut(s))


def _next_content(units: list[Unit], i: int) -> Unit | None:
    """The next unit after ``units[i]`` that is not a footnote or caption."""
    for v in units[i + 1 :]:
        if v.kind not in ("footnote", "caption"):
            return v
    return None


def _is_top_level(s: str, clean: str) -> bool:
    """A chapter title: a contents heading, an ALL CAPS line or a known section name."""
    if TOC_HEADING_RE.match(clean):
        return True
    if is_upper_line(clean) and not ends_terminal(clean) and not s.startswith("**"):
        return True
    return bool(L1_VOCAB_RE.match(clean)) and not ends_terminal(clean) and len(clean) < 150


def _subheading(
    units: list[Unit], i: int, s: str, clean: str, in_recs: bool
) -> tuple[str, int] | None:
    """``(kind, level)`` of ``units[i]`` (``s``, ``clean`` without markup) if it is a short
    capitalised line that titles the prose after it."""
    if ends_terminal(clean) or ends_cut(clean) or len(clean) > 250:
        return None
    numbered = NUMBERED_RE.match(s)
    if LIST_ITEM_RE.match(s) and not numbered:
        return None
    first = first_char(clean)
    if not first or not (first.isupper() or first.isdigit()):
        return None
    nxt = _next_content(units, i)
    if nxt is None or nxt.kind != "prose":
        return None
    if not first_char(nxt.texts[0]) or starts_lower(nxt.texts[0]):
        return None
    if in_recs and numbered:
        return "rec_heading", 2
    if not _is_prose_like(nxt):
        return None  # a short line followed by another short line: a title block
    return "heading", 2


def _heading(units: list[Unit], i: int, in_recs: bool) -> tuple[str, int] | None:
    """``(kind, level)`` if the one-line prose unit ``units[i]`` is a heading."""
    s = units[i].texts[0].strip()
    clean = strip_md(s)
    if not clean or len(clean) > 300:
        return None
    if s.startswith("**") and not s.rstrip().endswith("**"):
        return None  # first line of a multi-line bold title block
    if _is_top_level(s, clean):
        return "heading", 1
    return _subheading(units, i, s, clean, in_recs)


def classify_units(units: list[Unit], body_start: int) -> None:
    """Tag captions anywhere, and headings from line ``body_start`` on."""
    for u in units:
        if u.kind == "prose" and _is_caption(u):
            u.kind = "caption"
    # numbered short lines title recommendations only in a recommendations chapter
    in_recs = False
    for i, u in enumerate(units):
        if u.kind == "agenda_day":
            u.kind, u.level = "heading", 2
            continue
        if u.kind != "prose" or u.first < body_start or len(u.lines) != 1:
            continue
        found = _heading(units, i, in_recs)
        if found is None:
            continue
        u.kind, u.level = found
        if u.level == 1:
            in_recs = section_mode(strip_md(u.texts[0])) is Mode.RECOMMENDATIONS
