"""GET /api/stats/totals: the results table for any visible unit and date range."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext

from tests.api import ApiClient, token_for
from tests.fieldwork.bodies import DAY, bodies, key

URL = "/api/stats/totals"
KEYS = {
    "volunteers",
    "visits",
    "matters",
    "disputes_mediated",
    "floating_residents",
    "contact_cards",
    "assisted_households",
    "assisted_people",
    "services",
}


def client_for(county, persona):
    return ApiClient(token_for(county.user(persona)))


def record_everything(county):
    officer = client_for(county, "beat")
    for kind, body in bodies(county.areas["own"].pk).items():
        response = officer.post(f"/api/fieldwork/{kind}", body, headers=key())
        assert response.status_code in (200, 201), (kind, response.json())


def test_totals_of_the_bureau_and_of_a_workstation(county):
    record_everything(county)
    commander = client_for(county, "commander")
    body = commander.get(URL, {"from": DAY, "to": DAY}).json()
    assert set(body) >= KEYS
    assert (body["unit"], body["from"], body["to"]) == (county.units["bureau"].pk, DAY, DAY)
    assert body["visits"] == 1
    assert body["contact_cards"] == 1
    assert body["floating_residents"] == 1
    assert body["assisted_households"] == 1
    assert body["matters"] == 0 and body["disputes_mediated"] == 0
    sibling = commander.get(
        URL, {"unit": county.units["ws_sibling"].pk, "from": DAY, "to": DAY}
    ).json()
    assert all(sibling[k] == 0 for k in KEYS)
    own = commander.get(URL, {"unit": county.units["ws_own"].pk, "from": DAY, "to": DAY}).json()
    assert {k: own[k] for k in KEYS} == {k: body[k] for k in KEYS}


def test_range_outside_the_records_is_zero(county):
    record_everything(county)
    body = client_for(county, "commander").get(URL, {"from": "2010-01-01", "to": "2010-12-31"})
    assert all(body.json()[k] == 0 for k in KEYS)


@pytest.mark.parametrize(
    ("persona", "unit", "status"),
    [
        ("beat", "ws_own", 200),
        ("beat", "ws_sibling", 404),
        ("beat", "ws_other", 404),
        ("station_leader", "station_a", 200),
        ("station_leader", "ws_own", 200),
        ("station_leader", "station_b", 404),
        ("station_leader", "bureau", 404),
        ("commander", "station_b", 200),
        ("inspector", "bureau", 200),
        ("auditor", "bureau", 403),
        ("anonymous", "bureau", 401),
    ],
)
def test_scope(county, persona, unit, status):
    client = ApiClient() if persona == "anonymous" else client_for(county, persona)
    response = client.get(URL, {"unit": county.units[unit].pk, "from": DAY, "to": DAY})
    assert response.status_code == status


def test_default_unit_is_the_users_own(county):
    body = client_for(county, "station_leader").get(URL, {"from": DAY, "to": DAY}).json()
    assert body["unit"] == county.units["station_a"].pk


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": DAY}, "from"),
        ({"from": DAY}, "to"),
        ({"from": "2015-02-30", "to": DAY}, "from"),
        ({"from": DAY, "to": "yesterday"}, "to"),
        ({"from": "2015-01-20", "to": "2015-01-19"}, "to"),
        ({"from": "1990-01-01", "to": "2015-01-19"}, "to"),
        ({"from": DAY, "to": DAY, "unit": "x"}, "unit"),
        ({"from": DAY, "to": DAY, "unit": "0"}, "unit"),
    ],
)
def test_bad_input_is_a_field_error(county, params, field):
    response = client_for(county, "commander").get(URL, params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_order_error_is_in_chinese_by_default(county):
    response = client_for(county, "commander").get(URL, {"from": "2015-01-20", "to": "2015-01-19"})
    message = response.json()["errors"]["to"][0]
    assert message == gettext("The end date cannot be before the start date.")
    assert not message.isascii()


def test_query_count_is_flat(county, django_assert_num_queries):
    client = client_for(county, "commander")
    client.get(URL, {"from": DAY, "to": DAY})  # warm the token's user
    with django_assert_num_queries(3) as ctx:
        client.get(URL, {"from": "2010-01-01", "to": "2015-12-31"})
    first = len(ctx.captured_queries)
    record_everything(county)
    with django_assert_num_queries(first):
        client.get(URL, {"from": "2010-01-01", "to": "2015-12-31"})
