"""Readable passage and speaker pages: content negotiation over HTTP, and the pages in real
headless Chromium (Debian's /usr/bin/chromium driven by Playwright) at a phone's width."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from idmqa.api.web import PAGE_CSP

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
#: What Chromium sends when it navigates.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def quoted(server: str) -> dict:
    """The most-quoted person of the report, as GET /speakers/{id} gives them."""
    first = httpx.get(f"{server}/speakers", timeout=30).json()["speakers"][0]
    return httpx.get(f"{server}/speakers/{first['id']}", timeout=30).json()


@pytest.fixture(scope="module")
def statement(server: str, quoted: dict) -> dict:
    """A passage reporting that person, with neighbours on both sides (as JSON)."""
    for row in quoted["passages"]:
        detail = httpx.get(f"{server}/passages/{row['id']}", timeout=30).json()
        if detail["previous"] and detail["next"]:
            return detail
    pytest.fail("no statement with neighbours on both sides")


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (BROWSER_ACCEPT, True),
        ("text/html", True),
        ("application/json", False),
        ("*/*", False),
        (None, False),
        ("text/html;q=0.5, application/json", False),
        ("text/html;q=garbage", False),
    ],
)
def test_the_accept_header_chooses_a_page_or_json(
    server: str, statement: dict, quoted: dict, accept: str | None, html: bool
) -> None:
    headers = {"Accept": accept} if accept else {}
    for path in (f"/passages/{statement['id']}", f"/speakers/{quoted['id']}"):
        r = httpx.get(f"{server}{path}", headers=headers, timeout=30)
        assert r.status_code == 200 and "Accept" in r.headers["vary"]
        if html:
            assert r.headers["content-type"].startswith("text/html")
            assert r.headers["content-security-policy"] == PAGE_CSP
            assert "<script>" not in r.text and " on" not in r.text.split("<body>")[0]
        else:
            assert r.headers["content-type"].startswith("application/json")
            assert r.json()["id"] in path


def test_pages_take_the_language_asked_and_refuse_others(server: str, statement: dict) -> None:
    url = f"{server}/passages/{statement['id']}"
    html = {"Accept": "text/html"}
    assert '<html lang="es">' in httpx.get(url, params={"lang": "es"}, headers=html).text
    spanish_browser = {**html, "Accept-Language": "es-ES,es;q=0.9,en;q=0.8"}
    assert '<html lang="es">' in httpx.get(url, headers=spanish_browser).text
    german_browser = {**html, "Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
    assert '<html lang="en">' in httpx.get(url, headers=german_browser).text
    refused = httpx.get(url, params={"lang": "<b>de</b>"}, headers=html)
    assert refused.status_code == 422 and "lang" in refused.json()["detail"]
    assert "<b>" not in refused.text
    missing = httpx.get(f"{server}/passages/nope", headers=html)
    assert missing.status_code == 404


def test_json_citations_carry_the_short_title(server: str, statement: dict) -> None:
    assert statement["citation"]["short_title"] == "IDM n° 28 (2018)"


# --- in Chromium ------------------------------------------------------------------------------


@pytest.fixture
def phone(browser, server: str) -> Iterator[object]:
    """A page at a phone's width, in English, allowed to use the clipboard; its console
    errors in ``page.errors``."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    yield page
    context.close()


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width


def test_passage_page_links_people_neighbours_and_copies_its_citation(
    phone, server: str, statement: dict, quoted: dict
) -> None:
    phone.goto(f"{server}/passages/{statement['id']}")
    article = phone.locator("article.passage")
    assert article.get_attribute("data-passage-id") == statement["id"]
    assert " ".join(article.inner_text().split()) == " ".join(statement["text"].split())
    sections = phone.locator("nav.section li").all_inner_texts()
    assert " › ".join(sections) == statement["citation"]["section"]
    _no_horizontal_scroll(phone)
    # The citation: short title, series number, ISBN, section, lines.
    citation = phone.locator("#citation").inner_text()
    first, last = statement["citation"]["lines"]
    lines = f"lines {first}–{last}" if last != first else f"line {first}"
    for part in ("IDM n° 28 (2018)", "No. 28", "ISBN 978-92-9068-780-1", lines):
        assert part in citation
    assert statement["citation"]["section"] in citation
    phone.get_by_role("button", name="Copy citation").click()
    phone.get_by_role("button", name="Citation copied").wait_for()
    assert phone.evaluate("() => navigator.clipboard.readText()") == citation
    # Neighbours, both ways.
    phone.locator("a[rel=next]").click()
    phone.wait_for_url(f"**/passages/{statement['next']}**")
    assert article.get_attribute("data-passage-id") == statement["next"]
    phone.locator("a[rel=prev]").click()
    phone.wait_for_url(f"**/passages/{statement['id']}**")
    # The person speaking links to their page.
    phone.get_by_role("link", name=quoted["name"], exact=True).first.click()
    phone.wait_for_url(f"**/speakers/{quoted['id']}**")
    assert phone.locator("h1").inner_text() == quoted["name"]
    assert not phone.errors


def test_speaker_page_lists_roles_agenda_and_every_statement(
    phone, server: str, quoted: dict
) -> None:
    phone.goto(f"{server}/speakers/{quoted['id']}?lang=fr")
    assert phone.evaluate("() => document.documentElement.lang") == "fr"
    assert phone.locator("h1").inner_text() == quoted["name"]
    assert phone.locator("section.roles li").all_inner_texts() == quoted["roles"]
    assert phone.locator("section.agenda li").count() == len(quoted["agenda"])
    statements = phone.locator("section.statements li")
    assert statements.count() == len(quoted["passages"]) == quoted["statements"]
    _no_horizontal_scroll(phone)
    last = quoted["passages"][-1]
    statements.last.get_by_role("link").click()
    phone.wait_for_url(f"**/passages/{last['id']}?lang=fr")
    assert phone.locator("article.passage").get_attribute("data-passage-id") == last["id"]
    assert phone.evaluate("() => document.documentElement.lang") == "fr"
    _no_horizontal_scroll(phone)
    assert not phone.errors
