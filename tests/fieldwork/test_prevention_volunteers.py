"""Volunteers (社会防范人员) join prevention activities: the record names them, from the
recorder's scope, never more of them than took part."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from cunjing.core.models import AuditEvent
from cunjing.fieldwork import services
from cunjing.fieldwork.models import PreventionActivity
from tests.fieldwork.bodies import bodies, key
from tests.fieldwork.test_pages import form_data, login
from tests.fieldwork.test_permissions import client_for


def _volunteer(county, persona="beat", area="own", name="孙志强"):
    return services.volunteer_create(
        actor=county.user(persona),
        area=county.areas[area],
        occurred_on=dt.date(2014, 10, 1),
        client_uuid=uuid.uuid4(),
        name=name,
        phone="13903755678",
    )


@pytest.mark.parametrize("persona", ["beat", "aide"])
def test_a_prevention_activity_names_the_volunteers_who_joined(county, persona):
    one, two = _volunteer(county), _volunteer(county, name="李红")
    body = {**bodies(county.areas["own"].pk)["prevention"], "volunteers": [two.pk, one.pk]}
    response = client_for(county, persona).post("/api/fieldwork/prevention", body, headers=key())
    assert response.status_code == 201, response.json()
    assert response.json()["volunteers"] == sorted([one.pk, two.pk])
    activity = PreventionActivity.objects.get()
    assert set(activity.volunteers.all()) == {one, two}
    assert set(one.activities.all()) == {activity}
    event = AuditEvent.objects.get(action="fieldwork.prevention.create")
    assert sorted(event.after["volunteers"]) == sorted([one.pk, two.pk])
    listed = client_for(county, persona).get("/api/fieldwork/prevention").json()["items"]
    assert listed[0]["volunteers"] == sorted([one.pk, two.pk])


def test_volunteers_out_of_scope_or_too_many_are_refused(county):
    theirs = _volunteer(county, persona="other", area="other")
    mine = [_volunteer(county, name=f"志愿者{i}") for i in range(3)]
    own = county.areas["own"].pk
    beat = client_for(county, "beat")
    body = {**bodies(own)["prevention"], "volunteers": [theirs.pk]}
    hidden = beat.post("/api/fieldwork/prevention", body, headers=key())
    assert hidden.status_code == 422 and "volunteers" in hidden.json()["errors"]
    too_many = {
        **bodies(own)["prevention"],
        "participants": 2,
        "volunteers": [v.pk for v in mine],
    }
    response = beat.post("/api/fieldwork/prevention", too_many, headers=key())
    assert response.status_code == 422 and "participants" in response.json()["errors"]
    assert PreventionActivity.objects.count() == 0


def test_the_page_form_offers_my_volunteers_and_the_detail_names_them(client, county):
    mine = _volunteer(county)
    _volunteer(county, persona="other", area="other", name="外站志愿者")
    login(client, county, "beat")
    url = reverse("fieldwork:record_new", args=["prevention"])
    page = client.get(url)
    assert list(page.context["form"].fields["volunteers"].queryset) == [mine]
    response = client.post(url, {**form_data(county, "prevention"), "volunteers": [mine.pk]})
    assert response.status_code == 302
    activity = PreventionActivity.objects.get()
    assert list(activity.volunteers.all()) == [mine]
    assert "孙志强" in client.get(response["Location"]).content.decode()
