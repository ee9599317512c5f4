"""Issue 13, finding 2: a matter staff entered — a crime lead with its informant's name above
all — was readable in full on /portal/track/ and through Open311 by its code. Only what a
resident submitted on the portal (or through Open311) is reachable by a tracking code."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from cunjing.matters import services
from cunjing.matters.models import Matter
from tests.api import api_as


@pytest.fixture
def staff_lead(county):
    body = {
        "area": county.areas["own"].pk,
        "kind": "lead",
        "description": "村东头有人收购来路不明的电动车，身份证号410481199001010030",
        "reporter_name": "王举报",
        "reporter_phone": "13903750077",
    }
    response = api_as(county.user("beat")).post(
        "/api/matters", body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 201, response.content
    return Matter.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize("kind", ["lead", "request"])
def test_a_staff_entered_matter_is_not_found_by_its_code(client, county, staff_lead, kind):
    matter = staff_lead
    if kind == "request":
        matter = services.matter_create(
            actor=county.user("beat"),
            area=county.areas["own"],
            kind="request",
            description="电话反映路灯坏了",
            reporter_name="李大爷",
            reporter_phone="13903750001",
            client_uuid=uuid.uuid4(),
        )
    response = client.post(reverse("portal:track"), {"code": matter.tracking_code})
    assert response.status_code == 404
    html = response.content.decode()
    for secret in ("王举报", "李大爷", "410481199001010030", "电动车", "路灯坏了"):
        assert secret not in html
    open311 = client.get("/open311/v2/requests.json", {"service_request_id": matter.tracking_code})
    assert open311.status_code == 200 and open311.json() == []
    single = client.get(f"/open311/v2/requests/{matter.tracking_code}.json")
    assert single.status_code == 404
    # Nor do the reporter's actions reach it.
    with pytest.raises(Matter.DoesNotExist):
        services.matter_rate(
            bureau_id=matter.bureau_id, tracking_code=matter.tracking_code, score=1
        )


def test_a_residents_own_matter_is_still_tracked(client, county):
    matter = services.matter_submit(
        area=county.areas["own"], kind="request", description="路灯坏了"
    )
    response = client.post(reverse("portal:track"), {"code": matter.tracking_code})
    assert response.status_code == 200
    assert "路灯坏了" in response.content.decode()
