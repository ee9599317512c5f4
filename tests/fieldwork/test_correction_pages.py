"""The correction pages: correct and void a record from its page within the window, ask a
leader after it, the leader decides from the requests list; errors on the fields (422), ID
numbers never prefilled in clear."""

from __future__ import annotations

import re

from django.urls import reverse

from cunjing.core.models import AuditEvent
from cunjing.fieldwork import services
from cunjing.fieldwork.models import CorrectionRequest, CorrectionState, HouseholdVisit
from tests.fieldwork.test_corrections import DAY, age, floating, visit


def detail(v, kind="visits") -> str:
    return reverse("fieldwork:record_detail", args=[kind, v.pk])


def correct_url(v, kind="visits") -> str:
    return reverse("fieldwork:record_correct", args=[kind, v.pk])


def void_url(v, kind="visits") -> str:
    return reverse("fieldwork:record_void", args=[kind, v.pk])


def visit_form(v, **changes) -> dict:
    data = {
        "occurred_on": v.occurred_on.isoformat(),
        "household": v.household,
        "purpose": v.purpose,
        "notes": v.notes,
        "reason": "更正",
    }
    if v.contact_card_given:
        data["contact_card_given"] = "on"
    data.update(changes)
    return data


def test_the_recorder_corrects_from_the_record_page(county, client):
    v = visit(county)
    client.force_login(county.user("beat"))
    page = client.get(detail(v)).content.decode()
    assert 'id="record-correct"' in page and "更正" in page and 'id="record-void"' in page
    form = client.get(correct_url(v))
    assert form.status_code == 200
    assert 'value="李家"' in form.content.decode()
    response = client.post(correct_url(v), visit_form(v, household="李四家", reason="户主姓名写错"))
    assert response.status_code == 302 and response["Location"] == detail(v)
    v.refresh_from_db()
    assert v.household == "李四家"
    page = client.get(detail(v)).content.decode()
    # the history shows who, when, why and what changed; the household's name as the audit
    # trail keeps it, masked (core.personal), the record above shows it in full
    assert 'id="record-history"' in page and "户主姓名写错" in page and "李* → 李**" in page
    assert "李四家" in page


def test_errors_stay_on_the_form_and_nothing_changes(county, client):
    r = floating(county)
    client.force_login(county.user("beat"))
    form = client.get(correct_url(r, "floating-residents")).content.decode()
    assert "410481199001010014" not in form  # never prefilled in clear
    data = {
        "occurred_on": DAY.isoformat(),
        "name": "王小明",
        "phone": "hello",
        "origin": "河南省南阳市",
        "arrived_on": DAY.isoformat(),
        "residence": "瓦房沟村3组",
        "reason": "",
    }
    response = client.post(correct_url(r, "floating-residents"), data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert {"phone", "reason"} <= set(errors)
    r.refresh_from_db()
    assert r.phone == "+8613903751001"
    # Left empty, the ID number and the phone stay as they are.
    data.update(phone="", reason="改住址", residence="瓦房沟村4组")
    assert client.post(correct_url(r, "floating-residents"), data).status_code == 302
    r.refresh_from_db()
    assert (r.residence, r.phone, r.id_number) == (
        "瓦房沟村4组",
        "+8613903751001",
        "410481199001010014",
    )


def test_void_from_the_record_page(county, client):
    v = visit(county)
    client.force_login(county.user("beat"))
    assert client.post(void_url(v), {"reason": ""}).status_code == 422
    assert client.post(void_url(v), {"reason": "重复录入"}).status_code == 302
    page = client.get(detail(v)).content.decode()
    assert 'id="record-voided"' in page and "重复录入" in page
    assert 'id="record-correct"' not in page
    assert client.get(correct_url(v)).status_code == 404


def test_after_the_window_the_page_sends_a_request_and_a_leader_decides(county, client):
    v = visit(county)
    age(v, 8)
    client.force_login(county.user("beat"))
    page = client.get(detail(v)).content.decode()
    assert "申请更正" in page and "申请作废" in page
    response = client.post(correct_url(v), visit_form(v, household="张家", reason="户名写错"))
    assert response.status_code == 302
    v.refresh_from_db()
    assert v.household == "李家"  # not yet
    request = CorrectionRequest.objects.get()
    assert 'id="record-pending"' in client.get(detail(v)).content.decode()
    decide = reverse("fieldwork:correction_detail", args=[request.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 403  # own request

    client.force_login(county.user("office_leader"))
    home = client.get(reverse("dashboard:home")).content.decode()
    assert 'id="todo-corrections"' in home
    listing = client.get(reverse("fieldwork:corrections"), {"state": "pending"})
    assert decide in listing.content.decode()
    page = client.get(decide).content.decode()
    assert 'id="correction-changes"' in page and "张家" in page
    assert client.post(decide, {"decision": "reject", "note": ""}).status_code == 422
    assert client.post(decide, {"decision": "approve", "note": "同意"}).status_code == 302
    request.refresh_from_db()
    v.refresh_from_db()
    assert request.state == CorrectionState.APPROVED and v.household == "张家"


def test_the_request_page_masks_a_phone(county, client):
    r = floating(county)
    age(r, 8)
    services.correction_request(
        actor=county.user("beat"),
        record=r,
        action="correct",
        changes={"phone": "13903751002"},
        reason="号码更正",
    )
    client.force_login(county.user("office_leader"))
    pk = CorrectionRequest.objects.get().pk
    page = client.get(reverse("fieldwork:correction_detail", args=[pk])).content.decode()
    assert "13903751002" not in page and re.search(r"139\*+1002", page)


def test_who_sees_the_buttons(county, client):
    v = visit(county)
    for persona, shown in (
        ("beat", True),
        ("office_leader", True),
        ("station_leader", True),
        ("commander", False),
        ("inspector", False),
        ("aide", False),
    ):
        client.force_login(county.user(persona))
        page = client.get(detail(v)).content.decode()
        assert ('id="record-correct"' in page) is shown, persona


def test_a_correction_is_audited_once_with_its_reason(county, client):
    v = visit(county)
    client.force_login(county.user("beat"))
    client.post(correct_url(v), visit_form(v, notes="补记", reason="补充"))
    event = AuditEvent.objects.get(action="fieldwork.visit.correct")
    assert set(event.after) == {"notes", "reason"} and event.after["reason"] == "补充"
    assert event.after["notes"]["length"] == 2 and "补记" not in str(event.after)
    assert HouseholdVisit.objects.get(pk=v.pk).updated_at is not None
