"""The Content-Security-Policy in a real browser (Debian's chromium, driven by Playwright): the
pages of every kind — sign-in, the portal, the phone workspace with its service worker, the desk
pages, the unit tree's htmx buttons, the two-factor setup with its QR code, the API docs — load
and work without one violation of the policy. A deliberate inline script on the same pages is
reported, so the listener cannot pass by hearing nothing.

Skipped, with the reason, when ``/usr/bin/chromium`` or the ``playwright`` package is missing —
except under ``CI=true``, where a missing browser fails the run.
"""

from __future__ import annotations

import pytest

from tests.browser.live import IN_CI, MISSING, sign_in, wait_until

if MISSING and not IN_CI:
    pytest.skip(f"browser test skipped: {MISSING}", allow_module_level=True)

# The server thread needs committed data: a transactional test (tests/conftest.py then builds the
# county inside the test).
# The policy is the same whatever the database: one pass (scripts/test.sh, marker once_sqlite).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.once_sqlite]

# Runs in every page before its own scripts (Playwright's init script is not under the policy).
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(
  [e.effectiveDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(" ")));
"""


def violations(page) -> list[str]:
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations")


def open_page(page, url: str, log: list[str]) -> None:
    page.goto(url)
    found = violations(page)
    console = [m for m in log if "Content Security Policy" in m or "Permissions-Policy" in m]
    assert (found, console) == ([], []), url
    log.clear()


@pytest.fixture
def watched(browser_context):
    browser_context.add_init_script(LISTEN)
    page = browser_context.new_page()
    log: list[str] = []
    page.on("console", lambda message: log.append(message.text))
    return page, log


def test_the_listener_hears_a_violation(server, watched):
    page, _log = watched
    page.goto(f"{server}/portal/")
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.ran = true";
        document.body.append(script);
        const style = document.createElement("style");
        style.textContent = "body { color: red }";
        document.head.append(style);
    }"""
    )
    found = violations(page)
    assert any(v.startswith("script-src-elem inline") for v in found), found
    assert any(v.startswith("style-src-elem inline") for v in found), found
    assert page.evaluate("window.ran") is None


def test_no_page_violates_the_policy(server, county, watched):
    page, log = watched
    own = county.areas["own"].pk
    for path in ("/accounts/login/", "/portal/", f"/portal/areas/{own}/", "/portal/track/"):
        open_page(page, server + path, log)
    open_page(page, f"{server}/portal/submit/?area={own}", log)

    # The phone workspace: the service worker installs and keeps the pages (worker-src, connect)
    sign_in(page, server)  # beat → /m/
    wait_until(page, "navigator.serviceWorker.controller !== null")
    assert violations(page) == []
    for path in ("/m/", "/m/add/visits/", "/m/add/worklogs/", "/m/manifest.webmanifest"):
        open_page(page, server + path, log)

    # Desk pages of the commander
    page.context.clear_cookies()
    sign_in(page, server, "commander", "/")
    assert violations(page) == []
    for path in ("/", "/matters/", "/stats/", "/fieldwork/", "/registry/", "/api/docs"):
        open_page(page, server + path, log)
    page.goto(f"{server}/accounts/two-factor/")
    qr = page.locator("img[src^='data:image/svg+xml']")
    assert qr.count() == 1 and qr.evaluate("img => img.naturalWidth") > 0
    assert violations(page) == []

    # The unit tree: "show the units below" loads them (htmx) and goes away (no hx-on, no eval)
    open_page(page, f"{server}/org/units/", log)
    button = page.locator("button[data-shown-once]").first
    target = button.get_attribute("hx-target")
    button.click()
    page.wait_for_selector(f"{target} .list-group-item")
    wait_until(page, f"!document.querySelector('button[hx-target=\"{target}\"]')", 5_000)
    assert page.evaluate("document.querySelectorAll('style').length") == 0  # htmx added none
    assert violations(page) == []
