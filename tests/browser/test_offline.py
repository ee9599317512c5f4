"""The officer's phone workspace in a real browser (Debian's chromium, driven by Playwright):
every record kind from a 360 px wide page; with the network cut a record queues on the phone and
lands exactly once when the network returns, also when the server's answer is lost on the way.

Skipped, with the reason, when ``/usr/bin/chromium`` or the ``playwright`` package is missing —
except under ``CI=true``, where a missing browser fails the run.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from django.utils import timezone

from cunjing.core.models import IdempotencyKey
from cunjing.fieldwork.models import (
    Assistance,
    FloatingResident,
    HouseholdVisit,
    OutreachEvent,
    PreventionActivity,
    Service,
    Volunteer,
    WorkLog,
)
from tests.browser.live import IN_CI, MISSING, assert_no_horizontal_scroll, sign_in, wait_until
from tests.fieldwork.bodies import ID_NUMBER

if MISSING and not IN_CI:
    pytest.skip(f"browser test skipped: {MISSING}", allow_module_level=True)

# The server thread needs committed data: a transactional test (tests/conftest.py then builds the
# county inside the test).
pytestmark = pytest.mark.django_db(transaction=True)


def _today() -> dt.date:
    return timezone.localdate()


def form_values() -> dict[str, dict[str, object]]:
    """What the officer types into each quick-add form (the date fields default to today)."""
    today = _today()
    return {
        "visits": {
            "household": "瓦房沟村3组 李家",
            "purpose": "routine",
            "notes": "家中老人身体好",
            "contact_card_given": True,
        },
        "floating-residents": {
            "name": "周建国",
            "id_number": ID_NUMBER,
            "phone": "13903751234",
            "origin": "河南省平顶山市",
            "arrived_on": (today - dt.timedelta(days=5)).isoformat(),
            "residence": "瓦房沟村5组12号",
            "expected_stay_days": 180,
        },
        "services": {
            "kind": "household_registration",
            "beneficiary": "朱老汉",
            "description": "代为办理户口",
        },
        "assistance": {
            "household": "瓦房沟村2组 王家",
            "people": 4,
            "hardship_kind": "illness",
            "help_given": "送米面油",
            "next_revisit_on": (today + dt.timedelta(days=30)).isoformat(),
        },
        "outreach": {
            "venue_kind": "school",
            "venue": "瓦房沟小学",
            "topic": "防电信诈骗",
            "audience_size": 320,
        },
        "volunteers": {"name": "孙志强", "phone": "13903755678", "skills": "驾驶"},
        "prevention": {"kind": "patrol", "description": "夜间巡逻", "participants": 6},
        "worklogs": {"text": "上午入户走访3户，下午法制宣传。"},
    }


MODELS = {
    "visits": HouseholdVisit,
    "floating-residents": FloatingResident,
    "services": Service,
    "assistance": Assistance,
    "outreach": OutreachEvent,
    "volunteers": Volunteer,
    "prevention": PreventionActivity,
    "worklogs": WorkLog,
}


def fill(page, values: dict[str, object]) -> None:
    for name, value in values.items():
        field = page.locator(f"#f-{name}")
        if value is True:
            field.check()
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))


def queue_count(page) -> int:
    return int(page.locator("#ws-queue").get_attribute("data-count") or "0")


def wait_queue(page, count: int) -> None:
    wait_until(page, f"document.getElementById('ws-queue')?.dataset.count === '{count}'")


def submit(page) -> str:
    """Submit the form; the client UUID it went under and the state shown (sent, queued...)."""
    client_uuid = page.locator('#ws-form [data-type="uuid"]').input_value()
    page.locator("#ws-result").evaluate("e => { e.hidden = true; delete e.dataset.state; }")
    page.locator("#ws-submit").click()
    page.wait_for_selector("#ws-result[data-state]", state="attached")
    return client_uuid


def state(page) -> str:
    return page.locator("#ws-result").get_attribute("data-state")


def stored(client_uuid: str) -> int:
    return HouseholdVisit.objects.filter(client_uuid=uuid.UUID(client_uuid)).count()


def test_offline_capture_lands_exactly_once(server, county, browser_context):
    started = time.monotonic()
    base = server
    beat = county.user("beat")
    context = browser_context
    page = context.new_page()

    # 1. Sign in; the service worker installs and keeps the user's pages.
    sign_in(page, base)
    wait_until(
        page,
        "navigator.serviceWorker.controller !== null"
        " && document.documentElement.dataset.offlineReady === '1'",
    )
    assert_no_horizontal_scroll(page)
    kinds = page.locator(".ws-quick-add a").evaluate_all("links => links.map(a => a.dataset.kind)")
    assert kinds == list(MODELS)  # a beat officer records every kind

    # 2. Online: one record of each kind, stored at once.
    for kind, values in form_values().items():
        page.goto(f"{base}/m/add/{kind}/")
        page.wait_for_selector("html[data-ws-ready='1']", state="attached")
        assert_no_horizontal_scroll(page)
        fill(page, values)
        client_uuid = submit(page)
        assert state(page) == "sent", page.locator("#ws-form").inner_text()
        assert (
            MODELS[kind]
            .objects.filter(recorded_by=beat, client_uuid=uuid.UUID(client_uuid))
            .count()
            == 1
        ), kind
        assert queue_count(page) == 0

    # A field the phone can judge is marked before anything is sent or kept.
    page.goto(f"{base}/m/add/volunteers/")
    page.wait_for_selector("html[data-ws-ready='1']", state="attached")
    fill(page, {"name": "钱多", "phone": "12345"})
    submit(page)
    assert state(page) == "rejected"
    assert page.locator('[data-errors-for="phone"]').inner_text().strip()
    assert queue_count(page) == 0
    # One only the server can judge (a landline of no area code) comes back next to the field;
    # the draft stays in the outbox, editable.
    fill(page, {"phone": "0001234567"})
    submit(page)
    assert state(page) == "rejected"
    assert page.locator('[data-errors-for="phone"]').inner_text().strip()
    assert page.locator("#f-phone").input_value() == "0001234567"
    assert page.locator(".ws-queue-item[data-status='rejected']").count() == 1
    page.locator("#f-phone").fill("13903750000")
    submit(page)
    assert state(page) == "sent"
    assert Volunteer.objects.filter(recorded_by=beat, name="钱多").count() == 1
    wait_queue(page, 0)

    # 3. Offline: the form opens from the service worker's cache; the visit queues.
    context.set_offline(True)
    page.goto(f"{base}/m/add/visits/")
    page.wait_for_selector("html[data-ws-ready='1']", state="attached")
    assert page.locator("#ws-offline").is_visible()
    fill(page, {"household": "瓦房沟村7组 赵家", "purpose": "information"})
    offline_uuid = submit(page)
    assert state(page) == "queued"
    wait_queue(page, 1)
    assert stored(offline_uuid) == 0
    # Sending again and again while offline stores nothing and keeps one queued item.
    for _ in range(3):
        page.locator("#ws-send-now").click()
        page.wait_for_timeout(200)
    assert queue_count(page) == 1
    assert page.locator(f".ws-queue-item[data-uuid='{offline_uuid}']").count() == 1
    # The same submission kept again (a double tap, a reload mid-way) is still one queued item.
    page.evaluate(
        """async (uuid) => {
            const outbox = await import('/static/workspace/outbox.js');
            const item = await outbox.get(uuid);
            await outbox.keep({user: item.user, kind: item.kind, body: item.body,
                               summary: item.summary});
        }""",
        offline_uuid,
    )
    wait_queue(page, 1)
    assert stored(offline_uuid) == 0
    # The Today page opens offline too and shows what is queued.
    page.goto(f"{base}/m/")
    page.wait_for_selector("html[data-ws-ready='1']", state="attached")
    wait_queue(page, 1)
    assert "瓦房沟村7组 赵家" in page.locator("#ws-queue-list").inner_text()

    # 4. The network returns: the queue drains by itself; the visit is stored exactly once.
    context.set_offline(False)
    wait_queue(page, 0)
    assert stored(offline_uuid) == 1

    # 5. The server stores a visit but its answer is lost: the retry stores nothing new.
    lost = {"count": 0}

    def lose_the_answer(route):
        if route.request.method == "POST" and lost["count"] == 0:
            lost["count"] += 1
            route.fetch()  # reaches the server, which stores the visit
            route.abort("connectionreset")  # ... but the phone never hears back
        else:
            route.continue_()

    context.route("**/api/fieldwork/visits", lose_the_answer)
    page.goto(f"{base}/m/add/visits/")
    page.wait_for_selector("html[data-ws-ready='1']", state="attached")
    fill(page, {"household": "瓦房沟村8组 孙家", "purpose": "routine"})
    lost_uuid = submit(page)
    assert lost["count"] == 1
    assert state(page) == "queued"
    assert stored(lost_uuid) == 1  # stored, though the phone does not know it
    wait_queue(page, 1)
    page.locator("#ws-send-now").click()
    wait_queue(page, 0)
    assert stored(lost_uuid) == 1
    assert IdempotencyKey.objects.filter(user=beat, key=uuid.UUID(lost_uuid)).count() == 1
    context.unroute("**/api/fieldwork/visits")

    # 6. The session ends (idle timeout) while a visit waits: the visit is kept, marked, and
    #    sent once the officer has signed in again.
    context.set_offline(True)
    page.goto(f"{base}/m/add/visits/")
    page.wait_for_selector("html[data-ws-ready='1']", state="attached")
    fill(page, {"household": "瓦房沟村9组 周家", "purpose": "routine"})
    expired_uuid = submit(page)
    assert state(page) == "queued"
    context.clear_cookies()
    context.set_offline(False)
    page.wait_for_selector(f".ws-queue-item[data-uuid='{expired_uuid}'][data-status='blocked']")
    assert stored(expired_uuid) == 0
    sign_in(page, base)
    page.wait_for_selector("html[data-ws-ready='1']", state="attached")
    wait_queue(page, 0)
    assert stored(expired_uuid) == 1

    # 7. Signing out drops the pages kept for offline use.
    page.goto(f"{base}/m/")
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_url(f"{base}/accounts/login/")
    wait_until(page, "caches.keys().then(keys => !keys.some(k => k.startsWith('cunjing-pages-')))")
    elapsed = time.monotonic() - started
    print(f"browser test: {elapsed:.1f} s")
