"""Agenda rows: the HTML table cells of the extraction, read as time, session and people."""

from __future__ import annotations

import html
import re

from idmqa import lexicon
from idmqa.ingest.parse.lines import (
    CIVILITY_RE,
    TABLE_RULE_RE,
    TIME_ROW_RE,
    WS_RE,
    ends_terminal,
    strip_md,
)
from idmqa.ingest.parse.units import Unit
from idmqa.ingest.parse.vocab import MONTHS
from idmqa.schema import AgendaEntry

_TAG_RE = re.compile(r"<\s*(/?)\s*([a-zA-Z]+)[^>]*>")
#: Tags that end a line of the cell; any other tag (i, b, em, span…) is only dropped.
_BREAK_TAGS = frozenset(["p", "ul", "ol", "br", "div", "li", "tr", "td"])

#: "Label : rest" where the label is one of the lexicon's agenda labels.
_LABEL_RE = re.compile(
    r"^\s*(" + "|".join(row[0] for row in lexicon.all_rows("agenda_labels")) + r")\s*:\s*(.*)$",
    re.IGNORECASE,
)


def _label_role(label: str) -> str:
    """The role the people listed after ``label`` have (``speaker`` when none says otherwise)."""
    for row in lexicon.all_rows("agenda_labels"):
        if re.fullmatch(row[0], label.strip(), re.IGNORECASE):
            return row[1]
    return "speaker"


_DATE_RANGE_RE = re.compile(
    rf"(\d{{1,2}})\s*(?:et|and|y|-|–|au|to)\s*(\d{{1,2}})\s+({MONTHS})\s+(\d{{4}})", re.I
)
_DATE_RE = re.compile(rf"(\d{{1,2}})\s+({MONTHS})\s+(\d{{4}})", re.I)


def _tag_break(m: re.Match[str]) -> str:
    if m.group(2).lower() not in _BREAK_TAGS:
        return ""
    return "\n• " if m.group(2).lower() == "li" and not m.group(1) else "\n"


def agenda_segments(raw: str) -> list[str]:
    """Split the HTML of agenda rows into readable segments; bullets become ``• item``."""
    s = _TAG_RE.sub(_tag_break, raw.replace("\t", " "))
    s = html.unescape(s).replace("•", "\n• ")
    segs: list[str] = []
    for piece in s.split("\n"):
        piece = WS_RE.sub(" ", piece).strip()
        if not piece or piece == "•":
            continue
        if piece.startswith("•"):
            item = piece.lstrip("• ").strip()
            # a stray bullet in the middle of a sentence: glue back
            if segs and segs[-1].startswith("• ") and item[:1].islower():
                segs[-1] += " " + item
                continue
            segs.append("• " + item)
        elif segs and piece[:1].islower() and not segs[-1].endswith((".", ":", "?")):
            segs[-1] += " " + piece  # a sentence cut over two rows
        else:
            segs.append(piece)
    return segs


def agenda_entries(lines: list[str]) -> tuple[AgendaEntry, ...]:
    """The people of a row's text lines: each labelled line ("Modératrice : Mme X, role") and
    each bullet under a label, or with a civility, as an entry with its role and its span in
    ``"\\n".join(lines)``. A bullet ending with "?" is a question, not a person."""
    entries = []
    role = ""  # the role of the label the bullets below fall under, if any
    offset = 0
    for line in lines:
        start, body = offset, line
        offset += len(line) + 1
        if line.startswith("• "):
            item = line[2:]
            if (role or CIVILITY_RE.match(item)) and not item.rstrip().endswith("?"):
                entries.append(AgendaEntry(role or "speaker", start + 2, start + len(line)))
            continue
        labelled = _LABEL_RE.match(body)
        role = _label_role(labelled.group(1)) if labelled else ""
        if labelled and labelled.group(2).strip():
            rest = labelled.start(2)
            entries.append(AgendaEntry(role, start + rest, start + len(body.rstrip())))
    return tuple(entries)


def _hours(s: str) -> str:
    """``10h30–12 h`` → ``10h30 - 12 h``."""
    return re.sub(r"\s*[-–—]\s*", " - ", WS_RE.sub(" ", s.strip()))


def agenda_row(units: list[Unit]) -> tuple[str, dict[str, str], tuple[AgendaEntry, ...]]:
    """Text, meta (time, session, raw) and people of one agenda row and its continuations."""
    first = units[0].texts[0]
    m = TIME_ROW_RE.match(first)
    time = _hours(m.group(1)) if m else ""
    body = [m.group(2) if m else first.lstrip("\t")]
    body += [t.lstrip("\t") for u in units[1:] for t in u.texts if not TABLE_RULE_RE.match(t)]
    segs = agenda_segments(" \n ".join(body))
    session = segs[0] if segs and not segs[0].startswith("• ") else ""
    lines = [
        f"{time} — {seg}" if k == 0 and time and not seg.startswith("• ") else seg
        for k, seg in enumerate(segs)
    ]
    if not segs and time:
        lines.append(time)
    raw = "\n".join(u.text for u in units)
    return "\n".join(lines), {"time": time, "session": session, "raw": raw}, agenda_entries(lines)


def _date_in(t: str) -> str:
    """``"26–27 mars 2018"`` from a date range, or a single date on a short line."""
    dm = _DATE_RANGE_RE.search(t)
    if dm:
        return f"{dm.group(1)}–{dm.group(2)} {dm.group(3)} {dm.group(4)}"
    dm = _DATE_RE.search(t)
    return dm.group(0) if dm and len(t) < 60 else ""


def _city_in(t: str) -> str:
    """The place closing a short ``Venue, City`` line."""
    if "," not in t or re.search(r"\d", t) or len(t) >= 80 or ends_terminal(t):
        return ""
    cand = t.rsplit(",", 1)[1].strip(" *.")
    return cand if cand and cand[0].isupper() else ""


def agenda_label(units: list[Unit], i: int, heading: str) -> tuple[str, str]:
    """(city, dates) of the agenda whose heading is ``units[i]``, read from its header."""
    m = re.search(r",\s*([^,]+)$", heading)
    city = m.group(1).strip().title() if m else ""
    dates = ""
    for v in units[i + 1 : i + 12]:
        if v.kind.startswith("agenda") or (v.kind == "heading" and v.level == 2):
            break
        for t in v.texts:
            t = strip_md(t)
            dates = dates or _date_in(t)
            city = city or _city_in(t)
    return city, dates
