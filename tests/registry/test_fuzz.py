"""Hypothesis on the registry's create endpoints and on reveal: whatever JSON arrives, the
answer is 201/200, 403, 404 or 422 with field errors — never a 5xx — and a refused request
stores nothing and audits nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cunjing.core.models import AuditEvent
from cunjing.registry.models import Dwelling, Establishment, Resident, StandardAddress
from tests.api import ApiClient, token_for
from tests.registry.data import build_registry, id_number
from tests.strategies import odd_numbers

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=40)
    | odd_numbers
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=5,
)
chinese = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=8
)
noise = st.text(max_size=30) | odd_numbers | json_values
texts = chinese | chinese | chinese | noise


def mostly(good, bad=noise):
    """``good`` three times in four."""
    return st.one_of(good, good, good, bad)


births = st.dates().map(lambda d: d.strftime("%Y%m%d"))
ids = (
    st.builds(id_number, births, st.from_regex(r"\A\d{3}\Z"))
    | st.from_regex(r"\A41048\d{12}[\dX]\Z")
    | texts
)
phones = st.from_regex(r"\A1[3-9]\d{9}\Z") | st.from_regex(r"\A\+?\d{0,14}\Z") | texts

MODELS = {
    "addresses": StandardAddress,
    "dwellings": Dwelling,
    "residents": Resident,
    "establishments": Establishment,
}


@pytest.fixture
def world(county):
    registry = build_registry(county)
    clients = {
        p: ApiClient(token_for(county.user(p)))
        for p in ("beat", "beat", "office_leader", "aide", "commander", "sysadmin", "sibling")
    }
    parents = {
        "area": [county.areas[k].pk for k in ("own", "other", "township_a")] + [987654321],
        "address": [registry.addresses[k].pk for k in ("own", "other")] + [987654321],
        "dwelling": [registry.dwellings[k].pk for k in ("own", "sibling")] + [987654321],
    }
    return clients, parents


def bodies(parents):
    area = mostly(st.sampled_from(parents["area"]), json_values)
    address = mostly(st.sampled_from(parents["address"]), json_values)
    dwelling = mostly(st.sampled_from(parents["dwelling"]), json_values)
    coords = mostly(st.floats(min_value=-200, max_value=200), json_values)
    return {
        "addresses": st.fixed_dictionaries(
            {"area": area, "road": texts, "number": texts},
            optional={"building": texts, "room": texts, "latitude": coords, "longitude": coords},
        ),
        "dwellings": st.fixed_dictionaries(
            {"address": address, "kind": mostly(st.sampled_from(["rented", "vacant"]))},
            optional={"notes": texts},
        ),
        "residents": st.fixed_dictionaries(
            {
                "dwelling": dwelling,
                "name": texts,
                "household_role": mostly(st.sampled_from(["head", "child"])),
            },
            optional={
                "id_number": ids,
                "phone": phones,
                "moved_out_on": mostly(st.dates().map(str)),
            },
        ),
        "establishments": st.fixed_dictionaries(
            {
                "address": address,
                "name": texts,
                "kind": st.sampled_from(["shop"]) | texts,
            },
            optional={
                "uscc": st.from_regex(r"\A[0-9A-Z]{18}\Z") | texts,
                "contact_phone": phones,
                "is_key_unit": st.booleans() | json_values,
            },
        ),
    }


@pytest.mark.parametrize("path", list(MODELS))
def test_create_with_arbitrary_json(county, world, path):
    clients, parents = world
    model = MODELS[path]
    strategy = mostly(bodies(parents)[path], json_values)
    seen = set()

    @given(body=strategy, persona=st.sampled_from(list(clients)))
    @settings(
        max_examples=80,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(body, persona):
        rows, events = model.objects.count(), AuditEvent.objects.count()
        response = clients[persona].post(f"/api/registry/{path}", raw=json.dumps(body).encode())
        assert response.status_code in (201, 403, 404, 409, 422), response.content
        event(f"{persona} → {response.status_code}")
        seen.add(response.status_code)
        created = response.status_code == 201
        assert model.objects.count() == rows + created
        assert AuditEvent.objects.count() == events + created
        if created:
            assert persona in ("beat", "office_leader")
        if response.status_code == 422:
            errors = response.json()["errors"]
            assert errors and all(isinstance(m, str) for ms in errors.values() for m in ms)

    run()
    # The generated bodies reach the services, not only the request validation.
    assert {201, 422} <= seen, seen


def test_reveal_with_arbitrary_json(county, world):
    clients, _parents = world
    pks = [*Resident.objects.values_list("pk", flat=True), 987654321]
    body = (
        st.fixed_dictionaries(
            {
                "object": st.sampled_from(["resident", "establishment", "volunteer"]) | texts,
                "id": st.sampled_from(pks) | json_values,
                "field": st.sampled_from(["id_number", "phone"]) | texts,
                "reason": st.text(max_size=250) | json_values,
            }
        )
        | json_values
    )

    @given(body=body, persona=st.sampled_from(list(clients)))
    @settings(
        max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(body, persona):
        events = AuditEvent.objects.count()
        response = clients[persona].post("/api/reveal", raw=json.dumps(body).encode())
        assert response.status_code in (200, 403, 404, 422), response.content
        assert AuditEvent.objects.count() == events + (response.status_code == 200)

    run()
