"""Access control, rate limits, body limits, bad input and headers, on a real server.

Clients with another address than 127.0.0.1 bind to other loopback addresses (127.0.0.x):
everything stays on the loopback interface.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from idmqa.settings import Settings
from tests.helpers import client, running_server

KEY, LIMITED_KEY = "test-key-1", "test-key-2"
#: A key with non-ASCII characters, sent as its UTF-8 bytes.
UTF8_KEY = "clé-ünïcødé-3"
#: The only address whose X-Forwarded-For the guarded server trusts.
PROXY = "127.0.0.5"


@pytest.fixture(scope="module")
def guarded(settings: Settings, manifest: dict, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A server with keys, a 40/minute limit per client and key, a 2 KiB body limit and one
    trusted proxy address; and its access log."""
    log = tmp_path_factory.mktemp("log") / "access.log"
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_API_KEYS": f"{KEY},{LIMITED_KEY},{UTF8_KEY}",
        "IDMQA_RATE_LIMIT": "40/minute",
        "IDMQA_MAX_BODY_BYTES": "2048",
        "IDMQA_MAX_QUESTION_CHARS": "300",
        "IDMQA_TRUSTED_PROXIES": PROXY,
    }
    with running_server(env, log) as base:
        yield base, log


def _ask(base: str, body: object = None, key: str | None = KEY, **kw) -> httpx.Response:
    headers = {"X-API-Key": key} if key else {}
    return httpx.post(f"{base}/ask", json=body, headers=headers, timeout=30, **kw)


def test_keys_are_required_except_on_probes(guarded) -> None:
    base, _ = guarded
    assert _ask(base, {"question": "OIM"}, key=None).status_code == 401
    wrong = _ask(base, {"question": "OIM"}, key="nope")
    assert wrong.status_code == 401 and "API key" in wrong.json()["detail"]
    assert _ask(base, {"question": "OIM"}).status_code == 200
    bearer = httpx.get(
        f"{base}/ask", params={"q": "OIM"}, headers={"Authorization": f"Bearer {KEY}"}, timeout=30
    )
    assert bearer.status_code == 200
    assert httpx.get(f"{base}/health").status_code == 200
    assert httpx.get(f"{base}/ready").status_code == 200


def test_rate_limit_answers_429_with_retry_after(guarded) -> None:
    base, _ = guarded
    codes = [
        _ask(base, {"question": "fonds d'amorçage", "k": 1}, key=LIMITED_KEY).status_code
        for _ in range(41)
    ]
    assert codes[:40] == [200] * 40 and codes[40] == 429
    limited = _ask(base, {"question": "x"}, key=LIMITED_KEY)
    assert int(limited.headers["retry-after"]) >= 1
    assert "rate limit" in limited.json()["detail"]


BAD_BODIES = [
    (b"{not json", "json"),
    (b'{"question": "\\ud800"}', "unicode"),
    (b'{"question": "bonjour\\u0000"}', "control character"),
    (b'{"question": "\xff\xfe invalid utf-8"}', ""),
    (json.dumps({"question": "x" * 301}).encode(), "300 characters"),
    (json.dumps({"question": ["a"]}).encode(), "question"),
    (json.dumps({"question": "x", "k": "five"}).encode(), "k"),
    (
        json.dumps({"question": "x", "filters": {"speaker": "Nobody Atall"}}).encode(),
        "filters.speaker",
    ),
    (b"[]", ""),
    (b"null", ""),
]


@pytest.mark.parametrize(("raw", "says"), BAD_BODIES)
def test_bad_bodies_get_a_4xx_json_error(guarded, raw: bytes, says: str) -> None:
    base, _ = guarded
    r = httpx.post(
        f"{base}/ask",
        content=raw,
        timeout=30,
        headers={"X-API-Key": KEY, "content-type": "application/json"},
    )
    assert 400 <= r.status_code < 500, r.text
    assert says.lower() in r.json()["detail"].lower()
    assert "<" not in r.headers.get("content-type", "") and r.headers["content-type"].startswith(
        "application/json"
    )


def test_large_bodies_are_413_with_or_without_content_length(guarded) -> None:
    base, _ = guarded
    big = json.dumps({"question": "x" * 5000}).encode()
    r = httpx.post(
        f"{base}/ask",
        content=big,
        timeout=30,
        headers={"X-API-Key": KEY, "content-type": "application/json"},
    )
    assert r.status_code == 413 and "2048" in r.json()["detail"]

    def chunks():
        for i in range(0, len(big), 512):
            yield big[i : i + 512]

    streamed = httpx.post(
        f"{base}/ask",
        content=chunks(),
        timeout=30,
        headers={"X-API-Key": KEY, "content-type": "application/json"},
    )
    assert streamed.status_code == 413


@pytest.mark.parametrize(
    ("pid", "status"),
    [("../../etc/passwd", 404), ("..%2F..%2Fmanifest.json", 404), ("%00", 404), ("a" * 500, 422)],
)
def test_path_tricks_in_passage_ids_are_404(guarded, pid: str, status: int) -> None:
    base, _ = guarded
    r = httpx.get(f"{base}/passages/{pid}", headers={"X-API-Key": KEY}, timeout=30)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    assert pid[:20] not in r.text  # never echoed


def test_security_headers_and_access_log_without_keys(guarded) -> None:
    base, log = guarded
    r = _ask(base, {"question": "Qu'est-ce que le MiGOF ?", "k": 2})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "x-idmqa-passages" not in r.headers
    page = httpx.get(f"{base}/")
    assert "script-src" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    asks = [e for e in lines if e["path"] == "/ask" and e["status"] == 200]
    assert asks and asks[-1]["passages"] == 2 and asks[-1]["ms"] >= 0
    assert KEY not in log.read_text() and LIMITED_KEY not in log.read_text()
    assert any(e["status"] == 401 for e in lines)


def test_non_ascii_keys_match_as_utf8(guarded) -> None:
    """Attack 12: the header was read as latin-1 and compared as UTF-8: such a key never matched."""
    base, _ = guarded
    sent = httpx.get(
        f"{base}/speakers", params={"q": "arbour"}, headers={"X-API-Key": UTF8_KEY.encode()}
    )
    assert sent.status_code == 200
    bearer = {"Authorization": b"Bearer " + UTF8_KEY.encode()}
    assert httpx.get(f"{base}/speakers", params={"q": "arbour"}, headers=bearer).status_code == 200
    latin1 = httpx.get(
        f"{base}/speakers", headers={"X-API-Key": UTF8_KEY.encode("latin-1", "replace")}
    )
    assert latin1.status_code == 401


def test_failed_authentication_is_rate_limited_per_client(guarded) -> None:
    """Attack 8: 1,000 wrong keys in 2 s were all 401, never 429. The default allows 10 per
    minute and client; then every guarded request of that client is 429, its key right or not."""
    base, _ = guarded
    with client("127.0.0.3") as guesser:
        codes = [
            guesser.get(f"{base}/speakers", headers={"X-API-Key": f"guess-{n}"}).status_code
            for n in range(30)
        ]
        assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}, codes
        locked = guesser.get(f"{base}/speakers", headers={"X-API-Key": KEY})
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
    with client("127.0.0.1") as other:  # another client is not locked out
        assert other.get(f"{base}/speakers", headers={"X-API-Key": KEY}).status_code == 200


def test_forwarded_for_is_ignored_unless_from_a_trusted_proxy(guarded) -> None:
    """Attack 5: 60 requests from loopback with distinct X-Forwarded-For values all passed a
    10/minute limit, and "garbage-not-an-ip" was logged as the client."""
    base, log = guarded
    with client("127.0.0.4") as forger:
        codes = [
            forger.get(
                f"{base}/passages/nope",
                headers={"X-Forwarded-For": f"10.0.{n}.1" if n % 2 else "garbage-not-an-ip"},
            ).status_code
            for n in range(60)
        ]
    assert codes[:40] == [404] * 40 and set(codes[40:]) == {429}, codes
    with client(PROXY) as proxy:  # the trusted proxy: each forwarded client counts alone
        for n in range(45):
            forwarded = proxy.get(
                f"{base}/passages/nope", headers={"X-Forwarded-For": f"garbage, 10.9.{n}.1"}
            )
            assert forwarded.status_code == 404, n
        garbled = proxy.get(f"{base}/passages/nope", headers={"X-Forwarded-For": "garbage"})
        assert garbled.status_code == 404
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    clients = {e["client"] for e in lines}
    assert "garbage-not-an-ip" not in clients and "garbage" not in clients
    assert {"127.0.0.4", "10.9.44.1", PROXY} <= clients
    assert not any(c.startswith("10.0.") for c in clients)


@pytest.fixture(scope="module")
def widget_keys(settings: Settings, manifest: dict, tmp_path_factory) -> Iterator[str]:
    """A server with a private key and public keys: one for a partner's widget (5/minute per
    client, 8/minute for the key in all), one for the search page."""
    env = {
        "IDMQA_INDEX_DIR": str(settings.index_dir),
        "IDMQA_API_KEYS": KEY,
        "IDMQA_PUBLIC_KEYS": f"{WIDGET_KEY}={PARTNER}, {PAGE_KEY}=self",
        "IDMQA_PUBLIC_RATE_LIMIT": "5/minute",
        "IDMQA_KEY_RATE_LIMIT": "8/minute",
    }
    with running_server(env, tmp_path_factory.mktemp("log") / "access.log") as base:
        yield base


WIDGET_KEY, PAGE_KEY, PARTNER = "pk-partner", "pk-page", "http://partner.test:8080"


def test_one_client_cannot_spend_a_partners_budget(widget_keys: str) -> None:
    """Attack 3: the limit was per key, and the key is in the partner's page: 25 requests from
    a script made the partner's widget say "Too many questions at once" to every visitor."""
    base = widget_keys
    headers = {"X-API-Key": WIDGET_KEY, "Origin": PARTNER}

    def ask(who: httpx.Client) -> int:
        return who.post(
            f"{base}/ask", json={"question": "MiGOF", "k": 1}, headers=headers
        ).status_code

    with client("127.0.0.6") as script:
        codes = [ask(script) for _ in range(25)]
    assert codes[:5] == [200] * 5 and set(codes[5:]) == {429}, codes
    with client("127.0.0.1") as visitor:  # the partner's visitors still get answers
        assert [ask(visitor) for _ in range(3)] == [200] * 3
    with client("127.0.0.7") as late:  # until the key's own budget (8/minute) is spent
        refused = late.post(f"{base}/ask", json={"question": "MiGOF"}, headers=headers)
        assert refused.status_code == 429 and "rate limit" in refused.json()["detail"]


def test_public_keys_only_ask_from_their_own_origin(widget_keys: str) -> None:
    base = widget_keys
    with client("127.0.0.8") as other:
        ask = {"json": {"question": "MiGOF", "k": 1}}
        elsewhere = {"X-API-Key": WIDGET_KEY, "Origin": "http://evil.test"}
        assert other.post(f"{base}/ask", headers=elsewhere, **ask).status_code == 403
        speakers = {"X-API-Key": WIDGET_KEY, "Origin": PARTNER}
        assert other.get(f"{base}/speakers", headers=speakers).status_code == 403
        # The page's key works from the page only: browsers mark its requests same-origin.
        assert other.post(f"{base}/ask", headers={"X-API-Key": PAGE_KEY}, **ask).status_code == 403
        page = {"X-API-Key": PAGE_KEY, "Sec-Fetch-Site": "same-origin"}
        assert other.post(f"{base}/ask", headers=page, **ask).status_code == 200
        # The private key is unrestricted; citation links need no key at all.
        assert other.get(f"{base}/speakers", headers={"X-API-Key": KEY}).status_code == 200
        answer = other.get(f"{base}/ask", params={"q": "MiGOF", "k": 1}, headers={"X-API-Key": KEY})
        link = other.get(f"{base}/passages/{answer.json()['passages'][0]['id']}")
        assert link.status_code == 200
    assert PAGE_KEY in httpx.get(f"{base}/").text  # the search page carries its key


def test_readable_pages_open_like_citation_links_the_rest_keyed(widget_keys: str) -> None:
    """A citation link leads to a passage page, whose people link to their pages: a browser
    follows both without a key; listing or searching people still needs one."""
    base = widget_keys
    with client("127.0.0.10") as browser:
        html = {"Accept": "text/html"}
        assert browser.get(f"{base}/speakers/louise-arbour", headers=html).status_code == 200
        assert browser.get(f"{base}/pages.css").status_code == 200
        assert browser.get(f"{base}/speakers", params={"q": "Arbour"}).status_code == 401
        # The widget's other calls take a public key, from its own page only (the partner's
        # key has spent its budget in the test above: the search page's is used).
        page = {"X-API-Key": PAGE_KEY, "Sec-Fetch-Site": "same-origin"}
        assert browser.get(f"{base}/starters", headers=page).status_code == 200
        elsewhere = {"X-API-Key": PAGE_KEY, "Sec-Fetch-Site": "cross-site"}
        assert browser.get(f"{base}/starters", headers=elsewhere).status_code == 403
