"""Pass 4: turn units and paragraphs into blocks, each read in the mode of its section."""

from __future__ import annotations

from collections.abc import Callable

from idmqa.ingest.parse.agenda import agenda_label, agenda_row
from idmqa.ingest.parse.lines import (
    DAY_RE,
    FOOTNOTE_RE,
    FOOTREF_RE,
    NUMBERED_RE,
    PUBLISHER_RE,
    SERIES_ROW_RE,
    strip_md,
    superscript_to_ascii,
)
from idmqa.ingest.parse.units import Para, Unit, compact_lines
from idmqa.ingest.parse.vocab import Mode, section_mode
from idmqa.schema import AgendaEntry, Block, BlockKind

#: Kinds whose superscript digits are not citations (markers, page numbers, dates…).
_NO_REFS = frozenset(["footnote", "cover", "toc", "abbreviations", "series", "heading"])


class BlockBuilder:
    """Reads the items of a report in order; the state is where the reading stands.

    Tables (contents, abbreviations, an agenda row with its continuation rows) and
    recommendations (a numbered heading and its paragraphs) span several items: they are
    collected and become one block when the next item cannot belong to them.
    """

    def __init__(self, units: list[Unit], body_start: int) -> None:
        self.units = units
        self.body_start = body_start
        self.blocks: list[Block] = []
        self.section: list[str] = []
        self.mode = Mode.BODY
        self.toc: list[Unit] = []
        self.abbr: list[Unit] = []
        self.agenda_rows: list[Unit] = []
        # the agenda being read: its heading, the workshop it schedules, the day under way
        self.agenda_heading = ""
        self.agenda_meta: dict[str, str] = {}
        self.day = ""
        self.rec_heading: Unit | None = None
        self.rec: list[Para] = []
        self._index = {id(u): k for k, u in enumerate(units)}
        self._read: dict[str, Callable[[Unit], None]] = {
            "footnote": self._footnote,
            "caption": self._caption,
            "toc": self._toc_row,
            "abbr": self._abbr_row,
            "agenda_time": self._agenda_row,
            "agenda_cont": self._agenda_row,
            "agenda_rule": self._agenda_row,
            "heading": self._heading,
            "rec_heading": self._rec_heading,
        }

    def build(self, items: list[Unit | Para]) -> list[Block]:
        """The blocks of ``items`` (units and paragraphs in source order)."""
        for item in items:
            if isinstance(item, Para):
                self._paragraph(item)
            else:
                self._read[item.kind](item)
        self._flush_all()
        return self.blocks

    def emit(
        self,
        kind: BlockKind,
        text: str,
        src: list[int],
        meta: dict[str, str] | None = None,
        marker: str | None = None,
        agenda: tuple[AgendaEntry, ...] = (),
    ) -> None:
        """Add a block of ``kind`` made of source lines ``src``, in the current section."""
        refs: tuple[str, ...] = ()
        if kind not in _NO_REFS:
            refs = tuple(dict.fromkeys(superscript_to_ascii(r) for r in FOOTREF_RE.findall(text)))
        block = Block(
            kind=kind,
            text=text,
            lines=(min(src), max(src)),
            section=tuple(self.section),
            footnote_refs=refs,
            marker=marker,
            meta={**(meta or {}), "src_lines": compact_lines(src)},
            agenda=agenda,
        )
        self.blocks.append(block)

    # ------------------------------------------------------------------ paragraphs

    def _paragraph(self, p: Para) -> None:
        joins = {"joins": ",".join(p.joins)} if p.joins else {}
        if p.first < self.body_start:
            self._flush_all()
            self.emit("front_matter", p.text, p.src, joins)
            return
        self._flush_tables()
        if self.mode is Mode.RECOMMENDATIONS and self.rec_heading is not None:
            self.rec.append(p)
            return
        kind = self._paragraph_kind(p)
        if kind == "series":
            self.mode = Mode.BACK
        self.emit(kind, p.text, p.src, joins)

    def _paragraph_kind(self, p: Para) -> BlockKind:
        if self.mode is Mode.SERIES and SERIES_ROW_RE.match(p.lead):
            return "series"
        if self.mode is Mode.BACK or (
            PUBLISHER_RE.search(p.text) and all(len(t) < 120 for t in p.texts)
        ):
            return "front_matter"
        if self.mode is Mode.KEY_MESSAGES and NUMBERED_RE.match(p.lead):
            return "key_message"
        return "paragraph"

    # ------------------------------------------------------------------ other units

    def _footnote(self, u: Unit) -> None:
        self._flush_tables()
        m = FOOTNOTE_RE.match(u.texts[0])
        self.emit(
            "footnote", u.text, u.lines, marker=superscript_to_ascii(m.group(1)) if m else None
        )

    def _caption(self, u: Unit) -> None:
        # a photo may sit inside a table or a recommendation without ending it
        self.emit("caption", u.text, u.lines)

    def _toc_row(self, u: Unit) -> None:
        self._flush_run(self.abbr, "abbreviations")
        self.toc.append(u)

    def _abbr_row(self, u: Unit) -> None:
        self._flush_run(self.toc, "toc")
        if u.blanks_before > 0:
            self._flush_run(self.abbr, "abbreviations")  # a blank line splits the list
        self.abbr.append(u)

    def _agenda_row(self, u: Unit) -> None:
        # a time opens a row; continuation rows and table rules belong to the open one
        if u.kind == "agenda_time":
            self._flush_agenda()
        self.agenda_rows.append(u)

    def _heading(self, u: Unit) -> None:
        self._flush_all()
        title = strip_md(u.text)
        if u.level == 1:
            mode = section_mode(title)
            if mode is Mode.AGENDA:
                self._open_agenda(u, title)
            else:
                self.section = [title]
                self.mode = mode
        else:
            if self.mode is Mode.AGENDA and DAY_RE.match(u.text):
                self.day = title
            self.section = [*self.section[:1], title]
        self.emit("heading", u.text, u.lines)

    def _open_agenda(self, u: Unit, title: str) -> None:
        city, dates = agenda_label(self.units, self._index[id(u)], title)
        if self.mode is Mode.AGENDA and title == self.agenda_heading and not city:
            return  # the agenda's heading repeated inside its own header
        self.agenda_heading = title
        self.agenda_meta = {}
        if city or dates:
            self.agenda_meta["workshop"] = ", ".join(x for x in (city, dates) if x)
        self.section = [f"{title} — {city}" if city else title]
        self.mode = Mode.AGENDA
        self.day = ""

    def _rec_heading(self, u: Unit) -> None:
        self._flush_all()
        self.rec_heading = u
        self.section = [*self.section[:1], strip_md(u.text)]

    # ------------------------------------------------------------------ flushes

    def _flush_run(self, run: list[Unit], kind: BlockKind) -> None:
        if run:
            self.emit(kind, "\n".join(u.text for u in run), [n for u in run for n in u.lines])
            run.clear()

    def _flush_agenda(self) -> None:
        if self.agenda_rows:
            text, meta, people = agenda_row(self.agenda_rows)
            day = {"day": self.day} if self.day else {}
            src = [n for u in self.agenda_rows for n in u.lines]
            self.emit("agenda", text, src, {**self.agenda_meta, **day, **meta}, agenda=people)
            self.agenda_rows.clear()

    def _flush_rec(self) -> None:
        if self.rec_heading is not None:
            parts = [self.rec_heading.text] + [p.text for p in self.rec]
            src = self.rec_heading.lines + [n for p in self.rec for n in p.src]
            joins = [j for p in self.rec for j in p.joins]
            meta = {"joins": ",".join(joins)} if joins else {}
            self.emit("recommendation", "\n\n".join(parts), src, meta)
        self.rec.clear()
        self.rec_heading = None

    def _flush_tables(self) -> None:
        self._flush_run(self.toc, "toc")
        self._flush_run(self.abbr, "abbreviations")
        self._flush_agenda()

    def _flush_all(self) -> None:
        self._flush_tables()
        self._flush_rec()
