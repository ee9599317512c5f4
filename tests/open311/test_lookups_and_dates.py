"""Open311 lookups and dates (security review, finding 5).

Lookups by service request id without an API key used to be limited only by the per-address GET
rate (600 a minute) and could name up to 1,000 ids each; now they count against the portal's
tracking limit (30 per 10 minutes per client address, one count for both doors) and name at most
50 ids. ``start_date``/``end_date`` keep to the range every query date keeps to.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from cunjing.core.roles import SYSTEM
from cunjing.core.validators import QUERY_DATE_MIN, query_date_max
from cunjing.open311 import services
from cunjing.open311.forms import MAX_CODES
from tests.open311.conftest import BASE, body, error_descriptions, submit

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]


def code_of(client, key, noise) -> str:
    response = submit(client, key, noise)
    assert response.status_code == 201, response.content
    return body(response)[0]["service_request_id"]


def lookups(code: str) -> list[tuple[str, dict]]:
    """The two keyless lookups: the list by ids, and one request."""
    return [
        (f"{BASE}/requests.json", {"service_request_id": code}),
        (f"{BASE}/requests/{code}.json", {}),
    ]


# --- the lookup limit ------------------------------------------------------------------------


def test_the_portal_rate_is_the_default():
    assert settings.PORTAL_RATES["lookup"] == "30/10m"


@pytest.mark.parametrize("which", [0, 1])
def test_the_31st_keyless_lookup_in_10_minutes_is_429(client, county, key, noise, which):
    code = code_of(client, key, noise)
    path, params = lookups(code)[which]
    for n in range(30):
        assert client.get(path, params).status_code == 200, n
    response = client.get(path, params)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 600
    assert error_descriptions(response)
    # Another address has its own count.
    assert client.get(path, params, REMOTE_ADDR="10.0.0.7").status_code == 200


def test_both_lookups_and_the_portal_share_one_count(client, county, key, noise):
    code = code_of(client, key, noise)
    (by_ids, by_ids_params), (one, _params) = lookups(code)
    for n in range(10):
        assert client.get(by_ids, by_ids_params).status_code == 200, n
        assert client.get(one).status_code == 200, n
    for n in range(10):  # the portal's tracking form, from the same address
        assert client.post("/portal/track/", {"code": code}).status_code != 429, n
    assert client.get(one).status_code == 429
    assert client.post("/portal/track/", {"code": code}).status_code == 429


def test_lookups_with_a_valid_key_are_not_counted_as_keyless(client, county, key, noise):
    code = code_of(client, key, noise)
    for path, params in lookups(code):
        for _ in range(31):
            assert client.get(path, {**params, "api_key": key}).status_code == 200
    assert client.get(lookups(code)[1][0]).status_code == 200  # the keyless count is untouched


@override_settings(OPEN311_RATE_GET_PER_IP="5/m")
def test_lookups_with_a_key_keep_the_per_address_get_rate(client, county, key, noise):
    code = code_of(client, key, noise)
    path, params = lookups(code)[0]
    for _ in range(5):
        assert client.get(path, {**params, "api_key": key}).status_code == 200
    assert client.get(path, {**params, "api_key": key}).status_code == 429


@pytest.mark.parametrize("which", [0, 1])
def test_a_bad_or_revoked_key_is_no_way_around_the_limit(client, county, key, noise, which):
    """A lookup needs no key, so a bad or revoked one is answered like none: counted."""
    code = code_of(client, key, noise)
    path, params = lookups(code)[which]
    revoked_app, revoked = services.client_create(actor=SYSTEM, bureau=county.bureau, name="Old")
    services.client_revoke(actor=SYSTEM, client=revoked_app)
    for n in range(15):
        assert client.get(path, {**params, "api_key": "x" * 40}).status_code == 200, n
        assert client.get(path, {**params, "api_key": revoked}).status_code == 200, n
    response = client.get(path, {**params, "api_key": "guess"})
    assert response.status_code == 429


# --- ids per lookup --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_lookup_of_more_than_50_ids_is_400(client, county, key, noise, fmt):
    assert MAX_CODES == 50
    code = code_of(client, key, noise)
    ids = [code] + [f"ZZZZ{n:04d}" for n in range(MAX_CODES)]
    response = client.get(f"{BASE}/requests.{fmt}", {"service_request_id": ",".join(ids)})
    assert response.status_code == 400
    (description,) = error_descriptions(response, fmt)
    assert description.startswith("service_request_id: ") and "50" in description
    # With a key too.
    response = client.get(
        f"{BASE}/requests.{fmt}", {"service_request_id": ",".join(ids), "api_key": key}
    )
    assert response.status_code == 400


def test_a_lookup_of_50_ids_is_answered(client, county, key, noise):
    code = code_of(client, key, noise)
    ids = [code] + [f"ZZZZ{n:04d}" for n in range(MAX_CODES - 1)]
    response = client.get(f"{BASE}/requests.json", {"service_request_id": ",".join(ids)})
    assert response.status_code == 200
    assert [r["service_request_id"] for r in body(response)] == [code]


def test_the_served_description_documents_the_limits(client, county):
    document = client.get(f"{BASE}/openapi.json").json()
    assert "at most 50 ids" in document["info"]["description"]
    assert "30/10m" in document["info"]["description"]
    (lookup,) = [
        p
        for p in document["paths"][f"{BASE}/requests.{{format}}"]["get"]["parameters"]
        if p["name"] == "service_request_id"
    ]
    assert "At most 50 ids" in lookup["description"]


# --- dates -----------------------------------------------------------------------------------


def _bad_dates() -> list[str]:
    return [
        "00000000000",
        "0000-01-01",
        "0001-01-01T00:00:00Z",
        "10000-01-01",
        "9999-12-31T23:00:00-10:00",
        "2026-02-30",
        "２０１５-０１-２０",
        (QUERY_DATE_MIN - dt.timedelta(days=1)).isoformat(),
        f"{QUERY_DATE_MIN - dt.timedelta(days=1)}T23:59:59+08:00",
        (query_date_max() + dt.timedelta(days=1)).isoformat(),
    ]


@pytest.mark.parametrize("name", ["start_date", "end_date"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_or_out_of_range_date_is_400_in_open311s_format(client, county, key, name, fmt):
    for value in _bad_dates():
        response = client.get(f"{BASE}/requests.{fmt}", {"api_key": key, name: value})
        assert response.status_code == 400, (name, value, response.content)
        descriptions = error_descriptions(response, fmt)
        assert descriptions and all(d.startswith(f"{name}: ") for d in descriptions), value


def test_the_ends_of_the_range_are_accepted(client, county, key):
    now = timezone.localdate()
    for start, end in (
        (QUERY_DATE_MIN, QUERY_DATE_MIN + dt.timedelta(days=30)),
        (query_date_max() - dt.timedelta(days=30), query_date_max()),
        (now - dt.timedelta(days=1), now),
    ):
        params = {"api_key": key, "start_date": start.isoformat(), "end_date": end.isoformat()}
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, (start, end, response.content)
