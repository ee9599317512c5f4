"""The error pages a resident meets on the portal are the portal's own (no staff navigation, a
way back, Chinese first); staff keep the desk pages. A form sent without its CSRF token (a page
left open for hours, cookies off) says so in Chinese and stores nothing."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from cunjing.matters.models import Matter


def test_a_missing_portal_page_is_the_portals_404(client, county):
    response = client.get(reverse("portal:card", args=[10**9]))
    assert response.status_code == 404
    body = response.content.decode()
    assert 'id="pt-not-found"' in body and "页面不存在" in body
    assert 'href="/portal/track/"' in body
    assert reverse("org:unit_tree") not in body  # no staff navigation
    response = client.get("/portal/no-such-page/")
    assert response.status_code == 404 and 'id="pt-not-found"' in response.content.decode()


def test_staff_pages_keep_the_desk_404(client, county):
    client.force_login(county.user("beat"))
    response = client.get(reverse("matters:detail", args=[10**9]))
    assert response.status_code == 404
    assert 'id="pt-not-found"' not in response.content.decode()


def test_a_portal_form_without_its_token_is_refused_in_chinese(county):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("portal:submit"),
        {"area": county.areas["own"].pk, "kind": "request", "description": "路灯坏了"},
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert 'id="pt-csrf"' in body and "表单已过期" in body and "110" in body
    assert "CSRF" not in body
    assert not Matter.objects.exists()


def test_a_staff_form_without_its_token_is_refused_in_chinese(county):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county.user("beat"))
    response = client.post(reverse("matters:new"), {"description": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert 'id="csrf-failure"' in body and "表单已过期" in body
    assert "CSRF" not in body
