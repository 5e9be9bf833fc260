"""Records: every naming of a person in one parsed report, before people are unified.

Agenda rows (their entries, parsed once by :mod:`idmqa.ingest.parse.agenda`), photo captions
(``Event, IDM City, date. Name, Org, Name, Org … ©``), narrative mentions with a civility
(``Mme Louise Arbour, Représentante spéciale…``) and names written without one when the
context says they are people's: a title after them (``Paula Benea, Fonctionnaire…``), an
apposition (``Anas Ansar, un jeune migrant``), a work after them (``Susan Martin et Sanjula
Weerasinghe, « Gouvernance… »``), or a list with a known name (``Elizabeth Ferris, Susan
Martin et Katharine Donato``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from idmqa import lexicon
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
from idmqa.people.patterns import (
    CAPTION_PEOPLE_RE,
    CIVILITY_NAME_RE,
    ORDINALS,
    PARTICLE,
    PLAIN_NAME_RE,
    ROLE_END,
    SPEECH_RE,
    TITLE_START_RE,
    WORKSHOP_ORDINAL_RE,
)
from idmqa.people.rules import ATTRIBUTION
from idmqa.schema import Block, Span

#: Block kinds whose prose can report statements.
NARRATIVE_KINDS = frozenset({"paragraph", "key_message", "recommendation", "footnote"})
#: Block kinds whose prose names people (statements or not).
_PROSE_KINDS = NARRATIVE_KINDS | {"front_matter"}


@dataclass(slots=True)
class Record:
    """One naming of a person, and where: the block's lines and the span in its text."""

    name: str
    civility: str  # "m", "f" or ""
    role: str
    source: str  # agenda, caption, narrative
    lines: tuple[int, int]
    workshop: str = ""
    agenda: AgendaAppearance | None = None
    span: Span = (0, 0)


def agenda_workshops(blocks: Iterable[Block]) -> list[str]:
    """The workshops a report's agendas name, in order: ordinals ("second atelier") refer to
    them."""
    workshops: list[str] = []
    for b in blocks:
        w = b.meta.get("workshop", "") if b.kind == "agenda" else ""
        if w and w not in workshops:
            workshops.append(w)
    return workshops


def _not_name_words() -> frozenset[str]:
    """Folded words of countries, organisations, titles and months: capitalised, never a
    person's name."""
    words: set[str] = set(NOT_NAMES)
    for kind, fields in (("countries", (1, 2)), ("organisations", (1, 2)), ("titles", (0,))):
        for row in lexicon.all_rows(kind):
            for k in fields:
                if k < len(row):
                    words.update(re.findall(r"[\w-]+", fold(row[k])))
    words.update(fold(w) for w in lexicon.words("months"))
    return frozenset(words)


NOT_NAME_WORDS = _not_name_words()


def workshop_of_text(text: str, workshops: Sequence[str], by_city: bool = False) -> str:
    """Workshop of the report named in ``text``: by ordinal ("second atelier") or by its
    city."""
    for m in WORKSHOP_ORDINAL_RE.finditer(text):
        k = ORDINALS.get(fold(m.group(1)), 0)
        if 0 < k <= len(workshops):
            return workshops[k - 1]
    if by_city:
        folded = fold(text)
        for w in workshops:
            city = fold(w.split(",")[0]).strip()
            if city and city in folded:
                return w
    return ""


def looks_like_name(text: str) -> bool:
    """Two to six capitalised words (particles allowed), none a common or institutional word."""
    words = text.split()
    if not 2 <= len(words) <= 6:
        return False
    caps = [w for w in words if w[:1].isupper()]
    lower = [w for w in words if not w[:1].isupper() and not re.fullmatch(PARTICLE, w)]
    if len(caps) < 2 or lower or fold(words[0]) in NOT_NAMES:
        return False
    return not any(fold(w).strip(".,") in NOT_NAME_WORDS for w in caps)


def block_records(block: Block, workshops: Sequence[str], known: frozenset[str]) -> list[Record]:
    """The records of one block, by its kind; ``known`` are the folded full names the report
    writes with a civility or in an agenda (they vouch for the names listed with them)."""
    if block.kind == "agenda":
        return agenda_records(block)
    if block.kind == "caption":
        return caption_records(block, workshops)
    if block.kind in _PROSE_KINDS:
        return narrative_records(block) + plain_name_records(block, known)
    return []


def civility_names(text: str) -> Iterator[tuple[re.Match[str], str]]:
    """Each civility followed by a name in ``text``, with the cleaned name (sentence openers
    after an abbreviation, "M. Le …", are not names)."""
    for m in CIVILITY_NAME_RE.finditer(text):
        name = clean_name(m.group(2))
        tokens = name_tokens(name)
        if tokens and tokens[0] not in NOT_NAMES:
            yield m, name


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


def agenda_records(block: Block) -> list[Record]:
    """A record per entry of an agenda row, with its appearance (role, session, time…)."""
    meta = block.meta
    records = []
    for entry in block.agenda:
        parsed = _split_entry(block.text[entry.start : entry.end])
        if parsed is None:
            continue
        civility, name, role = parsed
        appearance = AgendaAppearance(
            role=entry.role,
            title=role,
            workshop=meta.get("workshop", ""),
            day=meta.get("day", ""),
            time=meta.get("time", ""),
            session=meta.get("session", ""),
            passage="",
            lines=block.lines,
        )
        records.append(
            Record(
                name,
                civility,
                role,
                "agenda",
                block.lines,
                appearance.workshop,
                appearance,
                (entry.start, entry.end),
            )
        )
    return records


def caption_records(block: Block, workshops: Sequence[str]) -> list[Record]:
    """The people a photo caption lists ("Name, Organisation" pairs), with their spans."""
    text = block.text
    m = CAPTION_PEOPLE_RE.match(text.strip())
    if not m:
        return []
    shift = len(text) - len(text.lstrip())
    workshop = workshop_of_text(text[: shift + m.start(1)], workshops, by_city=True)
    items = [
        (i.start() + shift + m.start(1), i.group(0))
        for i in re.finditer(r"[^,]+", m.group(1))
        if i.group(0).strip(" .")
    ]
    records = []
    k = 0
    while k < len(items):
        start, raw = items[k]
        item = clean_name(raw)
        if looks_like_name(item):  # "Name, Organisation" pairs
            role = items[k + 1][1].strip(" .") if k + 1 < len(items) else ""
            begin = start + raw.index(item.split()[0])
            records.append(
                Record(
                    item,
                    "",
                    role,
                    "caption",
                    block.lines,
                    workshop,
                    None,
                    (begin, begin + len(item)),
                )
            )
            k += 2
        else:
            k += 1
    return records


#: Where a role written after a name stops: a clause opener, another name or a quotation after
#: a comma, a verb of speech, a sentence's end.
_ROLE_STOP_RE = re.compile(
    rf",\s*(?:{ROLE_END}|{CIVILITY}\s|[*«“\"])|\s(?:{ROLE_END})\s*(?:\w+\s+)?(?:{SPEECH_RE.pattern})"
    r"|[.;:«]\s",
    re.IGNORECASE,
)


def apposition(text: str, end: int) -> str:
    """The role written after a narrative name: ``M. X, <role>, a souligné``."""
    rest = text[end:].lstrip(SUPERSCRIPTS)
    if not rest.startswith(","):
        return ""
    stop = _ROLE_STOP_RE.search(rest)
    if stop is not None and stop.start() == 0:
        return ""
    role = rest[1 : stop.start()] if stop else rest[1:].split(",", 1)[0]
    role = role.strip(" ,.").translate(NO_SUPERSCRIPTS)
    shortest, longest = ATTRIBUTION.apposition_chars
    return role if shortest <= len(role) <= longest else ""


def narrative_records(block: Block) -> list[Record]:
    """The names a block writes with a civility, with the role written after them."""
    return [
        Record(
            name,
            civility_gender(m.group(1)),
            apposition(block.text, m.end()),
            "narrative",
            block.lines,
            span=(m.start(), m.end()),
        )
        for m, name in civility_names(block.text)
    ]


#: After a plain name: a title, an apposition ("un jeune migrant") or a work ("« Titre »").
_PERSON_AFTER_RE = re.compile(r"^\s*,\s*(?:une?\s+\w|«|\*|\")")
#: Between the names of a list: a comma, "et", "and".
_LIST_GAP_RE = re.compile(r"^\s*(?:,|et|and|&)\s*$")
#: Before a list of authors: "rédigé par", "sous la direction de", "written by".
_AUTHORS_RE = re.compile(
    rf"(?:{lexicon.phrase_pattern(row[0] for row in lexicon.all_rows('author_phrases'))})\s*$",
    re.IGNORECASE,
)


def _plain_names(text: str) -> list[tuple[int, int, str]]:
    """Capitalised names without a civility in ``text``: (start, end, name). A match that is
    not a name may begin with one ("Hana Petrović du Centre …")."""
    out = []
    taken = [(m.start(), m.end()) for m in CIVILITY_NAME_RE.finditer(text)]
    for m in PLAIN_NAME_RE.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        words = list(re.finditer(r"\S+", m.group(0)))
        for n in range(len(words), 1, -1):
            name = clean_name(m.group(0)[: words[n - 1].end()])
            if _is_plain_name(name):
                out.append((m.start(), m.start() + words[n - 1].end(), name))
                break
    return out


def _is_plain_name(name: str) -> bool:
    initial = re.fullmatch(r"[A-ZÀ-Þ]\.\s+\S+", name) is not None  # "A. Bester"
    words = name.split()[initial:]
    return (initial or looks_like_name(name)) and not any(fold(w) in NOT_NAME_WORDS for w in words)


def plain_name_records(block: Block, known: frozenset[str]) -> list[Record]:
    """Names written without a civility whose context says they are people's (see the module
    docstring): alone, after "rédigé par", or in a list with one such name or a ``known``
    one."""
    text = block.text
    names = _plain_names(text)
    vouched = [
        TITLE_START_RE.match(text[end:]) is not None
        or _PERSON_AFTER_RE.match(text[end:]) is not None
        or _AUTHORS_RE.search(text[max(start - 40, 0) : start]) is not None
        or " ".join(name_tokens(name)) in known
        for start, end, name in names
    ]
    # a list "A, B et C" is vouched for as a whole by any of its names; what follows a name
    # of the list other than the last is the next name, not its role
    listed = [False] * len(names)
    k = 0
    while k < len(names):
        j = k
        while j + 1 < len(names) and _LIST_GAP_RE.match(text[names[j][1] : names[j + 1][0]]):
            listed[j] = True
            j += 1
        if any(vouched[k : j + 1]) and j > k:
            vouched[k : j + 1] = [True] * (j + 1 - k)
        k = j + 1
    return [
        Record(
            name,
            "",
            "" if followed else apposition(text, end),
            "narrative",
            block.lines,
            span=(start, end),
        )
        for (start, end, name), ok, followed in zip(names, vouched, listed, strict=True)
        if ok
    ]
