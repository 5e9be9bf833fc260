"""Real headless Chromium for the browser tests of this package: one browser per session.

Chromium is Debian's ``/usr/bin/chromium``, driven by Playwright; nothing downloads a browser.
Without Chromium these tests skip, unless ``IDMQA_REQUIRE_BROWSER=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.helpers import BROWSER_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        if os.environ.get("IDMQA_REQUIRE_BROWSER"):
            pytest.fail("/usr/bin/chromium is missing (apt-get install -y chromium)")
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh page (its own context: cookies and sessionStorage) of an English desktop; it
    records dialogs and console errors."""
    context = browser.new_context(locale="en-US", viewport={"width": 1100, "height": 760})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.console_errors = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    yield pg
    context.close()
