"""The passes in order: lines → units → captions and headings → paragraphs → blocks."""

from __future__ import annotations

from idmqa.ingest.parse.blocks import BlockBuilder
from idmqa.ingest.parse.classify import classify_units
from idmqa.ingest.parse.footnotes import link_footnotes
from idmqa.ingest.parse.joins import join_paragraphs
from idmqa.ingest.parse.lines import (
    PUBLISHER_RE,
    TITLE_NO_RE,
    TOC_HEADING_RE,
    ends_terminal,
    is_upper_line,
    strip_md,
)
from idmqa.ingest.parse.units import Unit, detect_cover, make_units
from idmqa.schema import Block


def _first_heading_line(units: list[Unit]) -> int:
    """First line of the contents heading or of the first ALL CAPS title (0 if none)."""
    for u in units:
        if len(u.lines) == 1 and (
            TOC_HEADING_RE.match(strip_md(u.text))
            or (is_upper_line(u.text) and not u.text.startswith("**") and len(u.text) < 200)
        ):
            return u.first
    return 0


def _title_page_end(units: list[Unit], after: int, limit: int) -> int:
    """Last line of the title page (``No. 28`` + bold title), 0 if not found."""
    for k, u in enumerate(units):
        if u.first <= after or u.first >= limit:
            continue
        if TITLE_NO_RE.match(u.text):
            end = u.last
            for v in units[k + 1 :]:
                if v.text.lstrip().startswith("**") or (
                    is_upper_line(v.text) and not ends_terminal(v.text)
                ):
                    end = v.last
                    continue
                break
            return end
    return 0


def _front_end(units: list[Unit], cover_end: int, n_lines: int) -> int:
    """Last line of the front matter: the title page, else the publisher's notice, both
    before the first heading; else the cover's."""
    limit = _first_heading_line(units) or n_lines + 1
    end = _title_page_end(units, cover_end, limit)
    if not end:
        pub = [u.last for u in units if u.first < limit and PUBLISHER_RE.search(u.text)]
        end = max(pub) if pub else cover_end
    return end


def parse_document(text: str) -> list[Block]:
    """Parse a report into structural blocks (see the package docstring)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cover_end = detect_cover(lines)
    units = make_units(lines, cover_end)
    body_start = _front_end(units, cover_end, len(lines)) + 1
    classify_units(units, body_start)

    builder = BlockBuilder(units, body_start)
    if cover_end:
        cover = [n for n in range(1, cover_end + 1) if lines[n - 1].strip()]
        builder.emit("cover", "\n".join(lines[n - 1] for n in cover), cover)
    blocks = builder.build(join_paragraphs(units))
    blocks.sort(key=lambda b: (b.lines[0], b.kind != "cover"))
    link_footnotes(blocks)
    return blocks
