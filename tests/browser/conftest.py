"""Fixtures of the browser tests: the site on a live server thread over the transactional test
database, and a 360 px phone context of Debian's chromium driven by Playwright."""

from __future__ import annotations

import pytest
from django.db import connections

from tests.browser.live import CHROMIUM, CHROMIUM_ARGS, HEIGHT, MISSING, TIMEOUT_MS, WIDTH
from tests.live import running_site


@pytest.fixture
def server(transactional_db):
    """The site on a free local port for the browser; its URL."""
    with running_site() as url:
        yield url


@pytest.fixture
def browser_context(monkeypatch):
    if MISSING:
        pytest.fail(f"CI=true and the browser test cannot run: {MISSING}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test's own
    # assertions are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT},
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()
            browser.close()
            # Inside Playwright's sync API the test's ORM calls get a connection of their own
            # (Django's connections are context-local); close it here, where it was opened, or
            # PostgreSQL refuses to drop the test database at the end.
            connections.close_all()
