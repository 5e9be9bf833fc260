"""Structural parser for the IOM *International Dialogue on Migration* reports.

The source files are PDF extractions in which most lines are whole paragraphs.
:func:`parse_document` turns such a text into a list of :class:`~idmqa.schema.Block`
records: headings, narrative paragraphs (re-joined across page breaks), footnotes,
photo captions, the table of contents, the abbreviations list, key messages,
recommendations, agenda rows, the Red Book series list, front matter and cover.

Everything is driven by general rules (typography, punctuation, tabs, numbering,
a small vocabulary of French/English section names in ``idmqa/data``); nothing depends
on the line numbers or sentences of a particular report.

Every block carries ``meta["src_lines"]``: the exact source lines it consumed
(e.g. ``"133,139"`` or ``"97-114"``), because a block re-joined across a page
break skips the footnotes and captions that sit between its halves.

The passes, in :mod:`.document`: :mod:`.units` groups lines, :mod:`.classify` tags
captions and headings, :mod:`.joins` re-joins paragraphs, :mod:`.blocks` reads each
section in its :class:`~.vocab.Mode`, :mod:`.footnotes` links citations and notes.
"""

from idmqa.ingest.parse.document import parse_document
from idmqa.ingest.parse.lines import superscript_to_ascii
from idmqa.ingest.parse.units import expand_lines

__all__ = ["expand_lines", "parse_document", "superscript_to_ascii"]
