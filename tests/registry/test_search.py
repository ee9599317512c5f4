"""The registry search: one ``q`` for name, pinyin initials, ID tail and address; scoped;
pinned query counts that do not grow with the registry."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunjing.core.roles import SYSTEM
from cunjing.registry import selectors
from cunjing.registry.models import Resident, id_tail_key
from tests.api import api_as
from tests.registry.data import OWN_ID, id_number

AUTH = 1  # bearer token → user → unit (one select_related query)
LIST = AUTH + 2  # count + page (rows with dwelling, address, area joined)
DETAIL = AUTH + 1
REVEAL = AUTH + 3  # the record (scope inline) + the audit chain's head and row


def search(county, persona: str, path: str, q: str) -> list[str]:
    response = api_as(county.user(persona)).get(f"/api/registry/{path}", {"q": q})
    assert response.status_code == 200, response.content
    key = "full_text" if path == "addresses" else "name"
    return sorted(row[key] for row in response.json()["items"])


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("张", ["张伟明", "张小宝"]),  # name contains
        ("伟明", ["张伟明"]),
        ("zwm", ["张伟明"]),  # pinyin initials, prefix
        ("ZX", ["张小宝"]),  # any case
        ("z", ["张伟明", "张小宝"]),
        ("wm", []),  # initials match from the start only
        (OWN_ID[-4:], ["张伟明"]),  # ID tail, 4 characters
        (OWN_ID[-6:], ["张伟明"]),  # ... 6
        (OWN_ID[-5:-1], []),  # not the end of the number
        ("建设路", ["张伟明", "张小宝"]),  # address text
        ("1号", ["张伟明", "张小宝"]),
        ("李秀英", []),  # another station's resident
        ("", ["张伟明", "张小宝"]),
    ],
)
def test_search_residents(county, registry, q, expected):
    assert search(county, "beat", "residents", q) == expected


def test_search_reaches_across_the_subtree_of_a_commander(county, registry):
    assert search(county, "commander", "residents", "l") == ["李秀英"]
    assert search(county, "commander", "residents", "路") == ["张伟明", "张小宝", "李秀英"]
    assert search(county, "station_leader", "residents", "路") == ["张伟明", "张小宝"]


def test_an_id_tail_ending_in_x_is_found_in_any_case(county, registry):
    number = next(
        n for n in (id_number("19751010", f"{s:03d}") for s in range(100, 200)) if n.endswith("X")
    )
    from cunjing.registry import services

    services.resident_create(
        actor=SYSTEM,
        dwelling=registry.dwellings["own"],
        name="钱多多",
        household_role="other",
        id_number=number,
    )
    assert search(county, "beat", "residents", number[-4:].lower()) == ["钱多多"]
    assert search(county, "beat", "residents", number[-5:]) == ["钱多多"]


def test_search_establishments_and_addresses(county, registry):
    assert search(county, "beat", "establishments", "便利") == ["瓦房沟便利店"]
    assert search(county, "beat", "establishments", "wfg") == ["瓦房沟便利店"]
    assert search(county, "beat", "establishments", "建设路") == ["瓦房沟便利店"]
    assert search(county, "beat", "establishments", "网吧") == []
    assert search(county, "commander", "establishments", "网吧") == ["杨庄网吧"]
    assert search(county, "beat", "addresses", "jsl") == ["瓦房沟村建设路1号"]
    assert search(county, "beat", "addresses", "瓦房沟") == ["瓦房沟村建设路1号"]
    assert search(county, "office_leader", "addresses", "号") == [
        "刘沟村刘沟大街8号",
        "瓦房沟村建设路1号",
    ]


def test_the_id_tail_search_is_a_prefix_lookup_on_the_stored_key(county, registry):
    sql = str(selectors.resident_list(county.user("commander"), q="1234").query)
    assert "id_tail_key" in sql
    assert id_tail_key("410481198001015617") == "7165" + "10"
    # Not a scan of the full number:
    assert '"registry_resident"."id_number" LIKE' not in sql


def test_the_search_text_is_bounded(county, registry):
    response = api_as(county.user("beat")).get("/api/registry/residents", {"q": "张" * 51})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["q"]


def test_pages(county, registry):
    client = api_as(county.user("commander"))
    first = client.get("/api/registry/residents", {"limit": 2}).json()
    second = client.get("/api/registry/residents", {"limit": 2, "offset": 2}).json()
    assert first["count"] == second["count"] == 4
    names = [r["name"] for r in first["items"] + second["items"]]
    assert sorted(names) == sorted(r.name for r in Resident.objects.all())


# --- Query counts -----------------------------------------------------------------------------


def grow(registry, n: int = 300) -> None:
    """Many more residents in the beat officer's dwelling, all matching the searches."""
    dwelling = registry.dwellings["own"]
    Resident.objects.bulk_create(
        Resident(
            bureau_id=dwelling.bureau_id,
            area_id=dwelling.area_id,
            dwelling=dwelling,
            name=f"张{i}",
            name_initials="z",
            id_number=(number := id_number("19900101", f"{i:03d}")),
            id_tail_key=id_tail_key(number),
            household_role="other",
        )
        for i in range(n)
    )


def endpoints(registry):
    r = registry
    return [
        ("get", "/api/registry/residents", None, "beat", LIST),
        ("get", "/api/registry/residents?q=zw", None, "beat", LIST),
        ("get", f"/api/registry/residents?q={OWN_ID[-4:]}", None, "commander", LIST),
        ("get", "/api/registry/residents?q=建设路", None, "station_leader", LIST),
        ("get", "/api/registry/residents", None, "aide", LIST),  # the aide comes with the token
        ("get", "/api/registry/addresses?q=jsl", None, "commander", LIST),
        ("get", "/api/registry/dwellings", None, "beat", LIST),
        ("get", "/api/registry/establishments?q=wfg", None, "office_leader", LIST),
        ("get", f"/api/registry/residents/{r.residents['own'].pk}", None, "beat", DETAIL),
        ("get", f"/api/registry/addresses/{r.addresses['own'].pk}", None, "beat", DETAIL),
        ("get", f"/api/registry/dwellings/{r.dwellings['own'].pk}", None, "beat", DETAIL),
        (
            "get",
            f"/api/registry/establishments/{r.establishments['own'].pk}",
            None,
            "commander",
            DETAIL,
        ),
        (
            "post",
            "/api/reveal",
            {
                "object": "resident",
                "id": r.residents["own"].pk,
                "field": "phone",
                "reason": "核查身份",
            },
            "beat",
            REVEAL,
        ),
    ]


def _queries(client, method, path, body):
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(path, body) if body else client.get(path)
    assert response.status_code == 200, (path, response.content)
    # Savepoints of the writing transaction are not queries of the data.
    return [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"].upper()]


@pytest.mark.parametrize("grown", [False, True], ids=["small", "grown"])
def test_query_counts_are_pinned_and_flat(county, registry, grown):
    if grown:
        grow(registry)
    for method, path, body, persona, expected in endpoints(registry):
        client = api_as(county.user(persona))
        queries = _queries(client, method, path, body)
        assert len(queries) == expected, (path, persona, queries)


def test_the_grown_registry_really_is_larger(county, registry):
    client = api_as(county.user("beat"))
    before = client.get("/api/registry/residents", {"q": "z"}).json()["count"]
    grow(registry)
    assert client.get("/api/registry/residents", {"q": "z"}).json()["count"] == before + 300
