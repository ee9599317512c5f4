"""A record is refused with every field's error in one answer — what the service refuses (a
phone that is no number) together with what the model refuses (an ID number, dates) — so an
officer on a phone corrects everything in one round."""

from __future__ import annotations

from cunjing.fieldwork.models import FloatingResident, Volunteer
from tests.api import api_as
from tests.fieldwork.bodies import key

AREA_OWN = "own"


def post(county, path: str, body: dict):
    headers = key()
    body = {**body, "client_uuid": headers["Idempotency-Key"]}
    return api_as(county.user("beat")).post(f"/api/fieldwork/{path}", body, headers=headers)


def test_a_floating_resident_with_three_bad_fields_names_all_three(county):
    body = {
        "area": county.areas[AREA_OWN].pk,
        "occurred_on": "2014-10-08",
        "name": "周某",
        "id_number": "990101199001011230",  # a valid check digit, but no such region
        "phone": "hello",
        "origin": "湖北省十堰市",
        "arrived_on": "2014-10-01",
        "departed_on": "2014-09-01",  # before the arrival
        "residence": "瓦房沟村5组12号",
    }
    response = post(county, "floating-residents", body)
    assert response.status_code == 422
    fields = set(response.json()["errors"])
    assert {"phone", "id_number", "departed_on"} <= fields, response.json()
    assert not FloatingResident.objects.exists()


def test_a_volunteer_without_a_phone_and_with_a_long_name(county):
    body = {
        "area": county.areas[AREA_OWN].pk,
        "occurred_on": "2014-10-08",
        "name": "名" * 50,
        "phone": "12",
        "skills": "驾驶",
    }
    response = post(county, "volunteers", body)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"phone"}
    assert not Volunteer.objects.exists()
