"""Agenda rows: the HTML table cells of the extraction, read as time, session and people."""

from __future__ import annotations

import html
import re

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

_TAG_RE = re.compile(r"<\s*(/?)\s*([a-zA-Z]+)[^>]*>")
#: Tags that end a line of the cell; any other tag (i, b, em, span…) is only dropped.
_BREAK_TAGS = frozenset(["p", "ul", "ol", "br", "div", "li", "tr", "td"])

_MODERATOR_RE = re.compile(
    r"^(Mod[ée]rat(?:eur|rice)s?|Moderat(?:eur|rice|or|ors)|Pr[ée]sentat(?:eur|rice)|Presenter|"
    r"Chair(?:person)?|Facilitat(?:eur|rice|or))\s*:\s*(.+)$",
    re.I,
)
_SPEAKERS_LABEL_RE = re.compile(
    r"^(Orat(?:eur|rice)s?|Intervenant(?:e)?s?|Pan[ée]listes?|Panell?ists?|Speakers?)\s*:\s*(.*)$",
    re.I,
)
_INTRO_RE = re.compile(
    r"^(Introduction (?:à|a) la table ronde|Introduction|Keynote)\s*:\s*(.+)$", re.I
)

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


def _roles(segs: list[str]) -> dict[str, str]:
    """``moderator``, ``introduction`` and ``speakers`` named by the segments of a row."""
    moderator = ""
    intro = ""
    speakers: list[str] = []
    # bullets after a "Speakers:" label are speakers even without a civility
    in_speakers = False
    for seg in segs:
        if seg.startswith("• "):
            item = seg[2:]
            if (in_speakers or CIVILITY_RE.match(item)) and not item.rstrip().endswith("?"):
                speakers.append(item)
            continue
        in_speakers = False
        mm = _MODERATOR_RE.match(seg)
        if mm:
            moderator = (moderator + " | " if moderator else "") + mm.group(2).strip()
        mi = _INTRO_RE.match(seg)
        if mi and not mm:
            intro = mi.group(2).strip()
        ms = _SPEAKERS_LABEL_RE.match(seg)
        if ms:
            in_speakers = True
            if ms.group(2).strip():
                speakers.append(ms.group(2).strip())
    roles = {"moderator": moderator, "introduction": intro, "speakers": " | ".join(speakers)}
    return {k: v for k, v in roles.items() if v}


def _hours(s: str) -> str:
    """``10h30–12 h`` → ``10h30 - 12 h``."""
    return re.sub(r"\s*[-–—]\s*", " - ", WS_RE.sub(" ", s.strip()))


def agenda_row(units: list[Unit]) -> tuple[str, dict[str, str]]:
    """Text and meta (time, session, raw, people) of one agenda row and its continuations."""
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
    return "\n".join(lines), {"time": time, "session": session, "raw": raw, **_roles(segs)}


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
