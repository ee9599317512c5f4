"""What the browser tests share: Debian's chromium, a 360 px phone, and the reason to skip.

The fixtures (``server``, ``browser_context``) are in ``conftest.py``; a test module skips itself
with :data:`MISSING` (except under ``CI=true``, where a missing browser fails the run).
"""

from __future__ import annotations

import os
import time

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTH, HEIGHT = 360, 740
TIMEOUT_MS = 15_000


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[dev]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)"
    return None


MISSING = _missing()
IN_CI = os.environ.get("CI") == "true"


def wait_until(page, expression: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until the JavaScript ``expression`` (or the promise it gives) is true, polling from
    here: Playwright's ``wait_for_function`` evaluates a string inside the page, which the
    Content-Security-Policy refuses (no eval); ``page.evaluate`` is not under the policy."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout_ms} ms: {expression}"
        page.wait_for_timeout(100)


def assert_no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} scrolls sideways: {width} px"


def sign_in(page, base: str, username: str = "beat", next_url: str = "/m/") -> None:
    """Sign in on the login page as a user of the test county; lands on ``next_url``."""
    from tests.county import PASSWORD

    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(f"{base}{next_url}")
