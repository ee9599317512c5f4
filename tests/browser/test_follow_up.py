"""A follow-up on the phone (360 px, Debian's chromium): the beat officer opens it from Today,
records the return visit, and it leaves the list; another is set aside with its reason (a
missing reason is an error on the field, nothing closed). No page scrolls sideways."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from cunjing.fieldwork import services
from cunjing.fieldwork.models import FollowUp, FollowUpState
from tests.browser.live import IN_CI, MISSING, assert_no_horizontal_scroll, sign_in

if MISSING and not IN_CI:
    pytest.skip(f"browser test skipped: {MISSING}", allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)


def flagged(county, household: str, days_ago: int) -> FollowUp:
    visit = services.visit_create(
        actor=county.user("beat"),
        area=county.areas["own"],
        occurred_on=timezone.localdate() - dt.timedelta(days=days_ago),
        client_uuid=uuid.uuid4(),
        household=household,
        purpose="routine",
        notes="老人独居",
        follow_up_needed=True,
    )
    return visit.follow_ups.get()


def test_a_follow_up_is_done_and_another_set_aside(server, county, browser_context):
    late = flagged(county, "逾期的李家", days_ago=12)
    soon = flagged(county, "王家", days_ago=1)
    page = browser_context.new_page()
    sign_in(page, server)
    items = page.locator("#ws-follow-up .ws-follow-up")
    assert items.count() == 2
    assert "逾期的李家" in items.first.inner_text()  # the earliest due first
    assert_no_horizontal_scroll(page)

    items.first.click()
    page.wait_for_selector("#follow-up-done-form")
    assert_no_horizontal_scroll(page)
    page.fill("#done-notes", "老人身体好转，儿子已回家照顾")
    page.locator("#follow-up-done").click()
    page.wait_for_url(f"{server}/m/")
    assert page.locator("#ws-follow-up .ws-follow-up").count() == 1
    late.refresh_from_db()
    assert late.state == FollowUpState.DONE and late.return_visit.household == "逾期的李家"

    page.locator("#ws-follow-up .ws-follow-up").first.click()
    page.wait_for_selector("#follow-up-drop-form")
    page.locator("#follow-up-drop").click()  # no reason yet
    page.wait_for_selector("[data-errors-for='reason'], .invalid-feedback")
    assert FollowUp.objects.get(pk=soon.pk).state == FollowUpState.OPEN
    assert_no_horizontal_scroll(page)
    page.fill("#drop-reason", "住户已搬离本村")
    page.locator("#follow-up-drop").click()
    page.wait_for_url(f"{server}/m/")
    assert page.locator("#ws-follow-up .ws-follow-up").count() == 0
    assert FollowUp.objects.get(pk=soon.pk).state == FollowUpState.DROPPED
