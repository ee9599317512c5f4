"""A household visit names the registry's dwelling it visited: in the visit's area and visible
to the recorder, else 422 / 404; the page form offers the user's dwellings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cunjing.fieldwork.models import HouseholdVisit
from tests.fieldwork.bodies import bodies, key
from tests.fieldwork.test_pages import form_data, login
from tests.fieldwork.test_permissions import client_for
from tests.registry.data import build_registry


@pytest.fixture
def registry(county):
    return build_registry(county)


def test_a_visit_links_the_dwelling_it_visited(county, registry):
    body = {**bodies(county.areas["own"].pk)["visits"], "dwelling": registry.dwellings["own"].pk}
    response = client_for(county, "beat").post("/api/fieldwork/visits", body, headers=key())
    assert response.status_code == 201, response.json()
    assert response.json()["dwelling"] == registry.dwellings["own"].pk
    assert HouseholdVisit.objects.get().dwelling == registry.dwellings["own"]
    assert registry.dwellings["own"].visits.count() == 1


def test_a_dwelling_out_of_scope_is_404_and_of_another_area_422(county, registry):
    own = county.areas["own"].pk
    body = {**bodies(own)["visits"], "dwelling": registry.dwellings["sibling"].pk}
    # The beat officer of 瓦房沟村 cannot see 刘沟村's dwelling: like one that does not exist.
    hidden = client_for(county, "beat").post("/api/fieldwork/visits", body, headers=key())
    assert hidden.status_code == 404
    # The office leader sees both villages, but the dwelling is not in the visit's village.
    wrong = client_for(county, "office_leader").post("/api/fieldwork/visits", body, headers=key())
    assert wrong.status_code == 422
    assert "dwelling" in wrong.json()["errors"]
    assert HouseholdVisit.objects.count() == 0


def test_the_visit_form_offers_the_users_dwellings(client, county, registry):
    login(client, county, "beat")
    url = reverse("fieldwork:record_new", args=["visits"])
    choices = list(client.get(url).context["form"].fields["dwelling"].queryset)
    assert choices == [registry.dwellings["own"]]
    data = {**form_data(county, "visits"), "dwelling": str(registry.dwellings["own"].pk)}
    response = client.post(url, data)
    assert response.status_code == 302
    visit = HouseholdVisit.objects.get()
    assert visit.dwelling == registry.dwellings["own"]
    assert "建设路" in client.get(response["Location"]).content.decode()
