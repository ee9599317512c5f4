"""Lists of field records: scoped, filtered by area, unit subtree and dates, keyset-paginated,
with a query count that does not grow with the rows."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from cunjing.fieldwork import services
from cunjing.fieldwork.models import HouseholdVisit
from tests.api import api_as

D = dt.date


def visit(county, persona: str, area: str, day: dt.date, household: str = "某户"):
    return services.visit_create(
        actor=county.user(persona),
        area=county.areas[area],
        occurred_on=day,
        client_uuid=uuid.uuid4(),
        household=household,
        purpose="routine",
    )


@pytest.fixture
def visits(county):
    """Five visits in 瓦房沟村 (beat), two in 刘沟村 (sibling), one in 杨庄村 (other)."""
    made = [visit(county, "beat", "own", D(2014, 10, d), f"瓦{d}") for d in (1, 2, 2, 5, 9)]
    made += [visit(county, "sibling", "sibling", D(2014, 10, d), f"刘{d}") for d in (3, 4)]
    made += [visit(county, "other", "other", D(2014, 10, 6), "杨6")]
    return made


def households(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["household"] for item in response.json()["items"]]


def test_each_persona_lists_only_what_it_may_see(county, visits):
    def seen(persona):
        return households(api_as(county.user(persona)).get("/api/fieldwork/visits"))

    assert seen("beat") == ["瓦9", "瓦5", "瓦2", "瓦2", "瓦1"]
    assert seen("sibling") == ["刘4", "刘3"]
    assert seen("other") == ["杨6"]
    assert seen("aide") == seen("beat")
    assert seen("office_leader") == ["瓦9", "瓦5", "刘4", "刘3", "瓦2", "瓦2", "瓦1"]
    assert seen("station_leader") == seen("office_leader")
    assert seen("commander") == ALL


def test_newest_first_ties_broken_by_id(county, visits):
    items = api_as(county.user("beat")).get("/api/fieldwork/visits").json()["items"]
    twos = [i["id"] for i in items if i["occurred_on"] == "2014-10-02"]
    assert twos == sorted(twos, reverse=True)


ALL = ["瓦9", "杨6", "瓦5", "刘4", "刘3", "瓦2", "瓦2", "瓦1"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"area": "sibling"}, ["刘4", "刘3"]),
        ({"unit": "ws_own"}, ["瓦9", "瓦5", "瓦2", "瓦2", "瓦1"]),
        ({"unit": "station_b"}, ["杨6"]),
        ({"date_from": "2014-10-04", "date_to": "2014-10-06"}, ["杨6", "瓦5", "刘4"]),
        ({"unit": "office_a", "date_to": "2014-10-02"}, ["瓦2", "瓦2", "瓦1"]),
        ({"area": "", "unit": "", "date_from": ""}, ALL),
    ],
)  # fmt: skip
def test_filters(county, visits, params, expected):
    resolve = {"area": county.areas, "unit": county.units}
    query = {k: (resolve[k][v].pk if k in resolve and v else v) for k, v in params.items()}
    response = api_as(county.user("commander")).get("/api/fieldwork/visits", query)
    assert households(response) == expected


@pytest.mark.parametrize(("param", "key"), [("area", "other"), ("unit", "ws_other")])
def test_filtering_by_an_invisible_area_or_unit_answers_404(county, visits, param, key):
    objects = county.areas if param == "area" else county.units
    client = api_as(county.user("beat"))
    invisible = client.get("/api/fieldwork/visits", {param: objects[key].pk})
    missing = client.get("/api/fieldwork/visits", {param: 987_654_321})
    assert invisible.status_code == missing.status_code == 404
    assert invisible.json() == missing.json()


def test_the_cursor_walks_every_row_once(county, visits):
    client = api_as(county.user("commander"))
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"before": cursor} if cursor else {})
        body = client.get("/api/fieldwork/visits", params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert pages == 3
    expected = list(
        HouseholdVisit.objects.order_by("-occurred_on", "-id").values_list("id", flat=True)
    )
    assert seen == expected


def test_a_row_written_meanwhile_does_not_shift_the_next_page(county, visits):
    client = api_as(county.user("beat"))
    first = client.get("/api/fieldwork/visits", {"limit": 2}).json()
    visit(county, "beat", "own", D(2014, 10, 20), "新")
    second = client.get("/api/fieldwork/visits", {"limit": 2, "before": first["next"]}).json()
    assert [i["household"] for i in second["items"]] == ["瓦2", "瓦2"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 201}, "limit"), ({"limit": 0}, "limit"), ({"before": "yesterday"}, "before"),
     ({"date_from": "2014-13-01"}, "date_from"), ({"area": -1}, "area")],
)  # fmt: skip
def test_bad_list_parameters_answer_422(county, params, field):
    response = api_as(county.user("commander")).get("/api/fieldwork/visits", params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


# token → user → unit 1, the page 1; the area filter adds the area 1, the unit filter the unit 1.
LIST_QUERIES = 2
FILTERED_QUERIES = 4


@pytest.mark.parametrize("n", [1, 30])
def test_the_query_count_does_not_grow_with_rows(county, django_assert_num_queries, n):
    for i in range(n):
        visit(county, "beat", "own", D(2014, 10, 1) + dt.timedelta(days=i % 28))
        visit(county, "sibling", "sibling", D(2014, 11, 1))
    client = api_as(county.user("office_leader"))
    with django_assert_num_queries(LIST_QUERIES):
        body = client.get("/api/fieldwork/visits", {"limit": 200}).json()
    assert len(body["items"]) == 2 * n
    params = {"area": county.areas["own"].pk, "unit": county.units["office_a"].pk}
    with django_assert_num_queries(FILTERED_QUERIES):
        body = client.get("/api/fieldwork/visits", params).json()
    assert len(body["items"]) == n
