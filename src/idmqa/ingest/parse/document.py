"""Structural parser for the IOM *International Dialogue on Migration* reports.

The source files are PDF extractions in which most lines are whole paragraphs.
:func:`parse_document` turns such a text into a list of :class:`~idmqa.schema.Block`
records: headings, narrative paragraphs (re-joined across page breaks), footnotes,
photo captions, the table of contents, the abbreviations list, key messages,
recommendations, agenda rows, the Red Book series list, front matter and cover.

Everything is driven by general rules (typography, punctuation, tabs, numbering,
a small vocabulary of French/English section names); nothing depends on the
line numbers or sentences of a particular report.

Every block carries ``meta["src_lines"]``: the exact source lines it consumed
(e.g. ``"133,139"`` or ``"97-114"``), because a block re-joined across a page
break skips the footnotes and captions that sit between its halves.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from idmqa.schema import Block, BlockKind
from idmqa.text import SUPERSCRIPT_DIGITS

__all__ = ["expand_lines", "parse_document", "superscript_to_ascii"]

# --------------------------------------------------------------------------- constants

_SUP_TO_ASCII = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
_SUP = f"[{SUPERSCRIPT_DIGITS}]"

#: A footnote line starts with its superscript marker.
_FOOTNOTE_RE = re.compile(rf"^\s*({_SUP}+)\s*\S")
#: A footnote reference: superscript digits glued to the preceding character.
_FOOTREF_RE = re.compile(rf"(?<=[^\s{SUPERSCRIPT_DIGITS}])({_SUP}+)")

_HOUR = r"\d{1,2}\s*h(?:\s*\d{2})?"
#: Agenda time row: ``10 h 30 - 12 h<TAB>…`` (also 9:00–10:00 / 9.30 – 10.00).
_TIME_ROW_RE = re.compile(
    rf"^\s*((?:{_HOUR}|\d{{1,2}}[:.]\d{{2}})\s*[-–—]\s*(?:{_HOUR}|\d{{1,2}}[:.]\d{{2}}))\s*\t(.*)$"
)
_DAY_RE = re.compile(
    r"^\s*(?:(?:premi[eè]re|seconde|deuxi[eè]me|troisi[eè]me|quatri[eè]me|derni[eè]re)\s+journ[ée]e"
    r"|(?:first|second|third|fourth|last)\s+day|(?:jour|journ[ée]e|day)\s+\d+)\b[^\t]*\t?\s*$",
    re.IGNORECASE,
)
#: Markdown table separator left over by the extraction (``--<TAB>---``).
_TABLE_RULE_RE = re.compile(r"^[\s\-|:]*-[\s\-|:]*$")
_TOC_ROW_RE = re.compile(r"^(.+?)(?:\s*\.{2,})?\s*\t\s*([0-9]{1,4}|[ivxlcdm]{1,6})\s*$", re.I)
_ABBR_ROW_RE = re.compile(r"^([^\s\t]{1,15})\t+(\S.*)$")

_TOC_HEADING_RE = re.compile(
    r"^(contenu|sommaire|table des mati[eè]res|contents|table of contents|[ií]ndice|contenido)$",
    re.I,
)
#: Sentence-case section names that open a top-level section.
_L1_VOCAB_RE = re.compile(
    r"^(messages? cl[ée]s\b|key messages?\b|s[ée]rie\b|series\b|the international dialogue"
    r" on migration series|avant-propos$|foreword$|pr[ée]face$|r[ée]sum[ée]\b|executive summary"
    r"|remerciements$|acknowledg(e)?ments$)",
    re.I,
)
_KEY_MESSAGES_RE = re.compile(r"^(messages? cl[ée]s|key messages?)\b", re.I)
_RECOMMENDATIONS_RE = re.compile(r"^(recommandations?|recommendations?)\b", re.I)
_AGENDA_HEADING_RE = re.compile(
    r"^(ordre du jour|programme|agenda|final agenda|orden del d[ií]a)\b", re.I
)
_SERIES_HEADING_RE = re.compile(
    r"^(s[ée]rie|series|the international dialogue on migration series)\b", re.I
)
_NUMBERED_RE = re.compile(r"^\s*(?:[-–•]\s*)?\**\s*(\d{1,2})\s*[.)]\**\s+\S")
_SERIES_ROW_RE = re.compile(r"^\s*\d{1,3}\.\s+.+\b(1[89]|20)\d{2}\.?\s*$")
_LIST_ITEM_RE = re.compile(r"^\s*(?:[-–•]\s|\(?[a-zA-Z]\)\s|[a-z]\.\s|\(?[ivx]+\)\s)")
_CIVILITY_RE = re.compile(
    r"^(M\.|MM\.|Mme|Mmes|Mlle|Mr\.?|Ms\.?|Mrs\.?|Dr\.?|Pr\.?|Prof\.?|S\.E\.|H\.E\.|Son Excellence|"
    r"His Excellency|Her Excellency|Sr\.?|Sra\.?)\s",
)
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
_PUBLISHER_RE = re.compile(
    r"(ISBN|ISSN|©|\bT[ée]l(?:[ée]phone)?\s*[.:]|\bTel\s*[.:]|T[ée]l[ée]copie|\bFax\s*:|Courriel\s*:"
    r"|E-?mail\s*:|Internet\s*:|route des Morillons|\bÉditeur\s*:|Publisher\s*:)",
    re.I,
)
_TITLE_NO_RE = re.compile(r"^\s*(?:No|N°|Nº|Núm)\.?\s*\d{1,3}\s*$", re.I)
_CAPTION_LEAD_RE = re.compile(
    r"^(session|table ronde|r[ée]union|s[ée]ance|atelier|panel|photo|opening|closing|round ?table"
    r"|workshop|meeting|manifestation)\b",
    re.I,
)

#: Words after which a sentence cannot end: a line ending with one of them was cut.
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "à",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cet",
        "cette",
        "chez",
        "comme",
        "d",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "entre",
        "et",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "mais",
        "même",
        "ni",
        "nos",
        "notre",
        "ou",
        "où",
        "par",
        "parmi",
        "pour",
        "que",
        "qu",
        "qui",
        "sa",
        "sans",
        "se",
        "ses",
        "son",
        "sont",
        "sous",
        "sur",
        "tous",
        "toute",
        "toutes",
        "tout",
        "un",
        "une",
        "vers",
        "vos",
        "votre",
        "y",
        "est",
        "ont",
        "été",
        "être",
        "a-t-il",
        "dont",
        "afin",
        "lors",
        "selon",
        "the",
        "a",
        "an",
        "and",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "from",
        "at",
        "as",
        "or",
        "that",
        "which",
        "who",
        "whose",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "their",
        "its",
        "his",
        "her",
        "our",
        "this",
        "these",
        "those",
        "than",
        "into",
        "onto",
        "between",
        "among",
        "el",
        "la",
        "los",
        "las",
        "del",
        "al",
        "y",
        "en",
        "con",
        "por",
        "para",
        "que",
        "de",
        "un",
        "una",
    ]
)
_TERMINAL = set('.!?:;»)]”"…')

_WS_RE = re.compile(r"[ \t]+")
#: Consecutive lines at least this long are separate paragraphs even without a blank line.
_LONG_LINE = 250


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


def superscript_to_ascii(s: str) -> str:
    """``"²⁷"`` → ``"27"``."""
    return s.translate(_SUP_TO_ASCII)


# --------------------------------------------------------------------------- line helpers


def _strip_md(s: str) -> str:
    """Readable form of a heading: no ``**``/``*`` markup, no trailing tabs."""
    s = s.replace("**", "").strip()
    s = re.sub(r"(?<!\w)\*(\S(?:.*?\S)?)\*(?!\w)", r"\1", s)
    return _WS_RE.sub(" ", s).strip()


def _letters(s: str) -> str:
    return "".join(ch for ch in s if ch.isalpha())


def _is_upper_line(s: str) -> bool:
    """An ALL CAPS line (chapter title, cover column…)."""
    letters = _letters(s)
    if len(letters) < 3:
        return False
    upper = sum(1 for ch in letters if ch.isupper())
    return upper / len(letters) >= 0.85


def _core_end(s: str) -> str:
    """The line without trailing markup, superscript markers and blanks."""
    return re.sub(rf"[\s*_{SUPERSCRIPT_DIGITS}]+$", "", s)


def _ends_terminal(s: str) -> bool:
    core = _core_end(s)
    return bool(core) and core[-1] in _TERMINAL


def _last_word(s: str) -> str:
    m = re.search(r"([\w'’-]+)\W*$", _core_end(s))
    if not m:
        return ""
    word = m.group(1).lower()
    # "l'" / "d'" / "qu'" at the very end: the elided article itself.
    return re.split(r"['’]", word)[-1] or re.split(r"['’]", word)[0]


def _ends_cut(s: str) -> bool:
    """The line visibly stops mid-sentence (article, preposition, comma, hyphen…)."""
    core = _core_end(s)
    if not core:
        return False
    if core[-1] in ",-–(«'’“":
        return True
    return _last_word(core) in _FUNCTION_WORDS


def _first_alpha(s: str) -> str:
    for ch in s.lstrip("*_ "):
        if ch.isalpha():
            return ch
        if ch.isdigit():
            return ch
        if ch in '«“"(':
            continue
        return ch
    return ""


def _starts_lower(s: str) -> bool:
    t = s.lstrip().lstrip("*_")
    return bool(t) and t[0].isalpha() and t[0].islower()


def _hours_norm(s: str) -> str:
    s = _WS_RE.sub(" ", s.strip())
    s = re.sub(r"\s*[-–—]\s*", " - ", s)
    return s


# --------------------------------------------------------------------------- units


@dataclass
class _Unit:
    """A group of consecutive non-blank source lines of one nature."""

    lines: list[int]  # 1-based line numbers
    texts: list[str]
    kind: str = "prose"  # provisional: prose, heading, footnote, caption, toc, abbr, agenda, …
    level: int = 0  # heading level
    blanks_before: int = 0
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return self.lines[0]

    @property
    def last(self) -> int:
        return self.lines[-1]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass
class _Para:
    """A prose paragraph after page-break re-joining: several units glued with a space."""

    units: list[_Unit]
    kind: str = "paragraph"

    @property
    def first(self) -> int:
        return self.units[0].first

    @property
    def last(self) -> int:
        return self.units[-1].last

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.units)

    @property
    def src(self) -> list[int]:
        return [n for u in self.units for n in u.lines]

    @property
    def joins(self) -> list[str]:
        """Page-break joins as ``"<last line of half 1>-<first line of half 2>"``."""
        return [f"{a.last}-{b.first}" for a, b in zip(self.units, self.units[1:], strict=False)]


def _compact_lines(nums: Iterable[int]) -> str:
    """``[97, 98, 99, 116]`` → ``"97-99,116"``."""
    out: list[str] = []
    nums = sorted(set(nums))
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ",".join(out)


def expand_lines(spec: str) -> list[int]:
    """Inverse of the ``meta["src_lines"]`` encoding."""
    out: list[int] = []
    for part in spec.split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


# --------------------------------------------------------------------------- pass 1: lines


def _detect_cover(lines: list[str]) -> int:
    """Number of leading lines that belong to a scrambled ALL-CAPS cover (0 if none)."""
    end = 0
    count = 0
    for i, raw in enumerate(lines):
        s = raw.strip()
        if not s:
            continue
        if len(s) <= 80 and _is_upper_line(s) and not s.startswith("**") and "\t" not in s:
            count += 1
            end = i + 1
            continue
        break
    return end if count >= 3 else 0


def _line_kind(s: str) -> str:
    """Kind of a single non-blank line when it can be told from the line alone."""
    if _FOOTNOTE_RE.match(s):
        return "footnote"
    if "\t" in s:
        if _TIME_ROW_RE.match(s):
            return "agenda_time"
        if s.startswith("\t"):
            return "agenda_cont"
        if _DAY_RE.match(s):
            return "agenda_day"
        if _TABLE_RULE_RE.match(s):
            return "agenda_rule"
        if _TOC_ROW_RE.match(s):
            return "toc"
        if _ABBR_ROW_RE.match(s):
            return "abbr"
        return "tabbed"
    if _DAY_RE.match(s) and len(s) < 40:
        return "agenda_day"
    return "text"


def _make_units(lines: list[str], start: int) -> list[_Unit]:
    """Group lines into units: same-kind runs for text, one unit per agenda/footnote row."""
    units: list[_Unit] = []
    blanks = 0
    prev_kind: str | None = None
    for idx in range(start, len(lines)):
        raw = lines[idx]
        n = idx + 1
        if not raw.strip():
            blanks += 1
            prev_kind = None
            continue
        kind = _line_kind(raw)
        prev_raw = lines[idx - 1]
        glue = (
            prev_kind is not None
            and blanks == 0
            and units
            and (
                (kind == prev_kind and kind in ("toc", "abbr", "tabbed"))
                or (
                    kind == prev_kind == "text"
                    and (
                        (len(raw) < _LONG_LINE and len(prev_raw) < _LONG_LINE)
                        or (_SERIES_ROW_RE.match(raw) and _SERIES_ROW_RE.match(prev_raw))
                    )
                )
                # a footnote continued on the next line without a marker
                or (prev_kind == "footnote" and kind == "text")
            )
        )
        if glue:
            units[-1].lines.append(n)
            units[-1].texts.append(raw)
        else:
            ukind = {"text": "prose", "tabbed": "prose"}.get(kind, kind)
            units.append(_Unit([n], [raw], kind=ukind, blanks_before=blanks))
        prev_kind = "footnote" if kind == "footnote" else kind
        blanks = 0
    return units


# --------------------------------------------------------------------------- pass 2: units


def _is_caption(u: _Unit) -> bool:
    if len(u.lines) != 1:
        return False
    s = u.texts[0].strip()
    if s.startswith("©") or len(s) > 700:
        return False
    if "©" in s and (u.blanks_before >= 2 or _CAPTION_LEAD_RE.match(s) or re.search(r"\d{4}", s)):
        return True
    return bool(
        u.blanks_before >= 2
        and _CAPTION_LEAD_RE.match(s)
        and re.search(r"\b(IDM|IOM|OIM|OIT|ILO)\b", s)
        and re.search(r"\b(19|20)\d{2}\b", s)
        and len(s) < 400
    )


def _is_prose_like(u: _Unit) -> bool:
    """Looks like running text (long, or a sentence ending with punctuation)."""
    s = u.text.strip()
    return u.kind == "prose" and (len(s) >= 100 or _ends_terminal(s) or _ends_cut(s))


def _next_content(units: list[_Unit], i: int) -> _Unit | None:
    """The next unit after ``units[i]`` that is not a footnote or caption."""
    for v in units[i + 1 :]:
        if v.kind in ("footnote", "caption"):
            continue
        return v
    return None


def _classify_units(units: list[_Unit], body_start: int) -> None:
    """Tag captions and headings (in place)."""
    for u in units:
        if u.kind == "prose" and _is_caption(u):
            u.kind = "caption"
    in_recs = False
    for i, u in enumerate(units):
        if u.kind == "agenda_day":
            u.kind = "heading"
            u.level = 2
            continue
        if u.kind != "prose" or u.first < body_start or len(u.lines) != 1:
            continue
        raw = u.texts[0]
        s = raw.strip()
        clean = _strip_md(s)
        if not clean or len(clean) > 300:
            continue
        if s.startswith("**") and not s.rstrip().endswith("**"):
            continue  # first line of a multi-line bold title block
        if _TOC_HEADING_RE.match(clean) or (
            _is_upper_line(clean) and not _ends_terminal(clean) and not s.startswith("**")
        ):
            u.kind, u.level = "heading", 1
            in_recs = bool(_RECOMMENDATIONS_RE.match(clean))
            continue
        if _L1_VOCAB_RE.match(clean) and not _ends_terminal(clean) and len(clean) < 150:
            u.kind, u.level = "heading", 1
            in_recs = False
            continue
        if _ends_terminal(clean) or _ends_cut(clean) or len(clean) > 250:
            continue
        if _LIST_ITEM_RE.match(s) and not _NUMBERED_RE.match(s):
            continue
        first = _first_alpha(clean)
        if not first or not (first.isupper() or first.isdigit()):
            continue
        nxt = _next_content(units, i)
        if nxt is None or nxt.kind != "prose":
            continue
        nfirst = _first_alpha(nxt.texts[0])
        if not nfirst or _starts_lower(nxt.texts[0]):
            continue
        if in_recs and _NUMBERED_RE.match(s):
            u.kind, u.level = "rec_heading", 2
            continue
        if _NUMBERED_RE.match(s) and not _is_prose_like(nxt):
            continue
        if not _is_prose_like(nxt) and nxt.kind == "prose":
            # a short line followed by another short line: a title block, not a heading
            continue
        u.kind, u.level = "heading", 2


# --------------------------------------------------------------------------- pass 3: joins


def _continues(a: _Unit, b: _Unit) -> bool:
    """Does prose unit ``b`` continue the sentence that ``a`` leaves open?"""
    ta, tb = a.texts[-1], b.texts[0]
    if _core_end(ta).endswith((";", ",")) and _starts_lower(tb) and tb.lstrip()[:1] not in "-•":
        return True  # an enumeration "a) …; b) …;" cut by a page break
    if _ends_terminal(ta) and not (_core_end(ta)[-1:] in ')»]”"' and _starts_lower(tb)):
        return False
    if _LIST_ITEM_RE.match(tb) or _NUMBERED_RE.match(tb):
        return False
    if _starts_lower(tb):
        return True
    head = tb.lstrip()[:1]
    if head and head in ",;:)»]…":
        return True
    if _ends_cut(ta):
        return True
    return _proper_name_continues(ta, tb)


#: Words that typically open a new sentence or paragraph (never continue a proper name).
_SENTENCE_STARTERS = _words(
    """
    le la les l un une des ce cet cette ces il elle ils elles on nous en dans pour au aux lors de
    du d selon comme si mais par sur avec après avant depuis toutefois cependant ainsi enfin
    plusieurs certains certaines de nombreux nombreuses tous toutes chaque une autre
    the a an this these those it its in on for as at by with during after before however
    many several some all each while although
    """
)


def _proper_name_continues(ta: str, tb: str) -> bool:
    """``…par les États`` + ``Membres et…``: a capitalised name cut by a page break."""
    m = re.search(r"(\w[\w-]*)\W*$", _core_end(ta))
    if len(ta) < 150 or not m or not m.group(1)[:1].isupper() or _ends_terminal(ta):
        return False
    words = re.findall(r"[\w'’.-]+", tb.lstrip("*_« "))[:2]
    if len(words) < 2:
        return False
    first = re.split(r"['’]", words[0])[0].lower()
    if first in _SENTENCE_STARTERS or _CIVILITY_RE.match(tb.lstrip() + " "):
        return False
    second = words[1]
    return words[0][:1].isupper() and second[:1].islower()


def _join_paragraphs(units: list[_Unit]) -> list[_Unit | _Para]:
    """Re-join prose cut by page breaks; footnotes/captions between halves stay separate."""
    out: list[_Unit | _Para] = []
    consumed: set[int] = set()
    for i, u in enumerate(units):
        if id(u) in consumed:
            continue
        if u.kind != "prose":
            out.append(u)
            continue
        para = _Para([u])
        cur_i = i
        while True:
            last = para.units[-1]
            if _ends_terminal(last.texts[-1]) and _core_end(last.texts[-1])[-1:] not in ')»]”";,':
                break
            j = cur_i + 1
            skipped = 0
            while j < len(units) and units[j].kind in ("footnote", "caption") and skipped < 8:
                j += 1
                skipped += 1
            if j >= len(units) or units[j].kind != "prose":
                break
            if not _continues(last, units[j]):
                break
            para.units.append(units[j])
            consumed.add(id(units[j]))
            cur_i = j
        out.append(para)
    # keep source order by first line (a joined paragraph precedes the footnotes it spans)
    out.sort(key=lambda x: x.first)
    return out


# --------------------------------------------------------------------------- agenda


_TAG_RE = re.compile(r"<\s*(/?)\s*([a-zA-Z]+)[^>]*>")


def _agenda_segments(raw: str) -> list[str]:
    """Split the HTML of agenda rows into readable segments; bullets become ``• item``."""
    # URLs in angle brackets are not tags
    s = raw.replace("\t", " ")

    def tag(m: re.Match[str]) -> str:
        name = m.group(2).lower()
        if name in ("p", "ul", "ol", "br", "div", "li", "tr", "td"):
            return "\n• " if name == "li" and not m.group(1) else "\n"
        return ""  # i, b, em, strong, span…

    s = _TAG_RE.sub(tag, s)
    s = html.unescape(s)
    s = s.replace("•", "\n• ")
    segs: list[str] = []
    for piece in s.split("\n"):
        piece = _WS_RE.sub(" ", piece).strip()
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


def _parse_agenda_row(units: list[_Unit]) -> tuple[str, dict[str, str]]:
    raw = "\n".join(u.text for u in units)
    first = units[0].texts[0]
    m = _TIME_ROW_RE.match(first)
    time = _hours_norm(m.group(1)) if m else ""
    body_lines = [m.group(2) if m else first.lstrip("\t")]
    for u in units[1:]:
        for t in u.texts:
            if _TABLE_RULE_RE.match(t):
                continue
            body_lines.append(t.lstrip("\t"))
    segs = _agenda_segments(" \n ".join(body_lines))
    session = segs[0] if segs and not segs[0].startswith("• ") else ""
    moderator = ""
    intro = ""
    speakers: list[str] = []
    in_speakers = False
    lines_out: list[str] = []
    for k, seg in enumerate(segs):
        if seg.startswith("• "):
            item = seg[2:]
            if (in_speakers or _CIVILITY_RE.match(item)) and not item.rstrip().endswith("?"):
                speakers.append(item)
            lines_out.append(seg)
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
        if k == 0 and time:
            lines_out.append(f"{time} — {seg}")
        else:
            lines_out.append(seg)
    if not segs and time:
        lines_out.append(time)
    meta = {"time": time, "session": session, "raw": raw}
    if moderator:
        meta["moderator"] = moderator
    if intro:
        meta["introduction"] = intro
    if speakers:
        meta["speakers"] = " | ".join(speakers)
    return "\n".join(lines_out), meta


_MONTHS = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre"
    "|décembre|decembre|january|february|march|april|may|june|july|august|september|october"
    "|november|december|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre"
    "|noviembre|diciembre"
)
_DATE_RANGE_RE = re.compile(
    rf"(\d{{1,2}})\s*(?:et|and|y|-|–|au|to)\s*(\d{{1,2}})\s+({_MONTHS})\s+(\d{{4}})", re.I
)
_DATE_RE = re.compile(rf"(\d{{1,2}})\s+({_MONTHS})\s+(\d{{4}})", re.I)


def _agenda_label(units: list[_Unit], i: int, heading: str) -> tuple[str, str]:
    """(city, dates) of the agenda whose heading is ``units[i]``, read from its header."""
    city = ""
    dates = ""
    m = re.search(r",\s*([^,]+)$", heading)
    if m:
        city = m.group(1).strip().title()
    for v in units[i + 1 : i + 12]:
        if v.kind.startswith("agenda") or (v.kind == "heading" and v.level == 2):
            break
        for t in v.texts:
            t = _strip_md(t)
            if not dates:
                dm = _DATE_RANGE_RE.search(t)
                if dm:
                    dates = f"{dm.group(1)}–{dm.group(2)} {dm.group(3)} {dm.group(4)}"
                else:
                    dm = _DATE_RE.search(t)
                    if dm and len(t) < 60:
                        dates = dm.group(0)
            if (
                not city
                and "," in t
                and not re.search(r"\d", t)
                and len(t) < 80
                and not _ends_terminal(t)
            ):
                cand = t.rsplit(",", 1)[1].strip(" *.")
                if cand and cand[0].isupper():
                    city = cand
    return city, dates


# --------------------------------------------------------------------------- main


def _title_page_end(units: list[_Unit], after: int, limit: int) -> int:
    """Last line of the title page (``No. 28`` + bold title), 0 if not found."""
    for k, u in enumerate(units):
        if u.first <= after or u.first >= limit:
            continue
        if _TITLE_NO_RE.match(u.text):
            end = u.last
            for v in units[k + 1 :]:
                if v.text.lstrip().startswith("**") or (
                    _is_upper_line(v.text) and not _ends_terminal(v.text)
                ):
                    end = v.last
                    continue
                break
            return end
    return 0


def parse_document(text: str) -> list[Block]:
    """Parse a report into structural blocks (see the module docstring)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cover_end = _detect_cover(lines)
    units = _make_units(lines, cover_end)

    # where the body (headings allowed) starts: the first TOC/major heading after the front
    first_heading_line = 0
    for u in units:
        if len(u.lines) == 1 and (
            _TOC_HEADING_RE.match(_strip_md(u.text))
            or (_is_upper_line(u.text) and not u.text.startswith("**") and len(u.text) < 200)
        ):
            first_heading_line = u.first
            break
    limit = first_heading_line or (len(lines) + 1)
    front_end = _title_page_end(units, cover_end, limit)
    if not front_end:
        pub = [u.last for u in units if u.first < limit and _PUBLISHER_RE.search(u.text)]
        front_end = max(pub) if pub else cover_end
    body_start = front_end + 1

    _classify_units(units, body_start)
    items = _join_paragraphs(units)

    blocks: list[Block] = []
    if cover_end:
        cov = [n for n in range(1, cover_end + 1) if lines[n - 1].strip()]
        blocks.append(
            Block(
                kind="cover",
                text="\n".join(lines[n - 1] for n in cov),
                lines=(cov[0], cov[-1]),
                meta={"src_lines": _compact_lines(cov)},
            )
        )

    section: list[str] = []
    mode = "front"  # front, pre, body, key_messages, recommendations, agenda, series, back
    agenda_meta: dict[str, str] = {}
    agenda_heading = ""
    day = ""
    rec: list[_Para | _Unit] = []
    rec_heading: _Unit | None = None
    pending_toc: list[_Unit] = []
    pending_abbr: list[_Unit] = []
    agenda_rows: list[_Unit] = []

    def emit(kind: BlockKind, text: str, src: list[int], **kw: object) -> None:
        meta = dict(kw.pop("meta", {}) or {})  # type: ignore[arg-type]
        meta["src_lines"] = _compact_lines(src)
        refs = tuple(dict.fromkeys(superscript_to_ascii(r) for r in _FOOTREF_RE.findall(text)))
        if kind in ("footnote", "cover", "toc", "abbreviations", "series", "heading"):
            refs = ()
        blocks.append(
            Block(
                kind=kind,
                text=text,
                lines=(min(src), max(src)),
                section=tuple(kw.pop("section", tuple(section))),  # type: ignore[arg-type]
                footnote_refs=refs,
                marker=kw.pop("marker", None),  # type: ignore[arg-type]
                meta=meta,
            )
        )

    def flush_toc() -> None:
        if pending_toc:
            src = [n for u in pending_toc for n in u.lines]
            emit("toc", "\n".join(u.text for u in pending_toc), src)
            pending_toc.clear()

    def flush_abbr() -> None:
        if pending_abbr:
            src = [n for u in pending_abbr for n in u.lines]
            emit("abbreviations", "\n".join(u.text for u in pending_abbr), src)
            pending_abbr.clear()

    def flush_rec() -> None:
        nonlocal rec_heading
        if rec_heading is not None:
            parts = [rec_heading.text] + [p.text for p in rec]
            src = list(rec_heading.lines) + [
                n for p in rec for n in (p.src if isinstance(p, _Para) else p.lines)
            ]
            joins = [j for p in rec if isinstance(p, _Para) for j in p.joins]
            meta = {"joins": ",".join(joins)} if joins else {}
            emit("recommendation", "\n\n".join(parts), src, meta=meta)
        rec.clear()
        rec_heading = None

    def flush_agenda() -> None:
        if agenda_rows:
            txt, meta = _parse_agenda_row(agenda_rows)
            meta = {**agenda_meta, **({"day": day} if day else {}), **meta}
            src = [n for u in agenda_rows for n in u.lines]
            emit("agenda", txt, src, meta=meta)
            agenda_rows.clear()

    def flush_all() -> None:
        flush_toc()
        flush_abbr()
        flush_rec()
        flush_agenda()

    unit_index = {id(u): k for k, u in enumerate(units)}
    for item in items:
        if isinstance(item, _Para):
            jmeta = {"joins": ",".join(item.joins)} if len(item.units) > 1 else {}
            if item.first < body_start:
                flush_all()
                emit("front_matter", item.text, item.src, meta=jmeta)
                continue
            if pending_toc or pending_abbr or agenda_rows:
                flush_toc()
                flush_abbr()
                flush_agenda()
            if mode == "recommendations" and rec_heading is not None:
                rec.append(item)
                continue
            if mode == "series" and _SERIES_ROW_RE.match(item.units[0].texts[0]):
                emit("series", item.text, item.src, meta=jmeta)
                mode = "back"
                continue
            if mode == "back" or (
                _PUBLISHER_RE.search(item.text) and all(len(t) < 120 for t in _texts(item))
            ):
                emit("front_matter", item.text, item.src, meta=jmeta)
                continue
            if mode == "key_messages" and _NUMBERED_RE.match(item.units[0].texts[0]):
                emit("key_message", item.text, item.src, meta=jmeta)
                continue
            emit("paragraph", item.text, item.src, meta=jmeta)
            continue

        u = item
        if u.kind == "footnote":
            flush_toc()
            flush_abbr()
            flush_agenda()
            m = _FOOTNOTE_RE.match(u.texts[0])
            marker = superscript_to_ascii(m.group(1)) if m else None
            emit("footnote", u.text, u.lines, marker=marker)
            continue
        if u.kind == "caption":
            emit("caption", u.text, u.lines)
            continue
        if u.kind == "toc":
            flush_abbr()
            pending_toc.append(u)
            continue
        if u.kind == "abbr":
            flush_toc()
            if pending_abbr and u.blanks_before > 0:
                flush_abbr()
            pending_abbr.append(u)
            continue
        if u.kind in ("agenda_time", "agenda_cont", "agenda_rule"):
            if u.kind == "agenda_time":
                flush_agenda()
            agenda_rows.append(u)  # continuation rows and table rules join the open row
            continue
        if u.kind == "heading":
            flush_all()
            title = _strip_md(u.text)
            if u.level == 1:
                if _AGENDA_HEADING_RE.match(title):
                    city, dates = _agenda_label(units, unit_index[id(u)], title)
                    if mode == "agenda" and title == agenda_heading and not city:
                        emit("heading", u.text, u.lines)  # repeated inside the agenda header
                        continue
                    agenda_heading = title
                    label = f"{title} — {city}" if city else title
                    agenda_meta = {}
                    if city or dates:
                        agenda_meta["workshop"] = ", ".join(x for x in (city, dates) if x)
                    section = [label]
                    mode = "agenda"
                    day = ""
                else:
                    section = [title]
                    if _KEY_MESSAGES_RE.match(title):
                        mode = "key_messages"
                    elif _RECOMMENDATIONS_RE.match(title):
                        mode = "recommendations"
                    elif _SERIES_HEADING_RE.match(title):
                        mode = "series"
                    else:
                        mode = "body"
            else:
                if mode == "agenda" and _DAY_RE.match(u.text):
                    day = title
                section = [*section[:1], title]
            emit("heading", u.text, u.lines)
            continue
        if u.kind == "rec_heading":
            flush_all()
            rec_heading = u
            section = [*section[:1], _strip_md(u.text)]
            continue
        # anything else: treat as paragraph text
        emit("paragraph", u.text, u.lines)
    flush_all()

    blocks.sort(key=lambda b: (b.lines[0], b.kind != "cover"))
    _link_footnotes(blocks)
    return blocks


def _texts(p: _Para) -> list[str]:
    return [t for u in p.units for t in u.texts]


def _link_footnotes(blocks: list[Block]) -> None:
    """Fill ``meta["ref_lines"]`` of footnotes and ``meta["footnotes"]`` of citing blocks.

    A cited marker resolves to the nearest footnote with that marker in the same
    top-level section (numbering restarts e.g. in an agenda), else the nearest one.
    """
    notes = [b for b in blocks if b.kind == "footnote" and b.marker]
    by_marker: dict[str, list[Block]] = {}
    for b in notes:
        by_marker.setdefault(b.marker or "", []).append(b)
    cited_by: dict[int, list[Block]] = {}
    for b in blocks:
        if not b.footnote_refs:
            continue
        links: list[str] = []
        for ref in b.footnote_refs:
            cands = by_marker.get(ref, [])
            if not cands:
                continue
            top = b.section[:1]
            same = [c for c in cands if c.section[:1] == top] or cands
            starts = [c.lines[0] for c in same]
            k = bisect.bisect_left(starts, b.lines[0])
            pool = same[max(0, k - 1) : k + 1]
            best = min(
                pool,
                key=lambda c: (abs(c.lines[0] - b.lines[0]), c.lines[0] < b.lines[0]),
            )
            cited_by.setdefault(id(best), []).append(b)
            links.append(f"{ref}:{best.lines[0]}")
        if links:
            b.meta["footnotes"] = ",".join(links)
    for b in notes:
        citing = cited_by.get(id(b), [])
        if citing:
            b.meta["ref_lines"] = ",".join(
                f"{c.lines[0]}" if c.lines[0] == c.lines[1] else f"{c.lines[0]}-{c.lines[1]}"
                for c in citing
            )
