"""The reporter's phone: masked on the page and in the API, revealed to a handler who gives a
reason (to call the reporter back) — one audit event without the number; aides never reach a
lead's reporter; a bad reason is a 422 on the page, in Chinese."""

from __future__ import annotations

from django.urls import reverse

from cunjing.core.models import AuditEvent
from cunjing.matters import selectors
from cunjing.matters.models import Matter
from tests.api import api_as
from tests.matters import new_matter

PHONE = "13903750001"


def _reveal_api(county, persona, pk, reason="回访反映人"):
    body = {"object": "matter", "id": pk, "field": "phone", "reason": reason}
    return api_as(county.user(persona)).post("/api/reveal", body)


def test_the_api_reveals_the_reporters_phone_and_audits_it(county):
    matter = new_matter(county)
    assert (
        api_as(county.user("beat")).get(f"/api/matters/{matter.pk}").json()["reporter_phone"]
        != PHONE
    )
    response = _reveal_api(county, "office_leader", matter.pk)
    assert response.status_code == 200, response.json()
    assert response.json()["value"] == PHONE
    event = AuditEvent.objects.get(action="personal_data.reveal")
    assert (event.object_type, event.object_id) == ("matters.matter", str(matter.pk))
    assert event.after == {"object": "matter", "field": "phone", "reason": "回访反映人"}
    assert PHONE not in str(AuditEvent.objects.filter(pk=event.pk).values().get())


def test_scope_and_rights_decide_who_sees_the_number(county):
    own = new_matter(county)
    lead = new_matter(county, kind="lead", description="有人在村后收购赃物")
    assert _reveal_api(county, "sibling", own.pk).status_code == 404
    assert _reveal_api(county, "inspector", own.pk).status_code == 403
    # An aide may read the request but has no right to reveal; a lead is invisible to them.
    assert _reveal_api(county, "aide", own.pk).status_code == 403
    assert _reveal_api(county, "aide", lead.pk).status_code == 404
    assert _reveal_api(county, "sysadmin", own.pk).status_code == 403
    assert _reveal_api(county, "beat", own.pk, reason="回").status_code == 422
    assert not AuditEvent.objects.filter(action="personal_data.reveal").exists()


def test_an_anonymous_report_has_nothing_to_reveal(county):
    matter = new_matter(county, reporter_name="", reporter_phone="")
    response = _reveal_api(county, "beat", matter.pk)
    assert response.status_code == 422
    assert "field" in str(response.json())


def test_the_page_shows_the_number_after_a_reason(client, county):
    matter = new_matter(county)
    client.force_login(county.user("beat"))
    page = client.get(reverse("matters:detail", args=[matter.pk]))
    assert PHONE not in page.content.decode() and "reveal-phone" in page.content.decode()
    url = reverse("matters:reveal_phone", args=[matter.pk])
    short = client.post(url, {"reason": "回"})
    assert short.status_code == 422
    assert "至少" in short.content.decode() and PHONE not in short.content.decode()
    response = client.post(url, {"reason": "回访反映人"})
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert AuditEvent.objects.filter(action="personal_data.reveal").count() == 1


def test_the_page_offers_no_reveal_to_those_without_the_right(client, county):
    matter = new_matter(county)
    client.force_login(county.user("inspector"))
    page = client.get(reverse("matters:detail", args=[matter.pk]))
    assert page.status_code == 200
    assert "reveal-phone" not in page.content.decode()


def test_aides_never_see_leads_through_any_queryset(county):
    """The rule is part of ``visible_to`` (``Matter.scope_hidden_from_aides``): every list,
    detail, service and the reveal see the same rows."""
    own = new_matter(county)
    lead = new_matter(county, kind="lead", description="有人在村后收购赃物")
    aide = county.user("aide")
    assert set(Matter.objects.visible_to(aide).values_list("pk", flat=True)) == {own.pk}
    assert set(selectors.visible(aide).values_list("pk", flat=True)) == {own.pk}
    beat = county.user("beat")
    assert {own.pk, lead.pk} <= set(Matter.objects.visible_to(beat).values_list("pk", flat=True))
