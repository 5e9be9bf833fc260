"""The embeddable widget and the search page, in real headless Chromium.

A partner page is served from a second HTTP server on 127.0.0.1 (another port, so another
origin); idmqa runs as a real server that lists that origin in ``IDMQA_CORS_ORIGINS``.
Chromium is Debian's ``/usr/bin/chromium``, driven by Playwright; nothing downloads a browser.
Without Chromium these tests skip, unless ``IDMQA_REQUIRE_BROWSER=1`` (set by ``.ci/run``).
Set ``IDMQA_UPDATE_SCREENSHOTS=1`` to rewrite ``docs/widget.png``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from idmqa.api.app import create_app
from idmqa.settings import Settings
from tests.helpers import ROOT, chromium, free_port, start_server, wait_ready

WIDGET_JS = ROOT / "src" / "idmqa" / "static" / "widget.js"
TIMEOUT_MS = 30_000

# Aggressive partner styles: inherited properties on body, and rules on the very tags the
# widget uses. None of them may reach the widget, and the widget must not change them.
PARTNER_CSS = """
  html { background: rgb(250, 240, 220); }
  body { font: 19px/1.9 Georgia, serif; color: rgb(40, 10, 90); margin: 30px;
         letter-spacing: 2px; text-transform: uppercase; text-align: right; }
  * { box-sizing: content-box; }
  button { background: rgb(255, 0, 255) !important; padding: 30px !important;
           font-size: 28px !important; border-radius: 0 !important; }
  p, article, strong { color: rgb(0, 110, 0); margin: 2em; }
  section, form, input, h2 { display: none; }
  div { border: 3px dashed red; }
  a { color: rgb(200, 0, 0); }
"""

PARTNER_BODY = """
  <h1>Partner site</h1>
  <p class="intro">Partner content about migration governance.</p>
  <div class="box">A boxed note.</div>
  <button id="own" type="button">Partner button</button>
  <a href="#top">A partner link</a>
"""

# Computed styles of the host page's own elements, compared with and without the widget.
SNAPSHOT_JS = """() => {
  const props = ["color", "background-color", "font-family", "font-size", "line-height",
    "margin", "padding", "display", "border", "letter-spacing", "text-transform",
    "text-align", "box-sizing", "position", "width", "height"];
  const out = {};
  for (const sel of ["html", "body", "h1", "p.intro", "div.box", "button#own", "a"]) {
    const cs = getComputedStyle(document.querySelector(sel));
    out[sel] = Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)]));
  }
  out.styleSheets = document.styleSheets.length;
  out.head = [...document.head.children].map((e) => e.outerHTML);
  out.bodyElements = [...document.body.children]
    .filter((e) => e.tagName !== "SCRIPT" && e.tagName !== "IDMQA-WIDGET").length;
  return out;
}"""


def page_html(lang: str, body: str, script: str = "") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>Partner</title><style>{PARTNER_CSS}</style></head>"
        f"<body>{body}{script}</body></html>"
    )


def widget_tag(src: str, api: str, **data: str) -> str:
    attrs = "".join(f' data-{k}="{v}"' for k, v in data.items())
    return f'<script src="{src}/widget.js" data-api="{api}"{attrs} defer></script>'


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.requested.append(self.path)  # type: ignore[attr-defined]
        body = self.server.pages.get(self.path.split("?")[0])  # type: ignore[attr-defined]
        if body is None:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def partners() -> Iterator[tuple[ThreadingHTTPServer, ThreadingHTTPServer]]:
    """Two static sites on 127.0.0.1: a listed partner origin and a stranger origin."""
    servers = []
    for _ in range(2):
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
        httpd.pages = {}  # type: ignore[attr-defined]
        httpd.requested = []  # type: ignore[attr-defined]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
    try:
        yield servers[0], servers[1]
    finally:
        for httpd in servers:
            httpd.shutdown()
            httpd.server_close()


def origin(httpd: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture(scope="module")
def idmqa(settings: Settings, manifest: dict, partners) -> Iterator[str]:
    """A real idmqa server allowing the partner's origin (and only it) through CORS."""
    partner, stranger = partners
    port = free_port()
    proc = start_server(
        {
            "IDMQA_INDEX_DIR": str(settings.index_dir),
            "IDMQA_CORPUS_DIR": str(settings.corpus_dir),
            "IDMQA_CORS_ORIGINS": f" {origin(partner)}/ , https://partner.example.org",
        },
        port,
    )
    base = f"http://127.0.0.1:{port}"
    dead = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    partner.pages.update(  # type: ignore[attr-defined]
        {
            "/plain": page_html("en", PARTNER_BODY),
            "/": page_html(
                "en",
                PARTNER_BODY,
                widget_tag(base, base, k="3", accent="#00695c", title="Ask the IOM report"),
            ),
            "/down": page_html("fr", PARTNER_BODY, widget_tag(base, dead, position="bottom-left")),
            "/nice": page_html(
                "en",
                "<h1>IOM partner portal</h1><p>News and resources for partners.</p>",
                widget_tag(base, base, k="2"),
            ).replace(PARTNER_CSS, "body{font-family:sans-serif;margin:40px;color:#333}"),
        }
    )
    stranger.pages["/"] = page_html("en", PARTNER_BODY, widget_tag(base, base))  # type: ignore[attr-defined]
    # Attack 13: an accent that fetches a URL (the stranger's, which records requests), and an
    # API address that is not one.
    beacon = f"var(--x, url({origin(stranger)}/beacon))"
    partner.pages["/accent"] = page_html("en", PARTNER_BODY, widget_tag(base, base, accent=beacon))  # type: ignore[attr-defined]
    partner.pages["/badapi"] = page_html(
        "en", PARTNER_BODY, widget_tag(base, "javascript:alert(1)")
    )  # type: ignore[attr-defined]
    try:
        wait_ready(base, proc, timeout=300)  # the model loads slowly on a busy machine
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1100, "height": 760})
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.console_errors = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    yield pg
    context.close()


def shadow(page, js: str):
    """Evaluate ``js`` with ``root`` bound to the widget's (open) shadow root."""
    return page.evaluate(
        f"() => {{ const root = document.querySelector('idmqa-widget').shadowRoot; return {js}; }}"
    )


def answered(page):
    """Wait for the answer to a question and return its passages, unfolding them if the
    service judged the question unanswerable."""
    page.locator(
        "[data-testid=idmqa-passage], [data-testid=idmqa-no-answer], [role=alert]"
    ).first.wait_for(state="attached")
    page.get_by_test_id("idmqa-loading").wait_for(state="detached")
    folded = page.locator("details:not([open]) > summary")
    for i in range(folded.count()):
        folded.nth(i).click()
    return page.get_by_test_id("idmqa-passage")


# --- served assets and CORS, no browser ---------------------------------------------------


def test_widget_js_is_small_dependency_free_and_cached() -> None:
    client = TestClient(create_app(Settings()))
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age=" in r.headers["cache-control"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.content == WIDGET_JS.read_bytes()
    again = client.get("/widget.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and not again.content
    assert client.head("/widget.js").headers["content-length"] == str(len(r.content))
    source = r.text
    assert len(gzip.compress(r.content)) < 10_000
    # No HTML parsing of data, no imports, nothing fetched but the configured API.
    for banned in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "import ",
    ):
        assert banned not in source, banned
    urls = set(re.findall(r"https?://[^\s\"'<>]+", source))
    assert urls <= {"http://www.w3.org/2000/svg", "https://HOST/widget.js", "https://HOST"}, urls
    for testid in ("launcher", "input", "send", "passage", "citation"):
        assert f'"idmqa-{testid}"' in source


def test_search_page_is_served_with_a_strict_csp() -> None:
    r = TestClient(create_app(Settings())).get("/")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-cache"
    assert 'src="/widget.js"' in r.text and 'data-mode="page"' in r.text


def test_cors_origins_setting_parses_a_comma_separated_string(monkeypatch) -> None:
    monkeypatch.setenv("IDMQA_CORS_ORIGINS", " https://a.example/ ,, http://b.example:8080 ")
    assert Settings().cors_origin_list == ["https://a.example", "http://b.example:8080"]
    monkeypatch.delenv("IDMQA_CORS_ORIGINS")
    assert Settings().cors_origin_list == []


def test_no_origin_is_allowed_by_default() -> None:
    client = TestClient(create_app(Settings(cors_origins="")))
    preflight = client.options(
        "/ask",
        headers={
            "Origin": "https://partner.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers
    health = client.get("/health", headers={"Origin": "https://partner.example.org"})
    assert "access-control-allow-origin" not in health.headers


def test_cors_allows_listed_origins_only(idmqa: str, partners) -> None:
    partner, stranger = partners

    def preflight(who: str) -> httpx.Response:
        return httpx.options(
            f"{idmqa}/ask",
            headers={
                "Origin": who,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
            timeout=10,
        )

    ok = preflight(origin(partner))
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == origin(partner)
    assert preflight("https://partner.example.org").status_code == 200
    refused = preflight(origin(stranger))
    assert "access-control-allow-origin" not in refused.headers
    posted = httpx.post(
        f"{idmqa}/ask",
        json={"question": "MiGOF", "k": 1},
        headers={"Origin": origin(stranger)},
        timeout=30,
    )
    assert "access-control-allow-origin" not in posted.headers


# --- the widget on a partner page -------------------------------------------------------------


def test_partner_page_asks_and_gets_cited_passages(page, idmqa: str, partners) -> None:
    partner, _ = partners
    page.goto(f"{origin(partner)}/")
    launcher = page.get_by_test_id("idmqa-launcher")
    assert launcher.get_attribute("aria-label") == "Open the assistant"  # page is lang="en"
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.querySelector('idmqa-widget').shadowRoot !== null")
    launcher.click()
    assert launcher.get_attribute("aria-expanded") == "true"
    assert shadow(page, "root.activeElement && root.activeElement.dataset.testid") == "idmqa-input"
    page.get_by_test_id("idmqa-input").fill("Who financed the IDM 2018?")
    page.get_by_test_id("idmqa-send").click()
    passages = answered(page)
    assert passages.count() == 3  # data-k="3"
    citations = page.get_by_test_id("idmqa-citation")
    assert citations.count() == 3
    first = citations.first.text_content()
    assert "Dialogue international sur la migration" in first
    assert "line" in first
    link = citations.first.get_by_role("link")
    href = link.get_attribute("href")
    assert href.startswith(f"{idmqa}/passages/")
    detail = httpx.get(href, timeout=10)
    assert detail.status_code == 200
    assert detail.json()["id"] == passages.first.get_attribute("data-passage-id")
    assert passages.first.text_content().startswith(detail.json()["text"][:40])
    assert not page.console_errors


def test_host_page_styles_are_unchanged_and_do_not_leak_in(page, idmqa: str, partners) -> None:
    partner, _ = partners
    page.goto(f"{origin(partner)}/plain")
    before = page.evaluate(SNAPSHOT_JS)
    page.goto(f"{origin(partner)}/")
    page.get_by_test_id("idmqa-launcher").click()
    page.get_by_test_id("idmqa-input").fill("Qu'est-ce que le MiGOF ?")
    page.keyboard.press("Enter")
    answered(page).first.wait_for()
    assert page.evaluate(SNAPSHOT_JS) == before
    # ...and the partner's `button {… !important}`, `section {display:none}`, inherited font
    # and text-transform did not reach inside the widget.
    launcher = page.get_by_test_id("idmqa-launcher")
    style = launcher.evaluate(
        "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.paddingTop, "
        "s.borderTopLeftRadius]; }"
    )
    assert style == ["rgb(0, 105, 92)", "0px", "50%"]  # data-accent="#00695c"
    text = page.get_by_test_id("idmqa-passage").first.locator("p").first
    cs = text.evaluate(
        "e => { const s = getComputedStyle(e); return {font: s.fontFamily, tt: s.textTransform,"
        " ls: s.letterSpacing, color: s.color, align: s.textAlign}; }"
    )
    assert "Georgia" not in cs["font"]
    assert cs["tt"] == "none" and cs["ls"] == "normal" and cs["align"] == "left"
    assert cs["color"] == "rgb(27, 27, 31)"
    assert page.get_by_test_id("idmqa-input").is_visible()


def test_html_in_a_question_is_shown_as_text_never_run(page, idmqa: str, partners) -> None:
    partner, _ = partners
    question = (
        '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2</script>'
        "<b>Qui</b> a financé l'IDM 2018 ?"
    )
    page.goto(f"{origin(partner)}/")
    page.get_by_test_id("idmqa-launcher").click()
    page.get_by_test_id("idmqa-input").fill(question)
    page.get_by_test_id("idmqa-input").press("Enter")
    assert answered(page).count() > 0
    assert page.get_by_test_id("idmqa-question").last.text_content() == question
    assert shadow(page, "root.querySelectorAll('img, script, b').length") == 0
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []


def test_keyboard_only_and_escape_returns_focus(page, idmqa: str, partners) -> None:
    partner, _ = partners
    page.goto(f"{origin(partner)}/")
    page.get_by_test_id("idmqa-launcher").focus()
    page.keyboard.press("Enter")
    assert shadow(page, "root.activeElement.dataset.testid") == "idmqa-input"
    page.keyboard.type("MiGOF")
    page.keyboard.press("Tab")
    assert shadow(page, "root.activeElement.dataset.testid") == "idmqa-send"
    page.keyboard.press("Enter")
    assert answered(page).count() > 0
    dialog = page.get_by_role("dialog", name="Ask the IOM report")
    assert dialog.is_visible()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert shadow(page, "root.activeElement.dataset.testid") == "idmqa-launcher"
    assert page.get_by_test_id("idmqa-launcher").get_attribute("aria-expanded") == "false"


def test_fits_a_phone_width_screen(browser, idmqa: str, partners) -> None:
    partner, _ = partners
    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        pg = context.new_page()
        pg.goto(f"{origin(partner)}/")
        pg.get_by_test_id("idmqa-launcher").click()
        panel = pg.get_by_role("dialog")
        box = panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert box["y"] >= 0 and box["y"] + box["height"] <= 640
        send = pg.get_by_test_id("idmqa-send").bounding_box()
        assert send["x"] + send["width"] <= 360 and send["height"] >= 44
    finally:
        context.close()


def test_unreachable_api_shows_a_clear_message(page, idmqa: str, partners) -> None:
    partner, _ = partners
    page.goto(f"{origin(partner)}/down")  # lang="fr", data-api points at a closed port
    launcher = page.get_by_test_id("idmqa-launcher")
    assert launcher.get_attribute("aria-label") == "Ouvrir l’assistant"
    assert launcher.bounding_box()["x"] < 200  # data-position="bottom-left"
    launcher.click()
    page.get_by_test_id("idmqa-input").fill("Qui a financé l'IDM 2018 ?")
    page.get_by_test_id("idmqa-send").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "injoignable" in alert.text_content()
    assert page.get_by_test_id("idmqa-passage").count() == 0
    assert page.get_by_test_id("idmqa-send").is_enabled()


def test_an_origin_not_listed_is_refused_by_the_browser(page, idmqa: str, partners) -> None:
    _, stranger = partners
    page.goto(f"{origin(stranger)}/")
    page.get_by_test_id("idmqa-launcher").click()
    page.get_by_test_id("idmqa-input").fill("MiGOF")
    page.get_by_test_id("idmqa-send").click()
    page.get_by_role("alert").wait_for()
    assert "unreachable" in page.get_by_role("alert").text_content()
    assert page.get_by_test_id("idmqa-passage").count() == 0


# --- the search page (same components, same origin) -------------------------------------------


def test_search_page_runs_under_its_csp_and_links_passages(page, idmqa: str) -> None:
    page.goto(f"{idmqa}/?q=Qu%27est-ce+que+le+MiGOF+%3F")
    passages = answered(page)
    assert passages.count() == 10
    assert page.get_by_test_id("idmqa-input").input_value() == "Qu'est-ce que le MiGOF ?"
    send_bg = page.get_by_test_id("idmqa-send").evaluate("e => getComputedStyle(e).backgroundColor")
    assert send_bg == "rgb(0, 51, 160)"  # styles applied despite style-src 'self'
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
    link = page.get_by_test_id("idmqa-citation").first.get_by_role("link")
    with page.context.expect_page() as opened:
        link.click()
    detail = opened.value
    detail.wait_for_load_state()
    assert json.loads(detail.locator("body").inner_text())["id"] == passages.first.get_attribute(
        "data-passage-id"
    )
    page.get_by_test_id("idmqa-input").fill("Who opened the Geneva workshop?")
    page.get_by_test_id("idmqa-input").press("Enter")
    page.wait_for_url("**q=Who+opened*")
    assert answered(page).count() == 10


def _fulfil(route, status: int, body: dict, headers: dict | None = None) -> None:
    route.fulfill(
        status=status,
        content_type="application/json",
        headers=headers or {},
        body=json.dumps(body),
    )


def test_server_strings_are_text_and_highlights_bold(page, idmqa: str) -> None:
    text = "😀 Le <img src=x onerror=window.__pwned=3> fonds d'amorçage <b>finance</b> tout."
    start = text.index("fonds")
    spans = [[start, start + len("fonds d'amorçage")], [0, 1], [999, 1000]]
    passage = {
        "id": "doc:10-12",
        "rank": 1,
        "score": 0.5,
        "text": text,
        "tokens": 20,
        "highlights": spans,
        "citation": {
            "document": "doc",
            "title": "<script>window.__pwned=4</script>Rapport",
            "section": "2 > <em>Fonds</em>",
            "kind": "recommendation",
            "lines": [10, 12],
            "speakers": [{"id": "s1", "name": "<i>Ana</i> Pérez"}, {"id": "s2", "name": "B. Li"}],
        },
    }
    body = {
        "question": "q",
        "language": "fr",
        "passages": [passage],
        "answerable": True,
        "confidence": 0.9,
        "took_ms": 1.0,
    }
    page.route("**/ask", lambda route: _fulfil(route, 200, body))
    page.goto(f"{idmqa}/?q=fonds")
    card = page.get_by_test_id("idmqa-passage")
    card.wait_for()
    assert card.locator("strong").all_text_contents() == ["😀", "fonds d'amorçage"]
    assert card.locator("p").first.text_content() == text
    citation = page.get_by_test_id("idmqa-citation").text_content()
    assert "<script>window.__pwned=4</script>Rapport" in citation
    assert "2 > <em>Fonds</em>" in citation and "lines 10–12" in citation
    assert "Speakers: <i>Ana</i> Pérez, B. Li" in citation and "recommendation" in citation
    assert shadow(page, "root.querySelectorAll('img, script, b, i, em').length") == 0
    assert page.evaluate("window.__pwned") is None


def test_unanswerable_rate_limited_and_unavailable_messages(page, idmqa: str) -> None:
    replies = iter(
        [
            (
                200,
                {
                    "question": "q",
                    "language": "en",
                    "passages": [],
                    "answerable": False,
                    "confidence": 0.0,
                    "took_ms": 1.0,
                },
                {},
            ),
            (429, {"detail": "slow down"}, {"Retry-After": "7"}),
            (503, {"detail": "loading"}, {}),
            (422, {"detail": "question: too long"}, {}),
        ]
    )
    page.route("**/ask", lambda route: _fulfil(route, *next(replies)))
    page.goto(f"{idmqa}/")
    box = page.get_by_test_id("idmqa-input")

    def ask() -> str:
        box.fill("anything")
        box.press("Enter")
        page.get_by_test_id("idmqa-loading").wait_for(state="detached")
        return page.get_by_role("log").inner_text()

    assert "No relevant passage" in ask()
    assert "Try again in 7 s" in ask()
    assert "starting or unavailable" in ask()
    assert "question: too long" in ask()


def test_passages_of_an_unanswerable_question_are_shown_under_a_notice(page, idmqa: str) -> None:
    passage = {
        "id": "d:1-1",
        "rank": 1,
        "score": 0.1,
        "text": "Le passage le plus proche.",
        "tokens": 6,
        "highlights": [],
        "citation": {
            "document": "d",
            "title": "Rapport",
            "section": "Introduction",
            "kind": "paragraph",
            "lines": [1, 1],
            "speakers": [],
        },
    }
    reply = {
        "question": "q",
        "language": "en",
        "passages": [passage],
        "answerable": False,
        "confidence": 0.1,
        "took_ms": 1.0,
    }
    page.route("**/ask", lambda route: _fulfil(route, 200, reply, {}))
    page.goto(f"{idmqa}/")
    box = page.get_by_test_id("idmqa-input")
    box.fill("anything")
    box.press("Enter")
    page.get_by_test_id("idmqa-loading").wait_for(state="detached")
    notice = page.get_by_test_id("idmqa-maybe")
    assert "may not address this question" in notice.inner_text()
    card = page.get_by_test_id("idmqa-passage").first
    assert card.is_visible() and "Le passage le plus proche." in card.inner_text()
    assert page.get_by_test_id("idmqa-no-answer").count() == 0


def test_screenshot_for_the_readme(page, idmqa: str, partners, tmp_path: Path) -> None:
    partner, _ = partners
    page.goto(f"{origin(partner)}/nice")
    page.get_by_test_id("idmqa-launcher").click()
    page.get_by_test_id("idmqa-input").fill("Who financed the IDM 2018?")
    page.get_by_test_id("idmqa-send").click()
    answered(page).nth(1).wait_for()
    shot = tmp_path / "widget.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("IDMQA_UPDATE_SCREENSHOTS"):
        shutil.copyfile(shot, ROOT / "docs" / "widget.png")


# --- attacks on the widget (issue 17, attack 13) --------------------------------------------


def test_an_accent_is_a_colour_never_a_fetch(page, idmqa: str, partners) -> None:
    """data-accent="var(--x, url(http://…))" passed CSS.supports and the browser fetched it."""
    partner, stranger = partners
    page.goto(f"{origin(partner)}/accent")
    launcher = page.get_by_test_id("idmqa-launcher")
    launcher.click()
    page.get_by_test_id("idmqa-input").wait_for()
    background = launcher.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(0, 51, 160)"  # the default accent, the value was refused
    page.wait_for_load_state("networkidle")
    assert not [p for p in stranger.requested if p.startswith("/beacon")]


def test_an_invalid_api_address_falls_back_to_the_scripts_origin(
    page, idmqa: str, partners
) -> None:
    """data-api="javascript:…" made the widget call the page's own origin, not widget.js's."""
    partner, _ = partners
    page.goto(f"{origin(partner)}/badapi")
    page.get_by_test_id("idmqa-launcher").click()
    page.get_by_test_id("idmqa-input").fill("MiGOF")
    with page.expect_request("**/ask") as sent:
        page.get_by_test_id("idmqa-send").click()
    assert sent.value.url == f"{idmqa}/ask"
    assert answered(page).count() > 0


def test_malformed_answers_never_hang_the_widget(page, idmqa: str) -> None:
    """An `id` that cannot become a string threw and left "Searching…" until a reload; the
    kind `constructor` rendered as "function Object() { [native code] }"."""
    good = {
        "id": "doc:1-2",
        "text": "Un passage lisible.",
        "citation": {"kind": "constructor", "lines": ["x", {}], "speakers": [{"name": {}}]},
    }
    bodies = iter(
        [
            {"passages": [{"id": {"toString": "x", "valueOf": "y"}, "text": "bad"}, good, None, 5]},
            {"passages": [{"id": {"toString": "x"}, "text": {"toString": 1}}]},
            {"passages": {"length": 2}, "answerable": True},
        ]
    )
    page.route("**/ask", lambda route: _fulfil(route, 200, next(bodies)))
    page.goto(f"{idmqa}/")
    box = page.get_by_test_id("idmqa-input")

    def ask() -> str:
        box.fill("anything")
        box.press("Enter")
        page.get_by_test_id("idmqa-loading").wait_for(state="detached")
        assert page.get_by_test_id("idmqa-send").is_enabled()
        return page.get_by_role("log").inner_text()

    first = ask()
    assert page.get_by_test_id("idmqa-passage").count() == 1
    assert "Un passage lisible." in first and "constructor" in first
    assert "function" not in first and "[object" not in first
    assert "No relevant passage" in ask()
    assert "No relevant passage" in ask()
    assert not page.console_errors


# --- a server with API keys: the search page and the widget with public keys ----------------

PAGE_KEY, PARTNER_KEY = "page-key", "partner-clé"


@pytest.fixture(scope="module")
def keyed(settings: Settings, manifest: dict, partners) -> Iterator[str]:
    """A server with a private API key, and public keys for its own search page and for the
    partner's site (one with a non-ASCII character)."""
    partner, _ = partners
    port = free_port()
    proc = start_server(
        {
            "IDMQA_INDEX_DIR": str(settings.index_dir),
            "IDMQA_API_KEYS": "private-key",
            "IDMQA_PUBLIC_KEYS": f"{PAGE_KEY}=self,{PARTNER_KEY}={origin(partner)}",
        },
        port,
    )
    base = f"http://127.0.0.1:{port}"
    partner.pages["/keyed"] = page_html(  # type: ignore[attr-defined]
        "en", PARTNER_BODY, widget_tag(base, base, **{"api-key": PARTNER_KEY})
    )
    try:
        wait_ready(base, proc, timeout=300)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_with_keys_the_search_page_and_its_links_work(page, keyed: str) -> None:
    """Attack 11: with IDMQA_API_KEYS set, the search page got 401, and so did its links."""
    page.goto(f"{keyed}/?q=Qu%27est-ce+que+le+MiGOF+%3F")
    passages = answered(page)
    assert passages.count() == 10
    link = page.get_by_test_id("idmqa-citation").first.get_by_role("link")
    with page.context.expect_page() as opened:
        link.click()
    detail = opened.value
    detail.wait_for_load_state()
    shown = json.loads(detail.locator("body").inner_text())
    assert shown["id"] == passages.first.get_attribute("data-passage-id")
    # Outside the page, its key asks nothing.
    outside = httpx.post(
        f"{keyed}/ask", json={"question": "MiGOF"}, headers={"X-API-Key": PAGE_KEY}, timeout=30
    )
    assert outside.status_code == 403


def test_with_keys_a_partner_widget_asks_with_its_public_key(page, keyed: str, partners) -> None:
    partner, _ = partners
    page.goto(f"{origin(partner)}/keyed")
    page.get_by_test_id("idmqa-launcher").click()
    page.get_by_test_id("idmqa-input").fill("Who financed the IDM 2018?")
    page.get_by_test_id("idmqa-send").click()
    assert answered(page).count() == 5
    assert not page.console_errors
