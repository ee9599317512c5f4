"""Issue 13, finding 3: digits that are not ASCII. ``str.isdigit()`` accepts "¹" and "①" and
``int()`` refuses them; ``\\d`` accepts "１". Each request below answered 500 before the fix; now
each is refused as bad input (or ignored where the value is only a hint) and saves nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cunjing.core.validators import ascii_int, is_ascii_digits, validate_division_code
from cunjing.fieldwork.models import FloatingResident
from cunjing.registry.models import Resident
from tests.api import api_as
from tests.fieldwork.bodies import bodies

SUPERSCRIPT_ID = "¹" * 17 + "X"
ODD_NUMBERS = ["¹", "①", "１２", "٣", "²³", "Ⅻ", "1¹", "𝟙"]


@pytest.mark.parametrize("text", ODD_NUMBERS)
def test_the_core_parsers_take_ascii_digits_only(text):
    assert not is_ascii_digits(text)
    assert ascii_int(text) is None
    with pytest.raises(Exception) as exc:
        validate_division_code(text * 12)
    assert exc.type.__name__ == "ValidationError"
    assert ascii_int("42") == 42 and ascii_int("9" * 19) is None


def test_a_record_form_ignores_an_odd_area_hint(client, county):
    client.force_login(county.user("beat"))
    response = client.get(reverse("fieldwork:record_new", args=["visits"]), {"area": "¹"})
    assert response.status_code == 200


def test_superscript_id_numbers_are_field_errors(client, county, registry):
    beat = api_as(county.user("beat"))
    response = beat.post(
        "/api/registry/residents",
        {
            "dwelling": registry.dwellings["own"].pk,
            "name": "新人",
            "household_role": "other",
            "id_number": SUPERSCRIPT_ID,
        },
    )
    assert response.status_code == 422, response.content
    assert "id_number" in response.content.decode()
    body = {**bodies(county.areas["own"].pk)["floating-residents"], "id_number": SUPERSCRIPT_ID}
    response = beat.post("/api/fieldwork/floating-residents", body)
    assert response.status_code == 422, response.content
    assert not Resident.objects.filter(name="新人").exists()
    assert not FloatingResident.objects.exists()
    client.force_login(county.user("beat"))
    url = reverse("registry:resident_new", args=[registry.dwellings["own"].pk])
    response = client.post(
        url, {"name": "新人", "household_role": "other", "id_number": SUPERSCRIPT_ID}
    )
    assert response.status_code == 422
    assert not Resident.objects.filter(name="新人").exists()
