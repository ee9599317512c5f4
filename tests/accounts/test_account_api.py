"""``/api/accounts``: the security admin's administration through the API, with its complete
permission matrix (every endpoint × persona × own bureau / another bureau / missing)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt

from cunjing.accounts import services
from cunjing.accounts.models import User
from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM, Role
from tests.accounts.test_administration import sign_in
from tests.api import ApiClient, api_as, token_for
from tests.county import PASSWORD, County, build_county

RELATIONS = ("own", "other", "none")
MISSING = 987_654_321
# Every endpoint × persona × (an account of the own bureau: the community officer 赵敏's, which no
# persona signs in with, so that disabling it locks no persona out; an account of another
# bureau: its beat officer's; an id that does not exist). Only the security admin may
# administer accounts (403 for everyone else, whatever the account); to it, another bureau's
# account answers 404 like a missing one. The list and the create name a unit instead: the list
# filters by the relation's workstation, the create puts the account in the relation's office.
# fmt: off
LIST = {  # GET /api/accounts?unit=<the relation's workstation>
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
CREATE = {  # POST /api/accounts: an office leader of the relation's office
    "beat":           (403, 403, 403),
    "sibling":        (403, 403, 403),
    "other":          (403, 403, 403),
    "aide":           (403, 403, 403),
    "office_leader":  (403, 403, 403),
    "station_leader": (403, 403, 403),
    "commander":      (403, 403, 403),
    "inspector":      (403, 403, 403),
    "sysadmin":       (403, 403, 403),
    "secadmin":       (201, 422, 422),  # a unit not of the bureau: a field error
    "auditor":        (403, 403, 403),
    "anonymous":      (401, 401, 401),
}
DETAIL = {  # GET /api/accounts/{id}
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
PATCH = {  # PATCH /api/accounts/{id} {"full_name": "王芳芳"}
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
DISABLE = {  # POST /api/accounts/{id}/disable {"reason": "调离"}
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
ENABLE = {  # POST /api/accounts/{id}/enable (the account disabled first)
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
UNLOCK = {  # POST /api/accounts/{id}/unlock (the account locked by failed sign-ins first)
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
REVOKE_TOKENS = {  # POST /api/accounts/{id}/revoke-tokens (the account holding a token)
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
RESET_PASSWORD = {  # POST /api/accounts/{id}/reset-password
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
RESET_2FA = {  # POST /api/accounts/{id}/reset-2fa (the account signing in with 2FA first)
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
PERSONAS = [*(p for p in DISABLE if p != "anonymous"), "anonymous"]
# endpoint → (method, path after /api/accounts/{id}, body, table, audit action)
ON_ACCOUNT = {
    "detail": ("get", "", None, DETAIL, None),
    "patch": ("patch", "", {"full_name": "王芳芳"}, PATCH, "user.update"),
    "disable": ("post", "/disable", {"reason": "调离"}, DISABLE, "user.disable"),
    "enable": ("post", "/enable", None, ENABLE, "user.enable"),
    "unlock": ("post", "/unlock", None, UNLOCK, "user.unlock"),
    "revoke-tokens": ("post", "/revoke-tokens", None, REVOKE_TOKENS, "user.revoke_access"),
    "reset-password": ("post", "/reset-password", None, RESET_PASSWORD, "user.reset_password"),
    "reset-2fa": ("post", "/reset-2fa", None, RESET_2FA, "user.two_factor.reset"),
}


def client_for(county, persona: str) -> ApiClient:
    return ApiClient() if persona == "anonymous" else api_as(county.user(persona))


def rows(table: dict) -> list[tuple[str, str, int]]:
    return [
        (persona, relation, status)
        for persona, statuses in table.items()
        for relation, status in zip(RELATIONS, statuses, strict=True)
    ]


def test_the_tables_cover_every_endpoint_and_persona():
    from cunjing.api import api

    tables = [LIST, CREATE, *(spec[3] for spec in ON_ACCOUNT.values())]
    for table in tables:
        assert list(table) == PERSONAS
    # Every operation under /api/accounts is in the matrix.
    document = api.get_openapi_schema()
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        if path.startswith("/api/accounts")
        for method in item
    }
    covered = {"GET /api/accounts", "POST /api/accounts"} | {
        f"{method.upper()} /api/accounts/{{account_id}}{tail}"
        for method, tail, *_ in ON_ACCOUNT.values()
    }
    assert operations == covered


@pytest.fixture(scope="module")
def _neighbour_keys(_county_keys, django_db_blocker):
    """Another bureau, built once for the module inside its transaction (rolled back with the
    test county at the end of the module)."""
    if _county_keys is None:
        yield None
        return
    with django_db_blocker.unblock():
        yield build_county(code="410498", name="邻县公安局", prefix="n-").keys()


@pytest.fixture
def neighbour(_neighbour_keys, county) -> County:
    if _neighbour_keys is None:
        return build_county(code="410498", name="邻县公安局", prefix="n-")
    return County.load(_neighbour_keys)


def _target(county, neighbour, relation: str) -> User | None:
    if relation == "own":
        return services.user_create(
            actor=SYSTEM,
            username="zhao-min",
            password=PASSWORD,
            role=Role.BEAT_OFFICER,
            unit=county.units["office_a"],
            officer=county.officers["community_a"],
            full_name="赵敏",
        )
    if relation == "other":
        return neighbour.user("beat")
    return None


def _events(action: str | None, target: User) -> int:
    if action is None:
        return 0
    return AuditEvent.objects.filter(action=action, object_id=str(target.pk)).count()


@pytest.mark.parametrize(
    ("endpoint", "persona", "relation", "status"),
    [
        (endpoint, persona, relation, status)
        for endpoint, spec in ON_ACCOUNT.items()
        for persona, relation, status in rows(spec[3])
    ],
)
def test_account_matrix(county, neighbour, endpoint, persona, relation, status):
    method, tail, body, _table, action = ON_ACCOUNT[endpoint]
    target = _target(county, neighbour, relation)
    token = None
    if target is not None:
        # Put the account in the state the action changes, so that its effect shows.
        if endpoint == "enable":
            services.account_disable(actor=SYSTEM, account=target, reason="调离")
        elif endpoint == "unlock":
            for _ in range(5):
                ApiClient().post(
                    "/api/auth/token", {"username": target.username, "password": "wrong"}
                )
            assert AccessAttempt.objects.filter(username=target.username).exists()
        elif endpoint == "revoke-tokens":
            token = token_for(target)
        elif endpoint == "reset-2fa":
            User.objects.filter(pk=target.pk).update(two_factor=True)
        before = _events(action, target)
    pk = target.pk if target is not None else MISSING
    response = client_for(county, persona).request(method, f"/api/accounts/{pk}{tail}", body)
    assert response.status_code == status, response.content
    if target is None:
        return
    done = status == 200
    target.refresh_from_db()
    assert _events(action, target) - before == (1 if done and action else 0)
    if endpoint == "detail" and done:
        assert response.json()["username"] == target.username
    elif endpoint == "patch":
        assert (target.full_name == "王芳芳") == done
    elif endpoint == "disable":
        assert target.is_active == (not done)
    elif endpoint == "enable":
        assert target.is_active == done
    elif endpoint == "unlock":
        assert AccessAttempt.objects.filter(username=target.username).exists() == (not done)
    elif endpoint == "revoke-tokens":
        assert (services.token_user(token) is None) == done
    elif endpoint == "reset-password":
        assert target.check_password(PASSWORD) == (not done)
        assert ("password" in response.json()) == done
    elif endpoint == "reset-2fa":
        assert target.two_factor == (not done)


@pytest.mark.parametrize(("persona", "relation", "status"), rows(LIST))
def test_list_matrix(county, neighbour, persona, relation, status):
    units = {"own": county.units["ws_sibling"], "other": neighbour.units["ws_sibling"]}
    unit_id = units[relation].pk if relation in units else MISSING
    response = client_for(county, persona).get("/api/accounts", {"unit": unit_id})
    assert response.status_code == status, response.content
    if status == 200:
        assert [a["username"] for a in response.json()["items"]] == ["sibling"]


@pytest.mark.parametrize(("persona", "relation", "status"), rows(CREATE))
def test_create_matrix(county, neighbour, persona, relation, status):
    units = {"own": county.units["office_a"], "other": neighbour.units["office_a"]}
    unit_id = units[relation].pk if relation in units else MISSING
    before = (User.objects.count(), AuditEvent.objects.filter(action="user.create").count())
    body = {"username": "wang-wu", "full_name": "王五", "role": "office_leader", "unit": unit_id}
    response = client_for(county, persona).post("/api/accounts", body)
    assert response.status_code == status, response.content
    grown = 1 if status == 201 else 0
    assert (User.objects.count(), AuditEvent.objects.filter(action="user.create").count()) == (
        before[0] + grown,
        before[1] + grown,
    )
    if status == 201:
        created = User.objects.get(username="wang-wu")
        assert (created.bureau, created.unit) == (county.bureau, county.units["office_a"])


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
