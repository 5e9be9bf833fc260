"""Link footnote references to their footnotes, both ways."""

from __future__ import annotations

import bisect

from idmqa.schema import Block


def _nearest_note(b: Block, cands: list[Block]) -> Block:
    """The footnote of ``cands`` that block ``b`` cites: in its top-level section if any
    (numbering restarts, e.g. in an agenda), the nearest, the following one on a tie."""
    top = b.section[:1]
    same = [c for c in cands if c.section[:1] == top] or cands
    starts = [c.lines[0] for c in same]
    k = bisect.bisect_left(starts, b.lines[0])
    pool = same[max(0, k - 1) : k + 1]
    return min(pool, key=lambda c: (abs(c.lines[0] - b.lines[0]), c.lines[0] < b.lines[0]))


def link_footnotes(blocks: list[Block]) -> None:
    """Fill ``meta["footnotes"]`` of citing blocks and ``meta["ref_lines"]`` of footnotes."""
    notes = [b for b in blocks if b.kind == "footnote" and b.marker]
    by_marker: dict[str, list[Block]] = {}
    for b in notes:
        by_marker.setdefault(b.marker or "", []).append(b)
    cited_by: dict[int, list[Block]] = {}
    for b in blocks:
        links: list[str] = []
        for ref in b.footnote_refs:
            if ref in by_marker:
                note = _nearest_note(b, by_marker[ref])
                cited_by.setdefault(id(note), []).append(b)
                links.append(f"{ref}:{note.lines[0]}")
        if links:
            b.meta["footnotes"] = ",".join(links)
    for b in notes:
        citing = cited_by.get(id(b), [])
        if citing:
            b.meta["ref_lines"] = ",".join(
                f"{c.lines[0]}" if c.lines[0] == c.lines[1] else f"{c.lines[0]}-{c.lines[1]}"
                for c in citing
            )
