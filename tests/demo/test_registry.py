"""The demo registry: plausible, valid, deterministic, fast."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cunjing.core.models import AuditEvent
from cunjing.core.validators import validate_id_number
from cunjing.demo import registry as demo
from cunjing.registry.models import Dwelling, Establishment, Resident, StandardAddress
from tests.api import api_as


def test_populate_fills_every_village_and_community_with_valid_rows(county):
    stages = []
    result = demo.populate(county.bureau, seed=7, progress=lambda *a: stages.append(a))
    assert [s[2] for s in stages] == list(demo.STAGES)
    # 4 villages/communities in the test county: 3 villages × 20, 2 communities × 30 dwellings.
    beat_areas = ("own", "sibling", "other", "community_a", "community_b")
    assert Dwelling.objects.count() == result.dwellings == 3 * 20 + 2 * 30
    assert result.addresses == StandardAddress.objects.count() > result.dwellings
    assert result.residents == Resident.objects.count()
    assert 2 * result.dwellings * 0.7 <= result.residents <= 5 * result.dwellings
    assert 2 * 5 <= Establishment.objects.count() <= 4 * 5
    for key in beat_areas:
        area = county.areas[key]
        assert Dwelling.objects.filter(area=area).exists()
        assert Establishment.objects.filter(area=area).exists()
    # Every row passes the model's own validation; ID numbers carry 410481 and are unique.
    for model in (StandardAddress, Dwelling, Resident, Establishment):
        for row in model.objects.all()[:400]:
            row.full_clean()
    numbers = list(Resident.objects.exclude(id_number="").values_list("id_number", flat=True))
    assert len(numbers) == len(set(numbers)) > result.residents * 0.8
    assert all(n.startswith("410481") for n in numbers)
    for number in numbers:
        validate_id_number(number)
    assert Resident.objects.filter(id_number="", household_role="child").exists()
    event = AuditEvent.objects.get(action="registry.demo.populate")
    assert event.after["residents"] == result.residents


def test_a_broken_id_would_be_noticed(county):
    demo.populate(county.bureau, seed=7)
    number = Resident.objects.exclude(id_number="").first().id_number
    with pytest.raises(ValidationError):
        validate_id_number(number[:-1] + ("0" if number[-1] != "0" else "1"))


def test_populate_is_deterministic(county):
    demo.populate(county.bureau, seed=11)
    first = list(Resident.objects.order_by("pk").values_list("name", "id_number", "phone"))
    Resident.objects.all().delete()
    Dwelling.objects.all().delete()
    Establishment.objects.all().delete()
    StandardAddress.objects.all().delete()
    demo.populate(county.bureau, seed=11)
    again = list(Resident.objects.order_by("pk").values_list("name", "id_number", "phone"))
    assert first == again


def test_the_demo_registry_is_searchable(county):
    demo.populate(county.bureau, seed=7)
    resident = Resident.objects.filter(area=county.areas["own"]).exclude(id_number="").first()
    client = api_as(county.user("beat"))
    found = client.get("/api/registry/residents", {"q": resident.id_number[-4:]}).json()
    assert resident.pk in [r["id"] for r in found["items"]]
    found = client.get("/api/registry/residents", {"q": resident.name_initials}).json()
    assert resident.pk in [r["id"] for r in found["items"]]
