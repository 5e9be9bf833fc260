"""Pass 3: re-join prose cut by page breaks, across the footnotes and captions in between."""

from __future__ import annotations

import re

from idmqa.ingest.parse.lines import (
    CIVILITY_RE,
    LIST_ITEM_RE,
    NUMBERED_RE,
    core_end,
    ends_cut,
    ends_terminal,
    starts_lower,
)
from idmqa.ingest.parse.units import Para, Unit
from idmqa.ingest.parse.vocab import SENTENCE_STARTERS

#: More footnotes and captions than this between two halves: not one paragraph any more.
_MAX_BETWEEN = 8


def _proper_name_continues(ta: str, tb: str) -> bool:
    """``…par les États`` + ``Membres et…``: a capitalised name cut by a page break."""
    m = re.search(r"(\w[\w-]*)\W*$", core_end(ta))
    if len(ta) < 150 or not m or not m.group(1)[:1].isupper() or ends_terminal(ta):
        return False
    words = re.findall(r"[\w'’.-]+", tb.lstrip("*_« "))[:2]
    if len(words) < 2:
        return False
    first = re.split(r"['’]", words[0])[0].lower()
    if first in SENTENCE_STARTERS or CIVILITY_RE.match(tb.lstrip() + " "):
        return False
    return words[0][:1].isupper() and words[1][:1].islower()


def continues(a: Unit, b: Unit) -> bool:
    """Does prose unit ``b`` continue the sentence that ``a`` leaves open?"""
    ta, tb = a.texts[-1], b.texts[0]
    if core_end(ta).endswith((";", ",")) and starts_lower(tb) and tb.lstrip()[:1] not in "-•":
        return True  # an enumeration "a) …; b) …;" cut by a page break
    if ends_terminal(ta) and not (core_end(ta)[-1:] in ')»]”"' and starts_lower(tb)):
        return False
    if LIST_ITEM_RE.match(tb) or NUMBERED_RE.match(tb):
        return False
    if starts_lower(tb):
        return True
    head = tb.lstrip()[:1]
    if head and head in ",;:)»]…":
        return True
    if ends_cut(ta):
        return True
    return _proper_name_continues(ta, tb)


def _is_closed(u: Unit) -> bool:
    """``u`` ends a sentence, and not with a closing quote or bracket that a clause may follow."""
    last = u.texts[-1]
    return ends_terminal(last) and core_end(last)[-1:] not in ')»]”";,'


def _next_prose(units: list[Unit], k: int) -> int | None:
    """Index of the prose unit after ``units[k]`` past footnotes and captions, if any."""
    j = k + 1
    while j < len(units) and units[j].kind in ("footnote", "caption") and j - k <= _MAX_BETWEEN:
        j += 1
    if j >= len(units) or units[j].kind != "prose":
        return None
    return j


def join_paragraphs(units: list[Unit]) -> list[Unit | Para]:
    """Prose units become paragraphs, re-joined across page breaks; other units stay."""
    out: list[Unit | Para] = []
    consumed: set[int] = set()
    for i, u in enumerate(units):
        if id(u) in consumed:
            continue
        if u.kind != "prose":
            out.append(u)
            continue
        para = Para([u])
        k = i
        while not _is_closed(para.units[-1]):
            nxt = _next_prose(units, k)
            if nxt is None or not continues(para.units[-1], units[nxt]):
                break
            para.units.append(units[nxt])
            consumed.add(id(units[nxt]))
            k = nxt
        out.append(para)
    # a joined paragraph precedes the footnotes it spans: back to source order
    out.sort(key=lambda x: x.first)
    return out
