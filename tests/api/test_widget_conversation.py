"""The widget as a conversation, in real headless Chromium against a real idmqa server: the
history sent with follow-ups, kept over a reload, "new conversation", starters and next-step
chips, votes stored in the server's SQLite file, the interface languages, and the search page
at phone width.

The host pages are given by the test (Playwright answers their address on the server's
origin); the widget, the server, its index and its database are the real ones.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from idmqa.settings import Settings
from tests.helpers import BROWSER_TIMEOUT_MS, running_server

#: The search page on a 360 px phone, 10 results: it was ~7,500 px before excerpts were folded
#: and citations shortened.
PHONE_PAGE_MAX_PX = 3_600


@pytest.fixture(scope="module")
def convo(settings: Settings, manifest: dict, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A real server over the session's index, with its own writable data directory."""
    data = tmp_path_factory.mktemp("data")
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_CORPUS_DIR": str(settings.corpus_dir),
        "IDMQA_DATA_DIR": str(data),
        "IDMQA_RATE_LIMIT": "",
    }
    with running_server(env) as base:
        yield base, data


def host(page, base: str, lang: str = "en", **data: str) -> None:
    """Open a host page (``<html lang>``) of the server's origin that embeds the widget."""
    attrs = "".join(f' data-{k}="{v}"' for k, v in data.items())
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>Host</title></head><body><h1>Host</h1>'
        f'<script src="/widget.js"{attrs} defer></script></body></html>'
    )
    page.route(f"{base}/host", lambda route: route.fulfill(content_type="text/html", body=html))
    page.goto(f"{base}/host")


def ask(page, question: str) -> dict:
    """Ask in the open widget; the JSON body the widget sent."""
    page.get_by_test_id("idmqa-input").fill(question)
    with page.expect_request("**/ask") as sent:
        page.get_by_test_id("idmqa-send").click()
    wait_answer(page)
    return sent.value.post_data_json


def wait_answer(page) -> None:
    page.get_by_test_id("idmqa-loading").wait_for(state="detached")


def shown_ids(page, turn: int = -1) -> list[str]:
    """The passage ids of one answer (by default the last) of the log."""
    return page.evaluate(
        """(turn) => {
          const root = document.querySelector('idmqa-widget').shadowRoot;
          const turns = [[]];
          for (const n of root.querySelector('[role=log]').children) {
            if (n.dataset.testid === 'idmqa-question') turns.push([]);
            if (n.dataset.testid === 'idmqa-passage') turns.at(-1).push(n.dataset.passageId);
          }
          return turns.at(turn);
        }""",
        turn,
    )


def test_a_follow_up_carries_the_history_and_shows_how_it_was_read(page, convo) -> None:
    base, _ = convo
    host(page, base)
    page.get_by_test_id("idmqa-launcher").click()
    first = "What did Vitorino say about data?"
    assert "history" not in ask(page, first)
    ids = shown_ids(page)
    assert ids
    follow_up = "And what did he say about the Global Compact?"
    sent = ask(page, follow_up)
    assert sent["question"] == follow_up
    assert sent["history"] == [{"question": first, "passage_ids": ids}]
    read = page.get_by_test_id("idmqa-interpreted")
    assert read.count() == 1  # the first question was read as asked: nothing shown for it
    assert "Vitorino" in read.inner_text() and "Global Compact" in read.inner_text()
    assert read.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") < 15  # discreet


def test_a_reload_keeps_the_conversation(page, convo) -> None:
    base, _ = convo
    host(page, base)
    page.get_by_test_id("idmqa-launcher").click()
    first = "Qui a financé l'IDM 2018 ?"
    ask(page, first)
    ids = shown_ids(page)
    page.reload()
    assert page.get_by_role("dialog").is_visible()  # it was open
    assert page.get_by_test_id("idmqa-question").all_inner_texts() == [first]
    assert shown_ids(page) == ids
    sent = ask(page, "Et M. Lauber ?")
    assert sent["history"] == [{"question": first, "passage_ids": ids}]
    assert page.get_by_test_id("idmqa-question").count() == 2


def test_a_service_without_conversations_is_asked_again_without_history(page, convo) -> None:
    """A server from before follow-ups refuses the unknown field; the widget still answers."""
    base, _ = convo
    sent = []

    def older_server(route) -> None:
        body = route.request.post_data_json
        sent.append(body)
        if "history" not in body:
            route.continue_()
            return
        error = {"loc": ["body", "history"], "msg": "Extra inputs are not permitted"}
        detail = {"detail": "history: extra inputs are not permitted", "errors": [error]}
        route.fulfill(status=422, content_type="application/json", body=json.dumps(detail))

    host(page, base)
    page.get_by_test_id("idmqa-launcher").click()
    ask(page, "What is the MiGOF?")
    page.route(f"{base}/ask", older_server)
    ask(page, "What are its principles?")
    assert [("history" in body) for body in sent] == [True, False]
    assert len(shown_ids(page)) == 5
    assert page.get_by_role("alert").count() == 0


def test_new_conversation_clears_it(page, convo) -> None:
    base, _ = convo
    host(page, base)
    page.get_by_test_id("idmqa-launcher").click()
    ask(page, "What is the MiGOF?")
    new = page.get_by_role("button", name="New conversation")
    new.click()
    assert page.get_by_test_id("idmqa-question").count() == 0
    assert page.get_by_test_id("idmqa-passage").count() == 0
    assert page.evaluate("Object.keys(sessionStorage).length") == 1  # the widget's own entry
    assert '"turns":[]' in page.evaluate("sessionStorage.getItem(Object.keys(sessionStorage)[0])")
    assert "history" not in ask(page, "Who financed the IDM 2018?")
    page.reload()
    assert page.get_by_test_id("idmqa-question").all_inner_texts() == ["Who financed the IDM 2018?"]


def test_starters_then_more_from_a_speaker_and_who_else(page, convo) -> None:
    base, _ = convo
    starters = httpx.get(f"{base}/starters", params={"lang": "en"}, timeout=30).json()["starters"]
    host(page, base)
    page.get_by_test_id("idmqa-launcher").click()
    offered = page.get_by_test_id("idmqa-starters").get_by_role("button")
    offered.first.wait_for()
    assert offered.all_inner_texts() == starters[: offered.count()]
    with page.expect_request("**/ask") as sent:
        offered.first.click()
    wait_answer(page)
    assert sent.value.post_data_json["question"] == starters[0]
    assert page.get_by_test_id("idmqa-starters").count() == 0  # gone after the first question
    more = page.get_by_test_id("idmqa-more-from").first
    name = more.inner_text().removeprefix("More from ")
    with page.expect_request("**/ask") as sent:
        more.click()
    wait_answer(page)
    speaker = sent.value.post_data_json["filters"]["speaker"]
    assert speaker and sent.value.post_data_json["history"]
    assert page.get_by_test_id("idmqa-question").last.inner_text() == f"More from {name}"
    cards = shown_ids(page)
    assert cards
    for pid in cards:
        detail = httpx.get(f"{base}/passages/{pid}", timeout=30).json()
        assert speaker in [s["id"] for s in detail["citation"]["speakers"]]
    who = page.get_by_test_id("idmqa-who-else").last
    who.click()
    assert who.get_attribute("aria-expanded") == "true"
    facet = page.get_by_test_id("idmqa-facet").last.get_by_role("button")
    assert facet.count() >= 1 and name in " ".join(facet.all_inner_texts())


def test_same_section_shows_the_passages_around_the_first(page, convo) -> None:
    base, _ = convo
    host(page, base)
    page.get_by_test_id("idmqa-launcher").click()
    ask(page, "What is the capacity-building mechanism?")
    first = shown_ids(page)[0]
    section = httpx.get(f"{base}/passages/{first}", timeout=30).json()["citation"]["section"]
    page.get_by_test_id("idmqa-same-section").first.click()
    box = page.get_by_test_id("idmqa-section")
    box.wait_for()
    around = box.get_by_test_id("idmqa-passage")
    ids = [around.nth(i).get_attribute("data-passage-id") for i in range(around.count())]
    assert first in ids
    for pid in ids:
        detail = httpx.get(f"{base}/passages/{pid}", timeout=30).json()
        assert detail["citation"]["section"] == section


def test_a_vote_lands_in_the_database_and_only_on_a_click(page, convo) -> None:
    base, data = convo
    posted = []
    page.on("request", lambda r: r.url.endswith("/feedback") and posted.append(r))
    host(page, base)
    page.get_by_test_id("idmqa-launcher").click()
    question = "Who financed the IDM 2018?"
    ask(page, question)
    ids = shown_ids(page)
    page.wait_for_load_state("networkidle")
    assert posted == []  # nothing sent without a click
    up = page.get_by_role("button", name="Helpful answer", exact=True)
    up.click()
    page.get_by_text("Thanks for your feedback.").wait_for()
    assert up.get_attribute("aria-pressed") == "true"
    wrong = page.get_by_test_id("idmqa-wrong").nth(1)
    wrong.click()
    page.get_by_test_id("idmqa-passage").nth(1).get_by_role("status").get_by_text(
        "Thanks"
    ).wait_for()
    up.dispatch_event("click")  # once is enough: a second click sends nothing
    page.wait_for_load_state("networkidle")
    assert len(posted) == 2
    with sqlite3.connect(data / "feedback.sqlite3") as db:
        rows = db.execute(
            "SELECT question, passage_id, vote, comment FROM votes ORDER BY id"
        ).fetchall()
    assert rows == [(question, None, "up", None), (question, ids[1], "down", "wrong passage")]


def test_the_interface_speaks_spanish(page, convo) -> None:
    base, _ = convo
    host(page, base, lang="es")
    launcher = page.get_by_test_id("idmqa-launcher")
    assert launcher.get_attribute("aria-label") == "Abrir el asistente"
    launcher.click()
    assert page.get_by_test_id("idmqa-input").get_attribute("placeholder") == "Haga una pregunta…"
    assert page.get_by_role("button", name="Nueva conversación").is_visible()
    starters = httpx.get(f"{base}/starters", params={"lang": "es"}, timeout=30).json()["starters"]
    offered = page.get_by_test_id("idmqa-starters").get_by_role("button")
    offered.first.wait_for()
    assert offered.all_inner_texts() == starters[: offered.count()]
    ask(page, "¿Quién financió el DIM 2018?")
    assert page.get_by_role("button", name="Respuesta útil", exact=True).count() == 1
    assert "leer en contexto" in page.get_by_test_id("idmqa-citation").first.inner_text()
    page.route(f"{base}/ask", lambda route: route.fulfill(status=503, body="{}"))
    ask(page, "otra pregunta")
    assert "Inténtelo de nuevo" in page.get_by_role("alert").inner_text()


def test_the_search_page_fits_a_phone(browser, convo) -> None:
    base, _ = convo
    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        pg = context.new_page()
        pg.goto(f"{base}/?q=Qu%27est-ce+que+le+MiGOF+%3F")
        wait_answer(pg)
        assert pg.get_by_test_id("idmqa-passage").count() == 10
        size = pg.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert size[0] <= 360  # no horizontal scroll
        assert size[1] <= PHONE_PAGE_MAX_PX, size
        unfold = pg.get_by_test_id("idmqa-unfold")
        assert unfold.count() >= 1  # long excerpts are folded...
        unfold.first.click()  # ...and open on demand
        assert unfold.first.get_attribute("aria-expanded") == "true"
    finally:
        context.close()
