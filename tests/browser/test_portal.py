"""The residents' portal in a real browser (Debian's chromium, driven by Playwright) on a
360 px phone: a resident finds 瓦房沟村's officer, submits a matter, reads the tracking code off
the page; the workstation answers and resolves it; the resident types the code, reads the
answer and the outcome, confirms, and the matter is closed. A resident whose report was merged
into another one follows that one with their own code, reads its outcome, rates and reopens
theirs. No page scrolls sideways.

Skipped, with the reason, when ``/usr/bin/chromium`` or the ``playwright`` package is missing —
except under ``CI=true``, where a missing browser fails the run.
"""

from __future__ import annotations

import re
import time

import pytest

from cunjing.core.roles import SYSTEM
from cunjing.matters import services
from cunjing.matters.models import Matter, MatterEvent
from tests.browser.live import IN_CI, MISSING, assert_no_horizontal_scroll

if MISSING and not IN_CI:
    pytest.skip(f"browser test skipped: {MISSING}", allow_module_level=True)

# The server thread needs committed data: a transactional test (tests/conftest.py then builds the
# county inside the test).
pytestmark = pytest.mark.django_db(transaction=True)

REPLY = "已联系电力所，明天上午来修路灯"


def test_a_resident_reports_and_confirms(server, county, browser_context):
    started = time.monotonic()
    base = server
    page = browser_context.new_page()

    # 1. Find the village's officer: by pinyin initials, then the contact card.
    page.goto(f"{base}/portal/")
    assert_no_horizontal_scroll(page)
    page.fill("#pt-q", "wfg")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_selector("#pt-results")
    assert_no_horizontal_scroll(page)
    page.locator("#pt-results a[data-name='瓦房沟村']").click()
    page.wait_for_selector("#pt-card")
    card = page.locator("#pt-card").inner_text()
    assert "张伟" in card and "041001" in card and "瓦房沟警务工作站" in card
    assert_no_horizontal_scroll(page)

    # 2. Report to this village's officer: the code is on the page.
    page.locator("#pt-report").click()
    page.wait_for_selector("#pt-submit-form")
    assert page.locator("#pt-area-name").inner_text() == "瓦房沟村"
    assert_no_horizontal_scroll(page)
    page.select_option("#id_kind", "request")
    page.fill("#id_description", "村口路灯坏了三天，晚上很黑")
    page.fill("#id_reporter_phone", "13903750001")
    page.locator("#pt-send").click()
    page.wait_for_selector("#pt-code")
    assert_no_horizontal_scroll(page)
    code = page.locator("#pt-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{12}", code), code
    assert code not in page.url
    matter = Matter.objects.get(tracking_code=code)
    assert (matter.source, matter.area_id) == ("portal", county.areas["own"].pk)

    # 3. The workstation answers the resident and resolves the matter.
    beat = county.user("beat")
    assert services.can_handle(beat, matter)
    services.matter_accept(actor=beat, matter=matter)
    services.matter_reply(actor=beat, matter=matter, channel="phone", text=REPLY)
    services.matter_resolve(actor=beat, matter=matter, resolution="路灯已修复")

    # 4. Later, on a fresh page, the resident types the code and reads the answer.
    page = browser_context.new_page()
    page.goto(f"{base}/portal/track/")
    page.fill("#id_code", code.lower())
    page.locator("#pt-track").click()
    page.wait_for_selector("#pt-replies")
    assert REPLY in page.locator("#pt-replies").inner_text()
    # the outcome is before them when they are asked to confirm
    assert "路灯已修复" in page.locator("#pt-outcome").inner_text()
    assert page.locator("#pt-state").get_attribute("data-state") == "resolved"
    assert "张伟" not in page.content()
    assert code not in page.url
    assert_no_horizontal_scroll(page)

    # 5. ... and confirms: closed.
    page.locator("#pt-confirm").click()
    page.wait_for_selector("#pt-done")
    assert page.locator("#pt-state").get_attribute("data-state") == "closed"
    assert page.locator("#pt-confirm-form").count() == 0
    assert_no_horizontal_scroll(page)
    matter.refresh_from_db()
    assert matter.state == "closed"
    assert MatterEvent.objects.filter(matter=matter, action="confirm").count() == 1
    elapsed = time.monotonic() - started
    print(f"portal browser test: {elapsed:.1f} s")


def test_the_category_list_follows_the_kind(server, county, browser_context):
    services.categories_ensure_defaults(actor=SYSTEM, bureau=county.bureau)
    page = browser_context.new_page()
    page.goto(f"{server}/portal/submit/?area={county.areas['own'].pk}")

    def shown_groups() -> list[str]:
        return page.eval_on_selector_all(
            "#id_category optgroup", "gs => gs.filter(g => !g.hidden).map(g => g.label)"
        )

    page.select_option("#id_kind", "hazard")
    assert shown_groups() == ["治安隐患"]
    hazard = page.eval_on_selector(
        "#id_category", "s => [...s.options].find(o => !o.parentNode.hidden && o.value).value"
    )
    page.select_option("#id_category", hazard)
    # Another kind hides the hazard categories and drops the choice.
    page.select_option("#id_kind", "request")
    assert shown_groups() == ["群众诉求"]
    assert page.eval_on_selector("#id_category", "s => s.value") == ""
    # Back to hazard: choose one and send; the matter has that category.
    page.select_option("#id_kind", "hazard")
    page.select_option("#id_category", hazard)
    page.fill("#id_description", "桥头护栏断了")
    page.locator("#pt-send").click()
    page.wait_for_selector("#pt-code")
    code = page.locator("#pt-code").inner_text().strip()
    matter = Matter.objects.select_related("category").get(tracking_code=code)
    assert (matter.kind, str(matter.category_id)) == ("hazard", hazard)


def test_a_merged_report_is_followed_rated_and_reopened(server, county, browser_context):
    beat = county.user("beat")
    area = county.areas["own"]
    first = services.matter_submit(area=area, kind="hazard", description="桥头护栏断了")
    mine = services.matter_submit(area=area, kind="hazard", description="桥头的护栏断了一截")
    services.matter_merge(actor=beat, matter=mine, target_id=first.pk, note="内部：同一处护栏")

    page = browser_context.new_page()
    page.goto(f"{server}/portal/track/")
    page.fill("#id_code", mine.tracking_code)
    page.locator("#pt-track").click()
    page.wait_for_selector("#pt-merged")
    assert page.locator("#pt-carrier-timeline").count() == 1
    assert page.locator("#pt-rate-form").count() == 0  # nothing to rate yet
    assert "内部" not in page.content()
    assert_no_horizontal_scroll(page)

    services.matter_accept(actor=beat, matter=first)
    services.matter_resolve(actor=beat, matter=first, resolution="已更换护栏")
    page.goto(f"{server}/portal/track/")
    page.fill("#id_code", mine.tracking_code)
    page.locator("#pt-track").click()
    page.wait_for_selector("#pt-outcome")
    assert "已更换护栏" in page.locator("#pt-outcome").inner_text()
    assert_no_horizontal_scroll(page)
    page.locator("#pt-rate-form label.form-check").first.click()
    page.locator("#pt-rate").click()
    page.wait_for_selector("#pt-done")
    assert Matter.objects.get(pk=mine.pk).rating == 5
    page.fill("#reopen-reason", "护栏装歪了，还是不安全")
    page.locator("#pt-reopen").click()
    page.wait_for_selector("#pt-done")
    assert page.locator("#pt-merged").count() == 0
    assert page.locator("#pt-state").get_attribute("data-state") == "accepted"
    assert_no_horizontal_scroll(page)
    again = Matter.objects.get(pk=mine.pk)
    assert (again.state, again.merged_into_id) == ("accepted", None)
