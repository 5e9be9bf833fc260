"""POST /context, POST /verify and /passages/{id}?around=n through a real server."""

from __future__ import annotations

import httpx
import pytest

from idmqa.api.llm import ContextResponse, VerifyResponse
from idmqa.api.schemas import PassageDetail
from idmqa.tokens import count_tokens

ARBOUR_374 = "idm-28-2018-partenariats.fr:374-374"
FIRST = "idm-28-2018-partenariats.fr:24-24"  # the mission statement: nothing before it


def _post(server: str, path: str, body: object) -> httpx.Response:
    return httpx.post(f"{server}{path}", json=body, timeout=60)


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_context_is_cited_and_within_the_budget(server: str, encoding: str) -> None:
    body = {
        "question": "What did Louise Arbour say about sovereignty?",
        "max_tokens": 400,
        "encoding": encoding,
        "k": 4,
    }
    r = _post(server, "/context", body)
    assert r.status_code == 200, r.text
    packed = ContextResponse.model_validate(r.json())
    assert packed.tokens == count_tokens(packed.context, encoding) <= 400
    assert packed.encoding == encoding and packed.answerable
    assert [c.n for c in packed.citations] == list(range(1, len(packed.citations) + 1))
    for c in packed.citations:
        assert f"[{c.n}] IDM n° 28 (2018) — " in packed.context
        assert c.citation.document == "idm-28-2018-partenariats.fr"
    assert ARBOUR_374 in [c.id for c in packed.citations]


def test_context_defaults_and_filters(server: str) -> None:
    r = _post(
        server,
        "/context",
        {
            "question": "Qu'a-t-il dit des données ?",
            "max_tokens": 3000,
            "filters": {"speaker": "Vitorino"},
            "history": [{"role": "user", "content": "Qui est António Vitorino ?"}],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["encoding"] == "cl100k_base" and body["question"] == "Qu'a-t-il dit des données ?"
    assert body["interpreted_as"] == "Qu'a dit António Vitorino des données ?"
    assert body["citations"] and all(
        "antonio-vitorino" in [s["id"] for s in c["citation"]["speakers"]]
        for c in body["citations"]
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": "x", "max_tokens": 0}, "max_tokens"),
        ({"question": "x"}, "max_tokens"),
        ({"question": "x", "max_tokens": 10, "encoding": "p50k_base"}, "encoding"),
        ({"question": "x", "max_tokens": 10, "k": 51}, "k"),
        ({"question": "  ", "max_tokens": 10}, "question"),
        (
            {"question": "x", "max_tokens": 10, "history": [{"role": "system", "content": "x"}]},
            "history.0.role",
        ),
        ({"question": "x", "max_tokens": 10, "filters": {"kind": ["poem"]}}, "filters.kind"),
    ],
)
def test_bad_context_requests_name_the_field(server: str, body: dict, field: str) -> None:
    r = _post(server, "/context", body)
    assert r.status_code == 422 and field in r.json()["detail"]


def test_verify_says_whom_the_report_credits(server: str) -> None:
    r = _post(
        server,
        "/verify",
        {"quote": "Migration is a common good. It requires common action.", "speaker": "Arbour"},
    )
    assert r.status_code == 200, r.text
    check = VerifyResponse.model_validate(r.json())
    assert check.verdict == "paraphrase" and check.language == "en"
    best = check.matches[0]
    assert best.text == "La migration est un bien commun. Elle exige une action commune."
    assert [s.id for s in check.credited] == ["william-lacy-swing"]
    assert check.attribution.status == "misattributed"
    assert check.attribution.message == (
        "the report attributes this to William Lacy Swing, not to Louise Arbour"
    )


def test_verify_verbatim_and_not_found(server: str) -> None:
    verbatim = _post(server, "/verify", {"quote": "Aucun État n'est en mesure de gérer seul"})
    body = verbatim.json()
    assert body["verdict"] == "verbatim" and body["attribution"] is None
    assert body["matches"][0]["citation"]["speakers"][0]["id"] == "el-habib-nadir"
    invented = _post(server, "/verify", {"quote": "Le Japon accueillera l'IDM de 2019 à Tokyo."})
    assert invented.json()["verdict"] == "not_found" and invented.json()["credited"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quote": "   "}, "quote"),
        ({"quote": "x" * 2001}, "quote"),
        ({"speaker": "x"}, "quote"),
        ({"quote": "La migration est un bien commun.", "speaker": "a b c d e f g h i"}, "speaker"),
        ({"quote": "La migration est un bien commun.", "speaker": "x" * 101}, "speaker"),
    ],
)
def test_bad_quotes_name_the_field(server: str, body: dict, field: str) -> None:
    r = _post(server, "/verify", body)
    assert r.status_code == 422 and field in r.json()["detail"]


def test_passage_around_adds_its_neighbours(server: str) -> None:
    plain = httpx.get(f"{server}/passages/{ARBOUR_374}", timeout=30).json()
    assert "before" not in plain and "after" not in plain  # existing clients see no change
    around = httpx.get(f"{server}/passages/{ARBOUR_374}", params={"around": 2}, timeout=30)
    detail = PassageDetail.model_validate(around.json())
    assert len(detail.before) == 2 and len(detail.after) == 2
    assert detail.before[-1].id == plain["previous"] and detail.after[0].id == plain["next"]
    lines = [p.citation.lines[0] for p in [*detail.before, detail, *detail.after]]
    assert lines == sorted(lines)
    none = httpx.get(f"{server}/passages/{ARBOUR_374}", params={"around": 0}, timeout=30).json()
    assert none["before"] == [] and none["after"] == []
    first = httpx.get(f"{server}/passages/{FIRST}", params={"around": 3}, timeout=30).json()
    assert first["previous"] is None and first["before"] == [] and len(first["after"]) == 3
    too_far = httpx.get(f"{server}/passages/{ARBOUR_374}", params={"around": 11}, timeout=30)
    assert too_far.status_code == 422 and "around" in too_far.json()["detail"]
