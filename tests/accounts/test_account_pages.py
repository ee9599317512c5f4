"""The security admin's pages: the bureau's accounts listed and searched, an account created
with its one-time password shown once, and the actions on an account (issue 12)."""

from __future__ import annotations

from django.urls import reverse

from cunjing.accounts import services
from cunjing.accounts.models import User
from tests.accounts.test_administration import sign_in
from tests.county import PASSWORD, build_county

LIST = "/accounts/users/"


def secadmin(client, county):
    client.force_login(county.user("secadmin"))
    return client


def test_the_list_searches_by_name_pinyin_initials_and_state(county, client):
    services.account_create(
        actor=county.user("secadmin"),
        username="li-si",
        role="office_leader",
        unit=county.units["office_a"],
        full_name="李四",
    )
    c = secadmin(client, county)
    for q in ("li-si", "李四", "lisi", "ls"):
        page = c.get(LIST, {"q": q}).content.decode()
        assert ">li-si</a>" in page, q
    waiting = c.get(LIST, {"state": "must_change"}).content.decode()
    assert ">li-si</a>" in waiting and ">beat</a>" not in waiting
    assert c.get(LIST, {"state": "nonsense"}).status_code == 422
    # Another bureau's accounts are not there.
    build_county(code="410498", name="邻县公安局", prefix="n-")
    assert ">n-beat</a>" not in c.get(LIST).content.decode()


def test_create_shows_the_one_time_password_once(county, client):
    c = secadmin(client, county)
    body = {
        "username": "new-officer",
        "full_name": "王五",
        "role": "office_leader",
        "unit": county.units["office_a"].pk,
    }
    bad = c.post(reverse("accounts:account_new"), {**body, "unit": county.units["bureau"].pk})
    assert bad.status_code == 422 and "unit" in bad.context["form"].errors
    response = c.post(reverse("accounts:account_new"), body)
    assert response.status_code == 201
    password = response.context["password"]
    assert password in response.content.decode()
    account = User.objects.get(username="new-officer")
    detail = c.get(reverse("accounts:account_detail", args=[account.pk])).content.decode()
    assert password not in detail and "须修改密码" in detail
    client.logout()
    assert sign_in(client, "new-officer", password)


def test_disable_and_enable_from_the_page(county, client):
    beat = county.user("beat")
    c = secadmin(client, county)
    url = reverse("accounts:account_detail", args=[beat.pk])
    assert c.post(url, {"action": "disable", "reason": ""}).status_code == 422
    assert c.post(url, {"action": "disable", "reason": "调离"}).status_code == 302
    beat.refresh_from_db()
    assert not beat.is_active
    assert c.post(url, {"action": "enable"}).status_code == 302
    beat.refresh_from_db()
    assert beat.is_active
    assert c.post(url, {"action": "delete"}).status_code == 404


def test_reset_and_unlock_from_the_page(county, client):
    beat = county.user("beat")
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "beat", "password": "wrong"})
    c = secadmin(client, county)
    url = reverse("accounts:account_detail", args=[beat.pk])
    page = c.get(url).content.decode()
    assert 'id="account-unlock"' in page
    assert c.post(url, {"action": "unlock"}).status_code == 302
    assert 'id="account-unlock"' not in c.get(url).content.decode()
    response = c.post(url, {"action": "reset_password"})
    assert response.status_code == 200
    password = response.context["password"]
    client.logout()
    assert not sign_in(client, "beat", PASSWORD)
    assert sign_in(client, "beat", password)


def test_the_security_admin_cannot_act_on_itself_from_the_page(county, client):
    me = county.user("secadmin")
    c = secadmin(client, county)
    url = reverse("accounts:account_detail", args=[me.pk])
    assert c.post(url, {"action": "disable", "reason": "x"}).status_code == 403
    me.refresh_from_db()
    assert me.is_active
