"""Readable pages of passages and people, for browsers (``Accept: text/html``).

The JSON routes stay what API clients get; a browser following a citation link gets the
same record as a page: escaped by Jinja2's autoescaping (every value comes from the report
or the URL), one column for phones, the search page's Content-Security-Policy (the only
script, the copy button's, is a file: nothing inline).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from types import SimpleNamespace
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from idmqa.api.web import PAGE_CSP
from idmqa.index.starters import LANGUAGES
from idmqa.people.model import Person
from idmqa.schema import Citation, PassageInContext
from idmqa.service import QAService

#: Media types a client may prefer over HTML to get JSON (wildcards count for JSON: an API
#: client that accepts anything keeps getting JSON).
_JSON_TYPES = ("application/json", "application/*", "*/*")


def _accepted(accept: str) -> dict[str, float]:
    """The media ranges of an Accept header with their quality (1 when unsaid, 0 if garbled)."""
    ranges: dict[str, float] = {}
    for item in accept.split(",")[:50]:
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        if media:
            ranges[media.lower()] = max(quality, ranges.get(media.lower(), 0.0))
    return ranges


def prefers_html(request: Request) -> bool:
    """Whether the client asks for text/html by name, above anything that gives JSON."""
    ranges = _accepted(request.headers.get("accept", ""))
    html = ranges.get("text/html", 0.0)
    return html > 0 and html > max((ranges.get(t, 0.0) for t in _JSON_TYPES), default=0.0)


def page_language(request: Request, asked: str | None) -> str:
    """The interface language of a page: ``?lang=``, else the browser's first of fr, en, es
    (Accept-Language), else French."""
    if asked:
        return asked
    ranges = _accepted(request.headers.get("accept-language", ""))
    ordered = sorted(ranges, key=lambda r: -ranges[r])
    return next((r[:2] for r in ordered if r[:2] in LANGUAGES and ranges[r] > 0), "fr")


@cache
def labels(language: str) -> dict[str, str]:
    """The pages' words in ``language`` (``data/ui/<language>.tsv``)."""
    text = files("idmqa").joinpath("data", "ui", f"{language}.tsv").read_text("utf-8")
    rows = (line.split("\t", 1) for line in text.splitlines() if line and line[0] != "#")
    return {key.strip(): value.strip() for key, value in rows}


def _segment(value: str) -> str:
    """An id as one path segment: percent-encoded but for ``:`` (passage ids have one, and it
    may stay in a path), never a ``/``."""
    return quote(value, safe=":")


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("idmqa", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        # A label or value missing from a page is an error, never an empty string.
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["segment"] = _segment
    return environment


def _render(template: str, language: str, page_title: str, **values: object) -> HTMLResponse:
    body = (
        _environment()
        .get_template(template)
        .render(
            lang=language,
            # Attributes, not a dict: in a template ``t.copy`` would be the dict's method.
            t=SimpleNamespace(**labels(language)),
            page_title=page_title,
            languages=[(code, labels(code)["lang_name"]) for code in LANGUAGES],
            **values,
        )
    )
    headers = {"Content-Security-Policy": PAGE_CSP, "Vary": "Accept, Accept-Language"}
    return HTMLResponse(body, headers={**headers, "Cache-Control": "no-cache"})


def full_citation(service: QAService, citation: Citation, language: str) -> str:
    """The citation to copy: short title, series and number, ISBN, section, lines (the parts
    the document's metadata has)."""
    t = labels(language)
    meta = service.documents.get(citation.document, {}).get("meta") or {}
    number = meta.get("series_number")
    series = " ".join(
        str(p) for p in (meta.get("series"), number and f"{t['number']} {number}") if p
    )
    first, last = citation.lines
    parts = [
        citation.short_title,
        series,
        f"ISBN {meta['isbn']}" if meta.get("isbn") else "",
        citation.section,
        f"{t['lines']} {first}–{last}" if last != first else f"{t['line']} {first}",
    ]
    return ". ".join(p.strip() for p in parts if p and p.strip()) + "."


def passage_page(service: QAService, found: PassageInContext, language: str) -> HTMLResponse:
    """A passage with its section path, its people, its neighbours and its citation."""
    t = labels(language)
    citation = service.citation(found.passage)
    section = found.passage.section
    return _render(
        "passage.html",
        language,
        f"{citation.short_title} — {section[-1] if section else t['passage']}",
        passage=found.passage,
        citation=citation,
        section=section,
        paragraphs=[p for p in found.passage.text.split("\n\n") if p.strip()],
        speakers=[
            {"id": s.id, "name": s.name, "role": t.get(f"role_{s.role}", s.role)}
            for s in citation.speakers
        ],
        previous=found.previous,
        next=found.next,
        full_citation=full_citation(service, citation, language),
    )


def speaker_page(service: QAService, person: Person, language: str) -> HTMLResponse:
    """A person: roles, countries, workshops, agenda rows and every statement, linked."""
    t = labels(language)
    statements = []
    for passage in service.statements(person.id):
        citation = service.citation(passage)
        statements.append(
            {
                "id": passage.id,
                "text": passage.text,
                "language": passage.language,
                "where": f"{citation.short_title} › {citation.section}".strip(" ›"),
            }
        )
    return _render(
        "speaker.html",
        language,
        person.name,
        person=person,
        roles={key[5:]: value for key, value in t.items() if key.startswith("role_")},
        statements=statements,
    )
