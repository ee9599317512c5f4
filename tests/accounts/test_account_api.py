"""``/api/accounts``: the security admin's administration through the API, with its
permission matrix (persona × own bureau / another bureau / missing)."""

from __future__ import annotations

import pytest

from cunjing.accounts.models import User
from tests.accounts.test_administration import sign_in
from tests.api import ApiClient, api_as
from tests.county import PASSWORD, build_county

RELATIONS = ("own", "other", "none")
MISSING = 987_654_321
# fmt: off
DISABLE = {  # POST /api/accounts/{id}/disable: the sibling officer's account
    "beat":           (403, 403, 403),
    "sibling":        (403, 403, 403),
    "other":          (403, 403, 403),
    "aide":           (403, 403, 403),
    "office_leader":  (403, 403, 403),
    "station_leader": (403, 403, 403),
    "commander":      (403, 403, 403),
    "inspector":      (403, 403, 403),
    "sysadmin":       (403, 403, 403),
    "secadmin":       (200, 404, 404),
    "auditor":        (403, 403, 403),
    "anonymous":      (401, 401, 401),
}
# fmt: on


def client_for(county, persona: str) -> ApiClient:
    return ApiClient() if persona == "anonymous" else api_as(county.user(persona))


@pytest.mark.parametrize(
    ("persona", "relation", "status"),
    [
        (persona, relation, status)
        for persona, statuses in DISABLE.items()
        for relation, status in zip(RELATIONS, statuses, strict=True)
    ],
)
def test_disable_matrix(county, persona, relation, status):
    if relation == "own":
        target = county.user("sibling")
    elif relation == "other":
        target = build_county(code="410498", name="邻县公安局", prefix="n-").user("beat")
    else:
        target = None
    pk = target.pk if target else MISSING
    response = client_for(county, persona).post(f"/api/accounts/{pk}/disable", {"reason": "调离"})
    assert response.status_code == status, response.content
    if target is not None:
        target.refresh_from_db()
        assert target.is_active == (status != 200)


@pytest.mark.parametrize("persona", ["beat", "commander", "sysadmin", "auditor"])
def test_only_the_security_admin_lists_accounts(county, persona):
    assert client_for(county, persona).get("/api/accounts").status_code == 403
    assert client_for(county, "anonymous").get("/api/accounts").status_code == 401


def test_create_sign_in_and_administer(county, client):
    admin = api_as(county.user("secadmin"), lang="zh-hans")
    body = {
        "username": "wang-wu",
        "full_name": "王五",
        "role": "office_leader",
        "unit": county.units["office_a"].pk,
    }
    bureau = county.units["bureau"].pk
    bad = admin.post("/api/accounts", {**body, "role": "secadmin", "unit": bureau})
    assert bad.status_code == 403  # its own admin role
    wrong_unit = admin.post("/api/accounts", {**body, "unit": county.units["bureau"].pk})
    assert wrong_unit.status_code == 422 and "unit" in wrong_unit.json()["errors"]
    created = admin.post("/api/accounts", body)
    assert created.status_code == 201, created.content
    account, password = created.json()["account"], created.json()["password"]
    assert account["must_change_password"] is True
    assert sign_in(client, "wang-wu", password)

    listed = admin.get("/api/accounts", {"q": "ww"}).json()
    assert [a["username"] for a in listed["items"]] == ["wang-wu"] and listed["count"] == 1

    moved = admin.patch(
        f"/api/accounts/{account['id']}",
        {"role": "station_leader", "unit": county.units["station_a"].pk},
    )
    assert moved.status_code == 200 and moved.json()["unit"]["name"] == "甲派出所"

    reset = admin.post(f"/api/accounts/{account['id']}/reset-password")
    assert reset.status_code == 200 and reset.json()["password"] != password
    assert admin.post(f"/api/accounts/{account['id']}/revoke-tokens").status_code == 200
    assert admin.post(f"/api/accounts/{account['id']}/disable", {"reason": ""}).status_code == 422
    assert (
        admin.post(f"/api/accounts/{account['id']}/disable", {"reason": "离职"}).json()["is_active"]
        is False
    )
    assert admin.post(f"/api/accounts/{account['id']}/enable").json()["is_active"] is True


def test_unlock_through_the_api(county):
    for _ in range(5):
        ApiClient().post("/api/auth/token", {"username": "beat", "password": "wrong"})
    admin = api_as(county.user("secadmin"))
    beat = county.user("beat")
    assert admin.get(f"/api/accounts/{beat.pk}").json()["locked"] is True
    assert admin.post(f"/api/accounts/{beat.pk}/unlock").json()["locked"] is False
    ok = ApiClient().post("/api/auth/token", {"username": "beat", "password": PASSWORD})
    assert ok.status_code == 200


def test_the_security_admin_cannot_act_on_itself(county):
    me = county.user("secadmin")
    admin = api_as(me)
    assert admin.post(f"/api/accounts/{me.pk}/disable", {"reason": "x"}).status_code == 403
    assert admin.patch(f"/api/accounts/{me.pk}", {"role": "commander"}).status_code == 403
    assert User.objects.get(pk=me.pk).role == "secadmin"
