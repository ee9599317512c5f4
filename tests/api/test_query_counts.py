"""Pinned query counts of the read endpoints, and proof they do not grow with the data.

Where the queries go (bearer token; a session adds the session and user look-ups instead):

- token → user → unit: 1 (``select_related``); the jurisdiction is a subquery of the rows' query;
- a list: count 1 + page 1 + the visible parents of the page's rows 1;
- a unit: the unit 1 + its parent 1 (none for the root) + children 1 + areas served 1;
- an area: the area 1 + its parent 1 + contact card (active beats with officers 1, serving unit 1);
- coverage: areas 1 + their active beats with officers 1;
- me: the bureau 1.
"""

from __future__ import annotations

import pytest

from cunjing.core.roles import SYSTEM
from cunjing.org import services as org
from tests.api import api_as

LIST_UNITS = 4
LIST_AREAS = 4
UNIT_DETAIL = 5
AREA_DETAIL = 5
COVERAGE = 4  # token, areas, their active beats with officers, aides by area and kind
ME = 2


def grow(county, n: int = 6) -> None:
    """More stations, offices, workstations, villages, officers and beats in the county."""
    bureau = county.bureau
    for i in range(n):
        station = org.unit_create(
            actor=SYSTEM, parent=county.units["bureau"], kind="station", name=f"新{i}派出所"
        )
        office = org.unit_create(actor=SYSTEM, parent=station, kind="office", name=f"新{i}警务室")
        township = org.area_create(
            actor=SYSTEM,
            bureau=bureau,
            parent=county.areas["county"],
            kind="town",
            name=f"新{i}镇",
            division_code=f"410499{300 + i:03d}000",
        )
        org.coverage_create(actor=SYSTEM, unit=station, area=township)
        for j in range(3):
            ws = org.unit_create(
                actor=SYSTEM, parent=office, kind="workstation", name=f"新{i}-{j}警务工作站"
            )
            village = org.area_create(
                actor=SYSTEM,
                bureau=bureau,
                parent=township,
                kind="village",
                name=f"新{i}-{j}村",
                division_code=f"410499{300 + i:03d}{200 + j:03d}",
            )
            org.coverage_create(actor=SYSTEM, unit=ws, area=village)
            officer = org.officer_create(
                actor=SYSTEM,
                unit=ws,
                name=f"警{i}{j}",
                badge_number=f"05{i:02d}{j:02d}",
                phone=f"138037{i:02d}{j:03d}",
            )
            org.beat_assign(actor=SYSTEM, officer=officer, area=village, is_lead=True)
    # And more officers on the area whose contact card is read.
    for k in range(4):
        extra = org.officer_create(
            actor=SYSTEM,
            unit=county.units["ws_own"],
            name=f"增{k}",
            badge_number=f"0600{k:02d}",
            phone=f"1390375{k:04d}",
        )
        org.beat_assign(actor=SYSTEM, officer=extra, area=county.areas["own"])


def endpoints(county) -> list[tuple[str, str, int]]:
    return [
        ("/api/org/units", "commander", LIST_UNITS),
        ("/api/org/units", "station_leader", LIST_UNITS),
        ("/api/org/areas", "commander", LIST_AREAS),
        ("/api/org/areas", "beat", LIST_AREAS),
        ("/api/org/areas?q=wfg", "commander", LIST_AREAS),
        (f"/api/org/units/{county.units['office_a'].pk}", "commander", UNIT_DETAIL),
        (f"/api/org/units/{county.units['ws_own'].pk}", "beat", UNIT_DETAIL),
        (f"/api/org/areas/{county.areas['own'].pk}", "commander", AREA_DETAIL),
        (f"/api/org/areas/{county.areas['own'].pk}", "beat", AREA_DETAIL),
        ("/api/org/coverage", "commander", COVERAGE),
        ("/api/org/coverage", "office_leader", COVERAGE),
        ("/api/me", "commander", ME),
    ]


@pytest.mark.parametrize("grown", [False, True], ids=["small", "grown"])
def test_query_counts_are_pinned_and_flat(county, django_assert_num_queries, grown):
    if grown:
        grow(county)
    for path, persona, expected in endpoints(county):
        client = api_as(county.user(persona))
        with django_assert_num_queries(expected):
            response = client.get(path)
        assert response.status_code == 200, (path, persona)


def test_grown_lists_really_are_longer(county):
    client = api_as(county.user("commander"))
    before = client.get("/api/org/areas").json()["count"]
    card_before = client.get(f"/api/org/areas/{county.areas['own'].pk}").json()
    grow(county)
    assert client.get("/api/org/areas").json()["count"] == before + 6 * 4
    card = client.get(f"/api/org/areas/{county.areas['own'].pk}").json()
    assert len(card["contact_card"]["others"]) == len(card_before["contact_card"]["others"]) + 4
    assert client.get("/api/org/coverage").json()["areas_total"] == 5 + 6 * 3


def test_an_aide_costs_no_more_queries_for_their_area(county, django_assert_num_queries):
    # The token's query brings the aide record the scope needs with the user.
    client = api_as(county.user("aide"))
    with django_assert_num_queries(LIST_AREAS):
        response = client.get("/api/org/areas")
    assert [a["name"] for a in response.json()["items"]] == ["瓦房沟村"]
