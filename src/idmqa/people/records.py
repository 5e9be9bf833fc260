"""Records: every naming of a person in the parsed report, before people are unified.

Agenda rows (``Modérateur : M. X, role``, speaker bullets, presenters, introductions, with
workshop/day/time/session), photo captions (``Event, IDM City, date. Name, Org, Name, Org
… ©``) and narrative mentions with a civility (``Mme Louise Arbour, Représentante
spéciale…``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from idmqa.people.lexicon import (
    AGENDA_LABEL_RE,
    CAPTION_PEOPLE_RE,
    CIVILITY_NAME_RE,
    PARTICLE,
    SPEECH_RE,
    WORKSHOP_ORDINALS,
)
from idmqa.people.model import (
    CIVILITY,
    NO_SUPERSCRIPTS,
    NOT_NAMES,
    SUPERSCRIPTS,
    AgendaAppearance,
    civility_gender,
    clean_name,
    fold,
    name_tokens,
)
from idmqa.schema import Block

#: Block kinds whose prose can report statements.
NARRATIVE_KINDS = frozenset({"paragraph", "key_message", "recommendation", "footnote"})


@dataclass(slots=True)
class Record:
    """One naming of a person."""

    name: str
    civility: str  # "m", "f" or ""
    role: str
    source: str  # agenda, caption, narrative
    lines: tuple[int, int]
    workshop: str = ""
    agenda: AgendaAppearance | None = None


def agenda_workshops(blocks: Iterable[Block]) -> list[str]:
    """The workshops the agendas name, in order: ordinals ("second atelier") refer to it."""
    workshops: list[str] = []
    for b in blocks:
        w = b.meta.get("workshop", "") if b.kind == "agenda" else ""
        if w and w not in workshops:
            workshops.append(w)
    return workshops


def block_records(block: Block, workshops: Sequence[str]) -> list[Record]:
    """The records of one block, by its kind."""
    if block.kind == "agenda":
        return agenda_records(block)
    if block.kind == "caption":
        return caption_records(block, workshops)
    if block.kind in NARRATIVE_KINDS or block.kind == "front_matter":
        return narrative_records(block)
    return []


def civility_names(text: str) -> Iterator[tuple[re.Match[str], str]]:
    """Each civility followed by a name in ``text``, with the cleaned name (sentence openers
    after an abbreviation, "M. Le …", are not names)."""
    for m in CIVILITY_NAME_RE.finditer(text):
        name = clean_name(m.group(2))
        tokens = name_tokens(name)
        if tokens and tokens[0] not in NOT_NAMES:
            yield m, name


def looks_like_name(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 6:
        return False
    caps = [w for w in words if w[:1].isupper()]
    lower = [w for w in words if not w[:1].isupper() and not re.fullmatch(PARTICLE, w)]
    return len(caps) >= 2 and not lower and fold(words[0]) not in NOT_NAMES


def workshop_of_text(text: str, workshops: Sequence[str], by_city: bool = False) -> str:
    """Workshop named in ``text``: by ordinal ("second atelier") or by its city."""
    for k, pattern in enumerate(WORKSHOP_ORDINALS):
        if k < len(workshops) and pattern.search(text):
            return workshops[k]
    if by_city:
        folded = fold(text)
        for w in workshops:
            city = fold(w.split(",")[0]).strip()
            if city and city in folded:
                return w
    return ""


def _split_entry(entry: str) -> tuple[str, str, str] | None:
    """``"M. William Lacy Swing, Directeur général…"`` → (civility, name, role)."""
    entry = entry.strip().lstrip("•").strip()
    m = re.match(rf"^({CIVILITY})\s+([^,;(]+?)\s*(?:[,;(]\s*(.*))?$", entry)
    if m:
        name = clean_name(m.group(2))
        if len(name_tokens(name)) >= 1:
            return civility_gender(m.group(1)), name, (m.group(3) or "").strip()
    m = re.match(r"^([^,;(]+?)\s*[,;]\s*(.*)$", entry)
    if m and looks_like_name(clean_name(m.group(1))):
        return "", clean_name(m.group(1)), m.group(2).strip()
    return None


def _agenda_role(label: str) -> str:
    """What an agenda label (folded) makes of the people it lists."""
    if label.startswith(("mod", "chair", "facil")):
        return "moderator"
    if label.startswith("pres"):
        return "presenter"
    if label.startswith(("intro", "keynote")):
        return "introduction"
    return "speaker"


def agenda_records(block: Block) -> list[Record]:
    meta = block.meta
    records = []
    label = ""
    for line in block.text.split("\n"):
        bullet = line.startswith("• ")
        body = line[2:] if bullet else line
        m = AGENDA_LABEL_RE.match(body)
        if m:
            label, body = fold(m.group(1)), m.group(2)
            if not body.strip():
                continue
        elif not bullet:
            label = ""
            continue
        parsed = _split_entry(body)
        if parsed is None:
            continue
        civility, name, role = parsed
        appearance = AgendaAppearance(
            role=_agenda_role(label),
            title=role,
            workshop=meta.get("workshop", ""),
            day=meta.get("day", ""),
            time=meta.get("time", ""),
            session=meta.get("session", ""),
            passage="",
            lines=block.lines,
        )
        records.append(
            Record(name, civility, role, "agenda", block.lines, appearance.workshop, appearance)
        )
    return records


def caption_records(block: Block, workshops: Sequence[str]) -> list[Record]:
    text = block.text.strip()
    m = CAPTION_PEOPLE_RE.match(text)
    if not m:
        return []
    workshop = workshop_of_text(text[: m.start(1)], workshops, by_city=True)
    items = [i.strip(" .") for i in re.split(r",\s+", m.group(1)) if i.strip(" .")]
    records = []
    k = 0
    while k < len(items):
        item = clean_name(items[k])
        if looks_like_name(item):  # "Name, Organisation" pairs
            role = items[k + 1] if k + 1 < len(items) else ""
            records.append(Record(item, "", role, "caption", block.lines, workshop))
            k += 2
        else:
            k += 1
    return records


def _apposition(text: str, end: int) -> str:
    """The role written after a narrative name: ``M. X, <role>, a souligné``."""
    rest = text[end:].lstrip(SUPERSCRIPTS)
    if not rest.startswith(","):
        return ""
    stop = re.search(
        r",\s*(?:(?:a|ont|qui|lors|au\s+cours|dans|en|est|avec|et\s+(?:M\.|Mme)|M\.|Mme|Dr)"
        r"(?![\w'’])|s['’]|l['’]a\b)|\s(?:a|ont)\s+(?:\w+\s+)?(?:" + SPEECH_RE.pattern + r")"
        r"|\ss['’]exprimant|[.;:«]\s",
        rest,
    )
    if stop is not None and stop.start() == 0:
        return ""
    role = rest[1 : stop.start()] if stop else rest[1:].split(",", 1)[0]
    role = role.strip(" ,").translate(NO_SUPERSCRIPTS)
    return role if 3 <= len(role) <= 300 else ""


def narrative_records(block: Block) -> list[Record]:
    return [
        Record(
            name,
            civility_gender(m.group(1)),
            _apposition(block.text, m.end()),
            "narrative",
            block.lines,
        )
        for m, name in civility_names(block.text)
    ]
