"""Registry pages: search, address, resident with the inline reveal, and the forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.registry.models import Dwelling, Establishment, Resident, StandardAddress
from tests.api import zh
from tests.registry.data import OWN_ID, bad_check_digit, id_number

# session 1 + user with its unit (scope) 1 + address 1 + dwellings 1 + residents 1
# + establishments 1
# + the session's save after a fresh login (savepoint, update, release) 3 — whatever the size.
ADDRESS_PAGE = 9


def page(client, county, persona, name, *args, data=None, method="get", **headers):
    client.force_login(county.user(persona))
    url = reverse(f"registry:{name}", args=args)
    return getattr(client, method)(url, data or {}, headers=headers or None)


def text(response) -> str:
    return response.content.decode()


def test_the_search_page_finds_by_initials_and_masks(client, county, registry):
    response = page(client, county, "beat", "search", data={"q": "zwm"})
    assert response.status_code == 200
    html = text(response)
    assert "张伟明" in html and "张小宝" not in html
    assert OWN_ID[:6] + "********" + OWN_ID[-4:] in html
    assert OWN_ID not in html
    assert "139****1234" in html


def test_the_search_page_for_an_aide_has_no_id_numbers(client, county, registry):
    html = text(page(client, county, "aide", "search"))
    assert "张伟明" in html
    assert OWN_ID[-4:] not in html and "********" not in html


def test_the_search_page_tabs(client, county, registry):
    html = text(page(client, county, "beat", "search", data={"q": "便利", "kind": ""}))
    assert "瓦房沟便利店" in html  # the first tab with results is opened
    response = page(client, county, "beat", "search", data={"q": "x" * 60})
    assert response.status_code == 422


def test_the_address_page_lists_dwellings_residents_and_establishments(client, county, registry):
    html = text(page(client, county, "beat", "address_detail", registry.addresses["own"].pk))
    for expected in ("瓦房沟村建设路1号", "张伟明", "张小宝", "瓦房沟便利店", "139****1111"):
        assert expected in html
    assert OWN_ID not in html


def test_the_address_page_costs_a_fixed_number_of_queries(
    client, county, registry, django_assert_num_queries
):
    from cunjing.registry import services

    for i in range(5):
        dwelling = services.dwelling_create(
            actor=SYSTEM, address=registry.addresses["own"], kind="rented"
        )
        for j in range(3):
            services.resident_create(
                actor=SYSTEM, dwelling=dwelling, name=f"租户{i}{j}", household_role="tenant"
            )
    client.force_login(county.user("beat"))
    url = reverse("registry:address_detail", args=[registry.addresses["own"].pk])
    with django_assert_num_queries(ADDRESS_PAGE):
        assert client.get(url).status_code == 200


def test_the_resident_page_reveals_inline_with_htmx(client, county, registry):
    pk = registry.residents["own"].pk
    html = text(page(client, county, "beat", "resident_detail", pk))
    assert "reveal-id_number" in html and OWN_ID not in html
    response = page(
        client,
        county,
        "beat",
        "resident_reveal",
        pk,
        method="post",
        data={"field": "id_number", "reason": "核查身份信息"},
        HX_Request="true",
    )
    assert response.status_code == 200
    body = text(response)
    assert OWN_ID in body
    assert "<html" not in body  # only the row
    event = AuditEvent.objects.get(action="personal_data.reveal")
    assert event.after["reason"] == "核查身份信息"


def test_a_reveal_without_reason_shows_the_error_and_writes_nothing(client, county, registry):
    pk = registry.residents["own"].pk
    response = page(
        client,
        county,
        "beat",
        "resident_reveal",
        pk,
        method="post",
        data={"field": "phone", "reason": ""},
        HX_Request="true",
    )
    assert response.status_code == 200  # htmx swaps 2xx only: the row carries the error
    assert "is-invalid" in text(response)
    response = page(
        client, county, "beat", "resident_reveal", pk, method="post", data={"field": "phone"}
    )
    assert response.status_code == 422
    assert not AuditEvent.objects.filter(action="personal_data.reveal").exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("aide", 403), ("inspector", 403), ("sibling", 404)]
)
def test_who_may_not_reveal_on_the_page(client, county, registry, persona, status):
    response = page(
        client,
        county,
        persona,
        "resident_reveal",
        registry.residents["own"].pk,
        method="post",
        data={"field": "phone", "reason": "核查身份信息"},
    )
    assert response.status_code == status


def test_the_aide_resident_page_has_no_id_number_and_no_reveal(client, county, registry):
    html = text(page(client, county, "aide", "resident_detail", registry.residents["own"].pk))
    assert "张伟明" in html and "reveal-id_number" not in html and "hx-post" not in html
    assert "139****1234" in html


def test_creating_through_the_forms(client, county, registry):
    response = page(
        client,
        county,
        "beat",
        "address_new",
        method="post",
        data={"area": county.areas["own"].pk, "road": "文化路", "number": "3号"},
    )
    address = StandardAddress.objects.get(road="文化路")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:address_detail", args=[address.pk])
    response = page(
        client, county, "beat", "dwelling_new", address.pk, method="post", data={"kind": "rented"}
    )
    assert response.status_code == 302
    dwelling = Dwelling.objects.get(address=address)
    number = id_number("19850505", "975")
    response = page(
        client,
        county,
        "beat",
        "resident_new",
        dwelling.pk,
        method="post",
        data={
            "name": "吴刚",
            "household_role": "tenant",
            "id_number": number,
            "phone": "13903750123",
        },
    )
    assert response.status_code == 302
    assert Resident.objects.get(name="吴刚").id_number == number
    response = page(
        client,
        county,
        "beat",
        "establishment_new",
        address.pk,
        method="post",
        data={"name": "文化书店", "kind": "shop", "is_key_unit": "on"},
    )
    assert response.status_code == 302
    assert Establishment.objects.get(name="文化书店").is_key_unit


def test_a_form_with_a_bad_id_number_answers_422_in_chinese(client, county, registry):
    response = page(
        client,
        county,
        "beat",
        "resident_new",
        registry.dwellings["own"].pk,
        method="post",
        data={"name": "吴刚", "household_role": "tenant", "id_number": bad_check_digit(OWN_ID)},
    )
    assert response.status_code == 422
    assert zh("Enter a valid resident ID number.") in text(response)
    assert not Resident.objects.filter(name="吴刚").exists()


def test_editing_keeps_the_id_number_when_left_empty(client, county, registry):
    resident = registry.residents["own"]
    response = page(client, county, "beat", "resident_edit", resident.pk)
    assert response.status_code == 200
    assert OWN_ID not in text(response)  # never in clear in the form
    response = page(
        client,
        county,
        "beat",
        "resident_edit",
        resident.pk,
        method="post",
        data={"name": "张伟民", "household_role": "head", "id_number": "", "phone": ""},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.name, resident.id_number, resident.phone) == (
        "张伟民",
        OWN_ID,
        "+8613903751234",
    )


def test_the_nav_links_the_registry_for_staff_only(client, county):
    client.force_login(county.user("beat"))
    assert reverse("registry:search") in text(client.get(reverse("dashboard:home")))
    client.force_login(county.user("sysadmin"))
    assert reverse("registry:search") not in text(client.get(reverse("dashboard:home")))
