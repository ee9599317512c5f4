"""Tracking a matter by its code: the public part only (no staff names, internal notes,
reporter contact or other matters), escaped; unknown and malformed codes alike; the reporter's
confirm / reopen / rate, only when allowed; an overdue matter shows its automatic escalation."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from cunjing.matters import services
from cunjing.matters.models import Matter, MatterEvent
from tests.portal.conftest import resolve, submit

TRACK = "/portal/track/"
NOT_FOUND = "No matter was found for this code. Check it and try again."


def look_up(client, code: str):
    return client.post(TRACK, {"code": code})


def act(client, action: str, code: str, **data):
    return client.post(f"/portal/track/{action}/", {"code": code, **data})


def text(response) -> str:
    return response.content.decode()


def state_of(response) -> str:
    return re.search(r'id="pt-state" data-state="([a-z]+)"', text(response)).group(1)


def timeline(response) -> str:
    return re.sub(r"\s+", " ", text(response).split('id="pt-timeline"', 1)[1])


def test_the_tracking_form(client, county):
    response = client.get(TRACK)
    assert response.status_code == 200
    assert 'name="code"' in text(response)


def test_the_status_page(client, county, categories):
    from cunjing.matters.models import MatterCategory

    category = MatterCategory.objects.get(bureau=county.bureau, kind="request", name="求助")
    m = submit(county, category=category, reporter_name="李大妈", reporter_phone="13903750001")
    services.matter_accept(actor=county.user("beat"), matter=m, note="内部备注：先核实身份")
    services.matter_reply(
        actor=county.user("beat"), matter=m, channel="phone", text="明天上午派人维修"
    )
    response = look_up(client, f"  {m.tracking_code.lower()} ")
    assert response.status_code == 200
    body = text(response)
    for shown in ("瓦房沟村", "求助", "瓦房沟警务工作站", "明天上午派人维修", m.tracking_code):
        assert shown in body
    assert state_of(response) == "accepted"
    local = timezone.localtime(m.created_at, dt.timezone(dt.timedelta(hours=8)))
    assert local.strftime("%Y-%m-%d %H:%M") in body  # Asia/Shanghai
    # never: staff names, internal notes, the reporter's contact
    for hidden in ("张伟", "beat", "内部备注", "李大妈", "13903750001", "3750001"):
        assert hidden not in body, hidden


def test_the_page_escapes_what_residents_and_staff_typed(client, county):
    m = submit(
        county,
        description="<script>alert(1)</script>",
        reporter_name='"onmouseover="alert(2)',
    )
    services.matter_accept(actor=county.user("beat"), matter=m)
    services.matter_reply(
        actor=county.user("beat"), matter=m, channel="phone", text="<img src=x onerror=alert(3)>"
    )
    body = text(look_up(client, m.tracking_code))
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(3)&gt;" in body
    assert "onmouseover" not in body  # the reporter's name is never on the page


def test_the_submitted_page_escapes_too(client, county):
    response = client.post(
        "/portal/submit/",
        {
            "area": county.areas["own"].pk,
            "kind": "request",
            "description": "",
            "reporter_name": '"onmouseover="alert(1)',
        },
    )
    assert response.status_code == 422
    assert 'value="&quot;onmouseover=&quot;alert(1)"' in text(response)
    assert '""onmouseover' not in text(response)


@pytest.mark.parametrize(
    "code", ["ZZZZZZZZZZZZ", "abc", "<script>", "' OR 1=1 --", "瓦房沟", "A" * 500, "%00"]
)
def test_unknown_and_malformed_codes_get_the_same_answer(client, county, code):
    submit(county)
    response = look_up(client, code)
    assert response.status_code == 404
    assert NOT_FOUND in text(response) or "请核对" in text(response)
    assert "<script>" not in text(response)


def test_not_found_is_the_same_page_for_unknown_and_malformed(client, county, settings):
    settings.LANGUAGE_CODE = "en"
    unknown = look_up(client, "ZZZZZZZZZZZZ")
    malformed = look_up(client, "!!")
    clean = [re.sub(r'value="[^"]*"', "", text(r)) for r in (unknown, malformed)]
    assert unknown.status_code == malformed.status_code == 404
    assert clean[0] == clean[1]


def test_a_blank_code_is_a_field_error(client, county):
    response = look_up(client, "  ")
    assert response.status_code == 422
    assert "请填写这一项。" in text(response)


def test_another_bureaus_code_is_not_found(client, county, settings):
    from tests.county import build_county

    second = build_county(code="410500", name="第二县公安局", prefix="b-")
    theirs = services.matter_submit(area=second.areas["own"], kind="request", description="x")
    settings.PORTAL_BUREAU = county.bureau.code
    assert look_up(client, theirs.tracking_code).status_code == 404
    assert act(client, "rate", theirs.tracking_code, score=5).status_code == 404


def test_confirm_closes_a_resolved_matter(client, county):
    m = resolve(county, submit(county))
    page = look_up(client, m.tracking_code)
    assert state_of(page) == "resolved"
    assert 'id="pt-confirm-form"' in text(page) and 'id="pt-reopen-form"' in text(page)
    assert 'id="pt-rate-form"' in text(page)
    response = act(client, "confirm", m.tracking_code, note="谢谢")
    assert response.status_code == 200
    assert state_of(response) == "closed"
    assert 'id="pt-done"' in text(response)
    assert 'id="pt-confirm-form"' not in text(response)
    assert 'id="pt-reopen-form"' not in text(response)
    assert 'id="pt-rate-form"' in text(response)  # rating stays open after closing
    m.refresh_from_db()
    assert (m.state, m.closed_at is not None) == ("closed", True)
    event = MatterEvent.objects.filter(matter=m).latest("id")
    assert (event.action, event.actor_name, event.actor) == ("confirm", "reporter", None)


def test_no_reporter_forms_while_the_matter_is_open(client, county):
    m = submit(county)
    body = text(look_up(client, m.tracking_code))
    assert "pt-confirm-form" not in body and "pt-reopen-form" not in body
    assert "pt-rate-form" not in body
    # posting anyway is refused, on the page, and changes nothing
    for action, data in (("confirm", {}), ("reopen", {"reason": "没修好"}), ("rate", {"score": 5})):
        response = act(client, action, m.tracking_code, **data)
        assert response.status_code == 422, action
        assert 'id="pt-refused"' in text(response)
    m.refresh_from_db()
    assert (m.state, m.rating, m.reopen_count) == ("new", None, 0)


def test_reopen_needs_a_reason_and_sends_it_back(client, county):
    m = resolve(county, submit(county))
    response = act(client, "reopen", m.tracking_code, reason="  ")
    assert response.status_code == 422
    assert "请填写这一项。" in text(response)
    assert 'id="pt-reopen-form"' in text(response)
    m.refresh_from_db()
    assert m.state == "resolved"
    response = act(client, "reopen", m.tracking_code, reason="路灯还是不亮")
    assert response.status_code == 200
    assert state_of(response) == "accepted"
    m.refresh_from_db()
    assert (m.state, m.reopen_count) == ("accepted", 1)
    # the reason is the reporter's own words, kept for the handlers, not shown in the timeline
    assert "路灯还是不亮" not in timeline(response)


def test_reopen_after_seven_days_is_refused(client, county):
    m = resolve(county, submit(county))
    Matter.objects.filter(pk=m.pk).update(resolved_at=timezone.now() - dt.timedelta(days=8))
    page = look_up(client, m.tracking_code)
    assert "pt-reopen-form" not in text(page)
    response = act(client, "reopen", m.tracking_code, reason="还没好")
    assert response.status_code == 422
    assert "事项办结后 7 天内才能重新提起。" in text(response)


def test_rate_once(client, county):
    m = resolve(county, submit(county))
    response = act(client, "rate", m.tracking_code, score="4", comment="<b>很及时</b>")
    assert response.status_code == 200
    assert 'id="pt-rating">4 / 5' in text(response)
    assert "pt-rate-form" not in text(response)
    m.refresh_from_db()
    assert (m.rating, m.rating_comment) == (4, "<b>很及时</b>")
    again = act(client, "rate", m.tracking_code, score="1", comment="改主意了")
    assert again.status_code == 422
    assert "该事项已评价过。" in text(again)
    m.refresh_from_db()
    assert (m.rating, m.rating_comment) == (4, "<b>很及时</b>")


@pytest.mark.parametrize("score", ["", "0", "6", "abc", "4.5", "-1"])
def test_a_bad_score_is_a_field_error(client, county, score):
    m = resolve(county, submit(county))
    response = act(client, "rate", m.tracking_code, score=score)
    assert response.status_code == 422
    assert re.search(r'data-errors-for="score">', text(response))
    m.refresh_from_db()
    assert m.rating is None


def test_confirm_needs_a_reply_first(client, county):
    m = submit(county)
    beat = county.user("beat")
    services.matter_accept(actor=beat, matter=m)
    services.matter_resolve(actor=beat, matter=m, resolution="已处理")
    body = text(look_up(client, m.tracking_code))
    assert "pt-confirm-form" not in body
    assert act(client, "confirm", m.tracking_code).status_code == 422


def test_an_unknown_action_is_404(client, county):
    m = resolve(county, submit(county))
    assert act(client, "close", m.tracking_code).status_code == 404


def test_actions_on_an_unknown_code_are_not_found(client, county):
    response = act(client, "confirm", "ZZZZZZZZZZZZ")
    assert response.status_code == 404


def test_the_automatic_escalation_shows_on_the_code_page(client, county):
    m = submit(county)
    later = m.created_at + dt.timedelta(hours=25)  # the workstation's 24 hours to reply passed
    assert services.escalate_overdue(now=later) == 1
    response = look_up(client, m.tracking_code)
    body = text(response)
    assert 'id="pt-overdue"' in body
    assert re.search(r'id="pt-unit">甲中心警务室<', body)
    line = timeline(response)
    assert "Not handled in time: automatically escalated to 甲中心警务室" in line or (
        "甲中心警务室" in line and 'data-escalation="1"' in line
    )
    assert 'data-escalation="1"' in line
    # the system's internal note (the breach wording) is not shown
    note = MatterEvent.objects.filter(matter=m, action="escalate").get().note
    assert note and note not in body


def test_a_handlers_escalation_shows_without_its_reason(client, county):
    m = submit(county)
    services.matter_escalate(actor=county.user("beat"), matter=m, reason="涉及多个村，内部协调")
    response = look_up(client, m.tracking_code)
    assert "内部协调" not in text(response)
    assert 'id="pt-overdue"' not in text(response)
    assert 'data-escalation="1"' in timeline(response)
    assert "甲中心警务室" in timeline(response)


def test_a_merged_matter_does_not_reveal_the_other_code(client, county):
    first = submit(county, description="路灯坏了")
    second = submit(county, description="路灯坏了")
    services.matter_merge(actor=county.user("beat"), matter=second, target_id=first.pk)
    body = text(look_up(client, second.tracking_code))
    assert first.tracking_code not in body
    assert state_of(look_up(client, second.tracking_code)) == "merged"


def test_the_forms_work_with_csrf_enforced(county):
    """A fresh phone: no cookie until the first page; every form carries its token."""
    m = resolve(county, submit(county))
    phone = Client(enforce_csrf_checks=True)
    assert phone.post(TRACK, {"code": m.tracking_code}).status_code == 403  # no token: refused

    def token(response) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(response)).group(1)

    page = phone.get(TRACK)
    status = phone.post(TRACK, {"code": m.tracking_code, "csrfmiddlewaretoken": token(page)})
    assert status.status_code == 200
    done = phone.post(
        "/portal/track/confirm/",
        {"code": m.tracking_code, "note": "", "csrfmiddlewaretoken": token(status)},
    )
    assert done.status_code == 200 and state_of(done) == "closed"
    form = phone.get("/portal/submit/", {"area": county.areas["own"].pk})
    sent = phone.post(
        "/portal/submit/",
        {
            "area": county.areas["own"].pk,
            "kind": "hazard",
            "description": "桥栏杆断了",
            "csrfmiddlewaretoken": token(form),
        },
    )
    assert sent.status_code == 201


def test_english(client, county):
    m = resolve(county, submit(county))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = look_up(client, m.tracking_code)
    assert response["Content-Language"] == "en"
    body = text(response)
    assert "Answers from the police" in body
    assert "Handled — please confirm or reopen" in body
    assert 'lang="en"' in body


def test_the_deadlines_are_shown_in_china_time(client, county):
    m = submit(county)
    body = text(look_up(client, m.tracking_code))
    china = dt.timezone(dt.timedelta(hours=8))
    reply_due = m.reply_due_at.astimezone(china).strftime("%Y-%m-%d %H:%M")
    resolve_due = m.resolve_due_at.astimezone(china).strftime("%Y-%m-%d %H:%M")
    assert f'id="pt-reply-due">{reply_due}<' in body
    assert f'id="pt-resolve-due">{resolve_due}<' in body


def test_overdue_at_the_bureau_shows_as_flagged(client, county):
    m = submit(county)
    now = m.created_at
    for _ in range(3):  # workstation → office → station → bureau, each past its deadline
        now += dt.timedelta(days=30)
        assert services.escalate_overdue(now=now) == 1
    now += dt.timedelta(days=30)
    assert services.escalate_overdue(now=now) == 1  # at the bureau: flagged
    response = look_up(client, m.tracking_code)
    line = timeline(response)
    assert line.count('data-escalation="1"') == 4
    assert "测试县公安局" in line and "甲派出所" in line and "甲中心警务室" in line
    assert re.search(r'id="pt-unit">测试县公安局<', text(response))
    assert 'id="pt-overdue"' in text(response)
