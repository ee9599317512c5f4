"""The registry API: scope (own area only for a beat officer, the subtree for leaders, 404
outside), aides without ID numbers, masked values for everybody else, writes and field errors."""

from __future__ import annotations

import pytest

from cunjing.core.models import AuditEvent
from cunjing.registry.models import Resident
from tests.api import api_as, zh
from tests.registry.data import OWN_ID, bad_check_digit, id_number

MISSING = 987_654_321


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["items"]]


# --- Scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("beat", ["张小宝", "张伟明"]),
        ("sibling", ["王建国"]),
        ("other", ["李秀英"]),
        ("aide", ["张小宝", "张伟明"]),
        ("office_leader", ["张小宝", "张伟明", "王建国"]),
        ("station_leader", ["张小宝", "张伟明", "王建国"]),
        ("commander", ["张小宝", "张伟明", "李秀英", "王建国"]),
        ("inspector", ["张小宝", "张伟明", "李秀英", "王建国"]),
    ],
)
def test_each_persona_lists_the_residents_of_their_jurisdiction(
    county, registry, persona, expected
):
    response = api_as(county.user(persona)).get("/api/registry/residents")
    assert sorted(names(response)) == sorted(expected)
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("persona", ["sysadmin", "secadmin", "auditor"])
def test_the_admin_roles_do_not_read_the_registry(county, registry, persona):
    client = api_as(county.user(persona))
    for path in (
        "/api/registry/residents",
        f"/api/registry/residents/{registry.residents['own'].pk}",
        "/api/registry/addresses",
        "/api/registry/establishments",
    ):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize(
    ("relation", "status"), [("own", 200), ("sibling", 404), ("other", 404), ("none", 404)]
)
def test_a_beat_officer_opens_only_their_own_records(county, registry, relation, status):
    client = api_as(county.user("beat"))
    for path, rows in (
        ("addresses", registry.addresses),
        ("dwellings", registry.dwellings),
        ("residents", registry.residents),
    ):
        pk = rows[relation].pk if relation != "none" else MISSING
        response = client.get(f"/api/registry/{path}/{pk}")
        assert response.status_code == status, path
    if status == 404:
        # Invisible and missing look the same.
        pk = registry.residents[relation].pk if relation != "none" else MISSING
        missing = client.get(f"/api/registry/residents/{MISSING}")
        assert client.get(f"/api/registry/residents/{pk}").json() == missing.json()


def test_a_station_leader_sees_the_station_subtree_only(county, registry):
    client = api_as(county.user("station_leader"))
    assert (
        client.get(f"/api/registry/residents/{registry.residents['sibling'].pk}").status_code == 200
    )
    assert (
        client.get(f"/api/registry/residents/{registry.residents['other'].pk}").status_code == 404
    )
    response = client.get("/api/registry/addresses", {"area": county.areas["other"].pk})
    assert response.status_code == 404  # a filter on an invisible area is a 404 too


# --- Masking and aides ------------------------------------------------------------------------


def test_everybody_but_aides_sees_masked_id_numbers_and_phones(county, registry):
    pk = registry.residents["own"].pk
    body = api_as(county.user("beat")).get(f"/api/registry/residents/{pk}").json()
    assert body["id_number"] == OWN_ID[:6] + "********" + OWN_ID[-4:]
    assert body["phone"] == "139****1234"
    assert OWN_ID not in str(body)


def test_aides_see_residents_without_id_numbers(county, registry):
    client = api_as(county.user("aide"))
    detail = client.get(f"/api/registry/residents/{registry.residents['own'].pk}").json()
    assert "id_number" not in detail
    assert detail["name"] == "张伟明" and detail["phone"] == "139****1234"
    rows = client.get("/api/registry/residents").json()["items"]
    assert rows and all("id_number" not in row for row in rows)
    # ... and cannot find a person by the end of their ID number either.
    found = client.get("/api/registry/residents", {"q": OWN_ID[-4:]}).json()
    assert found["count"] == 0


def test_the_establishment_contact_phone_is_masked(county, registry):
    pk = registry.establishments["own"].pk
    body = api_as(county.user("beat")).get(f"/api/registry/establishments/{pk}").json()
    assert body["contact_phone"] == "139****1111"
    assert body["is_key_unit"] is True


# --- Writes -----------------------------------------------------------------------------------


def test_a_beat_officer_registers_address_dwelling_resident_establishment(county):
    client = api_as(county.user("beat"))
    address = client.post(
        "/api/registry/addresses",
        {"area": county.areas["own"].pk, "road": "幸福路", "number": "8号", "latitude": 33.2},
    )
    assert address.status_code == 201, address.json()
    assert address.json()["full_text"] == "瓦房沟村幸福路8号"
    dwelling = client.post(
        "/api/registry/dwellings", {"address": address.json()["id"], "kind": "rented"}
    )
    assert dwelling.status_code == 201, dwelling.json()
    number = id_number("19881212", "642")
    resident = client.post(
        "/api/registry/residents",
        {
            "dwelling": dwelling.json()["id"],
            "name": "周杰",
            "household_role": "tenant",
            "id_number": number,
            "phone": "13903750001",
        },
    )
    assert resident.status_code == 201, resident.json()
    assert resident.json()["id_number"] == f"410481********{number[-4:]}"
    assert Resident.objects.get(pk=resident.json()["id"]).id_number == number
    establishment = client.post(
        "/api/registry/establishments",
        {"address": address.json()["id"], "name": "幸福旅馆", "kind": "hotel"},
    )
    assert establishment.status_code == 201, establishment.json()
    assert AuditEvent.objects.filter(action__startswith="registry.").count() == 4


def test_bad_input_is_422_with_chinese_field_errors(county, registry):
    client = api_as(county.user("beat"), lang="zh-hans")
    response = client.post(
        "/api/registry/residents",
        {
            "dwelling": registry.dwellings["own"].pk,
            "name": "周杰",
            "household_role": "tenant",
            "id_number": bad_check_digit(OWN_ID),
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"id_number": [zh("Enter a valid resident ID number.")]}
    response = client.post(
        "/api/registry/residents",
        {
            "dwelling": registry.dwellings["own"].pk,
            "name": "周杰",
            "household_role": "boss",
            "phone": "12",
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"household_role"}
    response = client.post(
        "/api/registry/residents",
        {
            "dwelling": registry.dwellings["own"].pk,
            "name": "周杰",
            "household_role": "tenant",
            "phone": "12",
        },
    )
    assert response.json()["errors"] == {"phone": [zh("Enter a valid phone number.")]}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("beat", 201),
        ("sibling", 404),
        ("other", 404),
        ("aide", 403),
        ("office_leader", 201),
        ("station_leader", 201),
        ("commander", 403),
        ("inspector", 403),
        ("sysadmin", 403),
        ("auditor", 403),
    ],
)
def test_who_may_register_a_resident_in_the_village(county, registry, persona, status):
    response = api_as(county.user(persona)).post(
        "/api/registry/residents",
        {"dwelling": registry.dwellings["own"].pk, "name": "新人", "household_role": "other"},
    )
    assert response.status_code == status, response.json()
    assert Resident.objects.filter(name="新人").count() == (1 if status == 201 else 0)


def test_input_schemas_forbid_unknown_fields_and_bound_strings(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("AddressIn", "DwellingIn", "ResidentIn", "EstablishmentIn", "RevealIn"):
        assert schemas[name]["additionalProperties"] is False, name
        for field, prop in schemas[name]["properties"].items():
            for option in prop.get("anyOf", [prop]):
                if option.get("type") == "string" and "enum" not in option:
                    assert "maxLength" in option or "format" in option, (name, field)
    reason = schemas["RevealIn"]["properties"]["reason"]
    assert (reason["minLength"], reason["maxLength"]) == (4, 200)


def test_an_unknown_field_is_refused(county, registry):
    response = api_as(county.user("beat")).post(
        "/api/registry/dwellings",
        {"address": registry.addresses["own"].pk, "kind": "rented", "area": 1},
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["area"]
