"""Dates in API query strings (security review, finding 5): ``date_from=00000000000`` was taken for
the Unix epoch; now every date parameter of every operation is ``YYYY-MM-DD`` in ASCII digits,
a real day, from ``QUERY_DATE_MIN`` to a year after today, else a 422 on that parameter."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunjing.api import api
from cunjing.core.validators import QUERY_DATE_MIN, parse_query_date, query_date_max
from tests.api import api_as

GOOD = "2015-01-20"


def _date_parameters() -> list[tuple[str, str, list[str]]]:
    """(path, parameter, the operation's required date parameters) of every GET operation with a
    date in its query string, read from the OpenAPI document: a new one is tested too."""
    found = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        parameters = operations.get("get", {}).get("parameters", [])
        dates = [
            p
            for p in parameters
            if p["in"] == "query" and '"format": "date"' in json.dumps(p["schema"])
        ]
        required = [p["name"] for p in dates if p.get("required")]
        found += [(path, p["name"], required) for p in dates]
    return found


DATE_PARAMETERS = _date_parameters()


def test_the_date_parameters_are_found():
    names = {(path, name) for path, name, _required in DATE_PARAMETERS}
    assert ("/api/matters", "date_from") in names
    assert ("/api/stats/totals", "from") in names
    assert ("/api/fieldwork/visits", "date_to") in names
    assert len(names) >= 24


def _bad_values() -> list[str]:
    too_late = query_date_max() + dt.timedelta(days=1)
    too_early = QUERY_DATE_MIN - dt.timedelta(days=1)
    return [
        "00000000000",  # the finding: a Unix timestamp to pydantic
        "1700000000",
        "0000-01-01",  # year 0
        "0001-01-01",
        "10000-01-01",  # year 10000
        "9999-12-31",
        "2026-02-30",  # no such day
        "2015-1-20",
        "20150120",
        "2015-01-20T00:00:00",
        "２０１５-０１-２０",  # full-width digits
        "٢٠١٥-٠١-٢٠",  # Arabic-Indic digits
        too_early.isoformat(),
        too_late.isoformat(),
    ]


@pytest.fixture
def commander(county):
    return api_as(county.user("commander"), lang="en")


@pytest.mark.parametrize(("path", "name", "required"), DATE_PARAMETERS)
def test_a_bad_or_out_of_range_date_is_422_on_that_parameter(
    county, commander, path, name, required
):
    params = {other: GOOD for other in required if other != name}
    for value in _bad_values():
        response = commander.get(path, {**params, name: value})
        assert response.status_code == 422, (path, name, value, response.content)
        assert list(response.json()["errors"]) == [name], (path, name, value)


@pytest.mark.parametrize(("path", "name", "required"), DATE_PARAMETERS)
def test_dates_at_the_ends_of_the_range_are_accepted(county, commander, path, name, required):
    for value in (QUERY_DATE_MIN, timezone.localdate(), query_date_max()):
        # The operation's other required dates on the same day: a range (from ≤ to) of one day.
        params = {other: value.isoformat() for other in required}
        response = commander.get(path, {**params, name: value.isoformat()})
        assert response.status_code == 200, (path, name, value, response.content)


def test_the_range_message_names_the_range(county, commander):
    response = commander.get("/api/matters", {"date_from": "1980-01-01"})
    high = query_date_max().isoformat()
    assert response.json()["errors"] == {
        "date_from": [f"Enter a date from {QUERY_DATE_MIN.isoformat()} to {high}."]
    }
    response = commander.get("/api/matters", {"date_from": "00000000000"})
    assert response.json()["errors"] == {"date_from": ["Enter a valid date."]}


def test_the_parser_itself():
    assert parse_query_date("2015-01-20") == dt.date(2015, 1, 20)
    for value in [*_bad_values(), "", " 2015-01-20", "2015-01-20\n", "2015-01-20\x00"]:
        with pytest.raises(ValidationError) as caught:
            parse_query_date(value)
        assert caught.value.code in ("date", "date_out_of_range"), value


def test_the_upper_bound_on_29_february():
    assert query_date_max(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert query_date_max(dt.date(2025, 3, 1)) == dt.date(2026, 3, 1)
