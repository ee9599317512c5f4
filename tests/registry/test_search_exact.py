"""The registry search by a whole ID number or phone: the columns are encrypted, so the match is
an equality on their blind index, whatever form the number was typed in; aides find nobody by
an ID number, as by its tail."""

from __future__ import annotations

import pytest

from tests.api import api_as
from tests.registry.data import OWN_ID, OWN_PHONE

pytestmark = pytest.mark.django_db


def search(county, persona: str, path: str, q: str) -> list[str]:
    response = api_as(county.user(persona)).get(f"/api/registry/{path}", {"q": q})
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["items"])


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (OWN_ID, ["张伟明"]),
        (OWN_ID.lower(), ["张伟明"]),
        (OWN_ID[:-1] + ("0" if OWN_ID[-1] != "0" else "1"), []),  # another number
        (OWN_PHONE, ["张伟明"]),  # national form
        ("+86" + OWN_PHONE, ["张伟明"]),  # E.164, as stored
        (f"{OWN_PHONE[:3]} {OWN_PHONE[3:7]} {OWN_PHONE[7:]}", ["张伟明"]),
        (f"{OWN_PHONE[:3]}-{OWN_PHONE[3:7]}-{OWN_PHONE[7:]}", ["张伟明"]),
        ("13903759876", []),
    ],
)
def test_a_whole_id_number_or_phone_finds_the_resident(county, registry, q, expected):
    assert search(county, "beat", "residents", q) == expected


def test_an_aide_finds_nobody_by_id_number_but_may_by_phone(county, registry):
    assert search(county, "aide", "residents", OWN_ID) == []
    assert search(county, "aide", "residents", OWN_PHONE) == ["张伟明"]


def test_out_of_scope_stays_out_of_scope(county, registry):
    assert search(county, "other", "residents", OWN_ID) == []
    assert search(county, "other", "residents", OWN_PHONE) == []


def test_an_establishment_by_its_contact_phone(county, registry):
    shop = registry.establishments["own"]
    assert search(county, "beat", "establishments", shop.contact_phone) == [shop.name]
    assert search(county, "beat", "establishments", OWN_ID) == []
