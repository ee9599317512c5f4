"""The bureau's rules (the correction window of field records): set by the commander or the
system admin, on a page and through the API, audited with before and after."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cunjing.core.models import AuditEvent
from cunjing.org import services
from cunjing.org.models import Bureau
from tests.api import api_as


def window(county) -> int:
    return Bureau.objects.get(pk=county.bureau.pk).correction_window_days


@pytest.mark.parametrize("persona", ["commander", "sysadmin"])
def test_the_commander_and_the_system_admin_set_the_window(county, persona):
    assert window(county) == 7
    services.bureau_rules_update(actor=county.user(persona), correction_window_days=14)
    assert window(county) == 14
    event = AuditEvent.objects.get(action="bureau.rules.update")
    assert (event.before, event.after) == (
        {"correction_window_days": 7},
        {"correction_window_days": 14},
    )


@pytest.mark.parametrize(
    "persona", ["beat", "aide", "office_leader", "station_leader", "inspector", "auditor"]
)
def test_nobody_else_does(county, persona):
    with pytest.raises(PermissionDenied):
        services.bureau_rules_update(actor=county.user(persona), correction_window_days=30)
    assert window(county) == 7


def test_bounds_and_unknown_rules(county):
    commander = county.user("commander")
    for value in (-1, 91, "abc"):
        with pytest.raises(ValidationError) as caught:
            services.bureau_rules_update(actor=commander, correction_window_days=value)
        assert set(caught.value.message_dict) == {"correction_window_days"}
    with pytest.raises(ValidationError) as caught:
        services.bureau_rules_update(actor=commander, name="改名")
    assert set(caught.value.message_dict) == {"name"}
    assert window(county) == 7


def test_the_page(county, client):
    client.force_login(county.user("commander"))
    page = client.get(reverse("org:rules"))
    assert page.status_code == 200 and "更正期限" in page.content.decode()
    response = client.post(reverse("org:rules"), {"correction_window_days": "100"})
    assert (
        response.status_code == 422 and "correction_window_days" in response.context["form"].errors
    )
    response = client.post(reverse("org:rules"), {"correction_window_days": "3"})
    assert response.status_code == 302 and window(county) == 3


def test_the_api(county):
    client = api_as(county.user("sysadmin"))
    assert client.get("/api/org/rules").json() == {"correction_window_days": 7}
    response = client.put("/api/org/rules", {"correction_window_days": 91})
    assert response.status_code == 422
    response = client.put("/api/org/rules", {"correction_window_days": 0})
    assert response.status_code == 200 and response.json() == {"correction_window_days": 0}
    assert api_as(county.user("station_leader")).get("/api/org/rules").status_code == 403
