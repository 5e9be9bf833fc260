"""/docs works without internet: Swagger UI's assets come from this server, under its CSP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
import uvicorn

from idmqa.api.app import create_app
from idmqa.settings import Settings
from tests.helpers import chromium, free_port, wait_until_listening


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn on 127.0.0.1 serving the app; /docs needs no index (none here)."""
    settings = Settings(index_dir=tmp_path_factory.mktemp("no-index"), index_poll_seconds=0)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until_listening(url)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def test_docs_render_offline_in_chromium(base: str) -> None:
    blocked: list[str] = []
    violations: list[str] = []

    def no_network(route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    with chromium() as browser:
        page = browser.new_page()
        page.route("**/*", no_network)
        page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and violations.append(m.text),
        )
        response = page.goto(f"{base}/docs")
        assert response is not None and response.status == 200
        assert "'self'" in response.headers["content-security-policy"]
        assert "https:" not in response.headers["content-security-policy"]
        title = page.locator(".swagger-ui .info .title")
        title.wait_for(timeout=30_000)
        assert "idmqa" in title.inner_text()
        # the operations are listed: the OpenAPI description was loaded and rendered
        page.locator(".opblock-summary-path", has_text="/ask").first.wait_for()
    assert blocked == [] and violations == []
