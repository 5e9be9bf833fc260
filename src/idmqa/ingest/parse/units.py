"""Pass 1: group the source lines into units, the records the later passes tag and join."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from idmqa.ingest.parse.lines import (
    ABBR_ROW_RE,
    DAY_RE,
    FOOTNOTE_RE,
    SERIES_ROW_RE,
    TABLE_RULE_RE,
    TIME_ROW_RE,
    TOC_ROW_RE,
    is_upper_line,
)

#: Consecutive lines at least this long are separate paragraphs even without a blank line.
_LONG_LINE = 250


@dataclass
class Unit:
    """A group of consecutive non-blank source lines of one nature."""

    lines: list[int]  # 1-based line numbers
    texts: list[str]
    #: prose, footnote, toc, abbr, agenda_time, agenda_cont, agenda_day, agenda_rule; the
    #: second pass turns prose into caption, heading or rec_heading, agenda_day into heading
    kind: str = "prose"
    level: int = 0  # heading level
    blanks_before: int = 0

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
class Para:
    """A prose paragraph after page-break re-joining: several units glued with a space."""

    units: list[Unit]

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
    def lead(self) -> str:
        """Its first source line."""
        return self.units[0].texts[0]

    @property
    def texts(self) -> list[str]:
        return [t for u in self.units for t in u.texts]

    @property
    def src(self) -> list[int]:
        return [n for u in self.units for n in u.lines]

    @property
    def joins(self) -> list[str]:
        """Page-break joins as ``"<last line of half 1>-<first line of half 2>"``."""
        return [f"{a.last}-{b.first}" for a, b in zip(self.units, self.units[1:], strict=False)]


def compact_lines(nums: Iterable[int]) -> str:
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


def detect_cover(lines: list[str]) -> int:
    """Number of leading lines that belong to a scrambled ALL-CAPS cover (0 if none)."""
    end = 0
    count = 0
    for i, raw in enumerate(lines):
        s = raw.strip()
        if not s:
            continue
        if len(s) <= 80 and is_upper_line(s) and not s.startswith("**") and "\t" not in s:
            count += 1
            end = i + 1
            continue
        break
    return end if count >= 3 else 0


def line_kind(s: str) -> str:
    """Kind of a single non-blank line when it can be told from the line alone."""
    if FOOTNOTE_RE.match(s):
        return "footnote"
    if "\t" in s:
        if TIME_ROW_RE.match(s):
            return "agenda_time"
        if s.startswith("\t"):
            return "agenda_cont"
        if DAY_RE.match(s):
            return "agenda_day"
        if TABLE_RULE_RE.match(s):
            return "agenda_rule"
        if TOC_ROW_RE.match(s):
            return "toc"
        if ABBR_ROW_RE.match(s):
            return "abbr"
        return "tabbed"
    if DAY_RE.match(s) and len(s) < 40:
        return "agenda_day"
    return "text"


def _same_unit(prev_kind: str, kind: str, prev_raw: str, raw: str) -> bool:
    """Does line ``raw`` extend the unit of the line ``prev_raw`` just above it?"""
    if prev_kind == "footnote":
        return kind == "text"  # a footnote continued on the next line without a marker
    if kind != prev_kind:
        return False
    if kind in ("toc", "abbr", "tabbed"):
        return True
    # short lines are the rows of a title block; long ones are paragraphs of their own
    return kind == "text" and (
        (len(raw) < _LONG_LINE and len(prev_raw) < _LONG_LINE)
        or bool(SERIES_ROW_RE.match(raw) and SERIES_ROW_RE.match(prev_raw))
    )


def make_units(lines: list[str], start: int) -> list[Unit]:
    """Group lines into units: same-kind runs for text, one unit per agenda/footnote row."""
    units: list[Unit] = []
    blanks = 0
    prev_kind: str | None = None
    for idx in range(start, len(lines)):
        raw = lines[idx]
        if not raw.strip():
            blanks += 1
            prev_kind = None
            continue
        kind = line_kind(raw)
        if prev_kind is not None and _same_unit(prev_kind, kind, lines[idx - 1], raw):
            units[-1].lines.append(idx + 1)
            units[-1].texts.append(raw)
        else:
            unit_kind = "prose" if kind in ("text", "tabbed") else kind
            units.append(Unit([idx + 1], [raw], kind=unit_kind, blanks_before=blanks))
        prev_kind = kind
        blanks = 0
    return units
