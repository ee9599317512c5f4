"""The error shape: every failure is JSON with messages in the user's language, never a 500."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.utils import translation

from cunjing.core.api import pydantic_field_errors
from cunjing.core.models import AuditEvent
from tests.api import api_as, zh


@pytest.fixture
def sysadmin(county):
    return api_as(county.user("sysadmin"), lang="en")


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        # Python's json module accepts these; none of them is a coordinate.
        (b'{"latitude": NaN}', "latitude", "Enter a number."),
        (b'{"latitude": Infinity}', "latitude", "Enter a number."),
        (b'{"latitude": 1e400}', "latitude", "Enter a number."),
        # A lone surrogate cannot be stored in UTF-8 (PostgreSQL would refuse it).
        (b'{"name": "\\ud800"}', "name", "The text contains invalid characters."),
        (b'{"name": "a\\u0000b"}', "name", "Null characters are not allowed."),
        (b'{"latitude": true}', "latitude", "Enter a number."),
        (b'{"name": ["a"]}', "name", "Enter text."),
        (b'{"name": 5}', "name", "Enter text."),
    ],
)
def test_hostile_json_values_are_field_errors(county, sysadmin, raw, field, message):
    area = county.areas["own"]
    response = sysadmin.patch(f"/api/org/areas/{area.pk}", raw=raw)
    assert response.status_code == 422
    assert response.json()["errors"] == {field: [message]}
    area.refresh_from_db()
    assert area.name == "瓦房沟村" and area.latitude == 33.2301


@pytest.mark.parametrize(
    ("raw", "status", "errors"),
    [
        (b"{}", 200, None),
        (b"", 422, {"__all__": ["This field is required."]}),
        (b"null", 422, {"__all__": ["Send a JSON object."]}),
        (b'"name"', 422, {"__all__": ["Send a JSON object."]}),
    ],
)
def test_empty_patch_is_allowed_or_a_body_error(county, sysadmin, raw, status, errors):
    response = sysadmin.patch(f"/api/org/areas/{county.areas['own'].pk}", raw=raw)
    assert response.status_code == status
    if errors:
        assert response.json()["errors"] == errors
    assert not AuditEvent.objects.filter(action="area.update").exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"officer": "5"}, "officer", "Enter a whole number."),
        ({"officer": 5.0}, "officer", "Enter a whole number."),
        ({"officer": True}, "officer", "Enter a whole number."),
        (
            {"officer": 2**63},
            "officer",
            f"Ensure this value is less than or equal to {2**63 - 1}.",
        ),
        ({"is_lead": "yes"}, "is_lead", "Enter true or false."),
        ({"is_lead": 1}, "is_lead", "Enter true or false."),
    ],
)
def test_json_body_types_are_strict(county, sysadmin, body, field, message):
    response = sysadmin.post("/api/org/beats", {"officer": 1, "area": 1, **body})
    assert response.status_code == 422
    assert response.json()["errors"] == {field: [message]}


def test_several_errors_come_back_together(county, sysadmin):
    response = sysadmin.post(
        "/api/org/beats", {"officer": "x", "start_date": "tomorrow", "extra": 1}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "officer": ["Enter a whole number."],
        "area": ["This field is required."],
        "start_date": ["Enter a valid date."],
        "extra": ["This field is not allowed."],
    }


def test_messages_default_to_chinese(county):
    response = api_as(county.user("sysadmin")).post("/api/org/beats", {"officer": "x"})
    assert response.status_code == 422
    assert response["Content-Language"] == "zh-hans"
    assert response.json()["errors"] == {
        "officer": [zh("Enter a whole number.")],
        "area": [zh("This field is required.")],
    }


def test_accept_language_english(county):
    response = api_as(county.user("sysadmin"), lang="en").post("/api/org/beats", {"officer": "x"})
    assert response["Content-Language"] == "en"
    assert response.json()["errors"] == {
        "officer": ["Enter a whole number."],
        "area": ["This field is required."],
    }


def test_403_404_shapes(county):
    client = api_as(county.user("auditor"), lang="en")
    response = client.get("/api/org/areas")
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to do this."}
    response = api_as(county.user("commander"), lang="en").get("/api/org/areas/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_lost_race_on_a_constraint_is_409_not_500(county, sysadmin, monkeypatch):
    from cunjing.org import services

    def racing(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "beat_assign", racing)
    response = sysadmin.post(
        "/api/org/beats",
        {"officer": county.officers["own"].pk, "area": county.areas["sibling"].pk},
    )
    assert response.status_code == 409
    assert set(response.json()) == {"detail"}


def test_unknown_error_types_fall_back_to_a_generic_message():
    errors = [{"type": "something_new", "loc": ("body", "payload", "x"), "msg": "?"}]
    with translation.override("en"):
        assert pydantic_field_errors(errors) == {"x": ["Enter a valid value."]}
    with translation.override("zh-hans"):
        assert pydantic_field_errors(errors) == {"x": [zh("Enter a valid value.")]}


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (("body", "payload", "name"), "name"),
        (("body", "payload"), "__all__"),
        (("body", "payload", "items", 0, "name"), "name"),
        (("query", "limit"), "limit"),
        (("path", "area_id"), "area_id"),
    ],
)
def test_field_is_the_last_name_in_loc(loc, field):
    assert list(pydantic_field_errors([{"type": "missing", "loc": loc}])) == [field]


def test_unknown_api_path_is_not_a_500(county):
    response = api_as(county.user("commander")).get("/api/org/nothing-here")
    assert response.status_code == 404


def test_wrong_method_is_405(county):
    response = api_as(county.user("commander")).request("delete", "/api/org/areas/1")
    assert response.status_code == 405
