"""Real headless Chromium for the browser tests of this package: one browser per module.

Chromium is Debian's ``/usr/bin/chromium``, driven by Playwright; nothing downloads a browser.
Without Chromium these tests skip, unless ``IDMQA_REQUIRE_BROWSER=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

import pytest

from tests.helpers import BROWSER_TIMEOUT_MS, chromium


@pytest.fixture(scope="module")
def browser():
    # Per module, not per session: Playwright's sync API keeps an event loop running in this
    # thread while a browser is open, and later tests call asyncio.run().
    with chromium() as b:
        yield b


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
