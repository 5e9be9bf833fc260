"""What one source line looks like: its shape (row, heading, list item…) and typography."""

from __future__ import annotations

import re

from idmqa.ingest.parse.vocab import CIVILITY, FUNCTION_WORDS
from idmqa.text import SUPERSCRIPT_DIGITS

_SUP_TO_ASCII = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
_SUP = f"[{SUPERSCRIPT_DIGITS}]"

#: A footnote line starts with its superscript marker.
FOOTNOTE_RE = re.compile(rf"^\s*({_SUP}+)\s*\S")
#: A footnote reference: superscript digits glued to the preceding character.
FOOTREF_RE = re.compile(rf"(?<=[^\s{SUPERSCRIPT_DIGITS}])({_SUP}+)")

_HOUR = r"\d{1,2}\s*h(?:\s*\d{2})?"
#: Agenda time row: ``10 h 30 - 12 h<TAB>…`` (also 9:00–10:00 / 9.30 – 10.00).
TIME_ROW_RE = re.compile(
    rf"^\s*((?:{_HOUR}|\d{{1,2}}[:.]\d{{2}})\s*[-–—]\s*(?:{_HOUR}|\d{{1,2}}[:.]\d{{2}}))\s*\t(.*)$"
)
DAY_RE = re.compile(
    r"^\s*(?:(?:premi[eè]re|seconde|deuxi[eè]me|troisi[eè]me|quatri[eè]me|derni[eè]re)\s+journ[ée]e"
    r"|(?:first|second|third|fourth|last)\s+day|(?:jour|journ[ée]e|day)\s+\d+)\b[^\t]*\t?\s*$",
    re.IGNORECASE,
)
#: Markdown table separator left over by the extraction (``--<TAB>---``).
TABLE_RULE_RE = re.compile(r"^[\s\-|:]*-[\s\-|:]*$")
TOC_ROW_RE = re.compile(r"^(.+?)(?:\s*\.{2,})?\s*\t\s*([0-9]{1,4}|[ivxlcdm]{1,6})\s*$", re.I)
ABBR_ROW_RE = re.compile(r"^([^\s\t]{1,15})\t+(\S.*)$")

TOC_HEADING_RE = re.compile(
    r"^(contenu|sommaire|table des mati[eè]res|contents|table of contents|[ií]ndice|contenido)$",
    re.I,
)
#: Sentence-case section names that open a top-level section.
L1_VOCAB_RE = re.compile(
    r"^(messages? cl[ée]s\b|key messages?\b|s[ée]rie\b|series\b|the international dialogue"
    r" on migration series|avant-propos$|foreword$|pr[ée]face$|r[ée]sum[ée]\b|executive summary"
    r"|remerciements$|acknowledg(e)?ments$)",
    re.I,
)
NUMBERED_RE = re.compile(r"^\s*(?:[-–•]\s*)?\**\s*(\d{1,2})\s*[.)]\**\s+\S")
SERIES_ROW_RE = re.compile(r"^\s*\d{1,3}\.\s+.+\b(1[89]|20)\d{2}\.?\s*$")
LIST_ITEM_RE = re.compile(r"^\s*(?:[-–•]\s|\(?[a-zA-Z]\)\s|[a-z]\.\s|\(?[ivx]+\)\s)")
CIVILITY_RE = re.compile(rf"^({CIVILITY})\s")
PUBLISHER_RE = re.compile(
    r"(ISBN|ISSN|©|\bT[ée]l(?:[ée]phone)?\s*[.:]|\bTel\s*[.:]|T[ée]l[ée]copie|\bFax\s*:|Courriel\s*:"
    r"|E-?mail\s*:|Internet\s*:|route des Morillons|\bÉditeur\s*:|Publisher\s*:)",
    re.I,
)
TITLE_NO_RE = re.compile(r"^\s*(?:No|N°|Nº|Núm)\.?\s*\d{1,3}\s*$", re.I)
CAPTION_LEAD_RE = re.compile(
    r"^(session|table ronde|r[ée]union|s[ée]ance|atelier|panel|photo|opening|closing|round ?table"
    r"|workshop|meeting|manifestation)\b",
    re.I,
)

WS_RE = re.compile(r"[ \t]+")
_TERMINAL = set('.!?:;»)]”"…')


def superscript_to_ascii(s: str) -> str:
    """``"²⁷"`` → ``"27"``."""
    return s.translate(_SUP_TO_ASCII)


def strip_md(s: str) -> str:
    """Readable form of a heading: no ``**``/``*`` markup, no trailing tabs."""
    s = s.replace("**", "").strip()
    s = re.sub(r"(?<!\w)\*(\S(?:.*?\S)?)\*(?!\w)", r"\1", s)
    return WS_RE.sub(" ", s).strip()


def is_upper_line(s: str) -> bool:
    """An ALL CAPS line (chapter title, cover column…)."""
    letters = [ch for ch in s if ch.isalpha()]
    if len(letters) < 3:
        return False
    upper = sum(1 for ch in letters if ch.isupper())
    return upper / len(letters) >= 0.85


def core_end(s: str) -> str:
    """The line without trailing markup, superscript markers and blanks."""
    return re.sub(rf"[\s*_{SUPERSCRIPT_DIGITS}]+$", "", s)


def ends_terminal(s: str) -> bool:
    core = core_end(s)
    return bool(core) and core[-1] in _TERMINAL


def _last_word(s: str) -> str:
    m = re.search(r"([\w'’-]+)\W*$", core_end(s))
    if not m:
        return ""
    # "l'" / "d'" / "qu'" at the very end: the elided article itself.
    parts = re.split(r"['’]", m.group(1).lower())
    return parts[-1] or parts[0]


def ends_cut(s: str) -> bool:
    """The line visibly stops mid-sentence (article, preposition, comma, hyphen…)."""
    core = core_end(s)
    if not core:
        return False
    if core[-1] in ",-–(«'’“":
        return True
    return _last_word(core) in FUNCTION_WORDS


def first_char(s: str) -> str:
    """The first character of ``s`` past markup, blanks and opening quotes or brackets."""
    for ch in s.lstrip("*_ "):
        if ch not in '«“"(':
            return ch
    return ""


def starts_lower(s: str) -> bool:
    t = s.lstrip().lstrip("*_")
    return bool(t) and t[0].isalpha() and t[0].islower()
