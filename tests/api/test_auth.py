"""POST /api/auth/token, GET /api/me, and how every other endpoint authenticates."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from cunjing.accounts import services as account_services
from cunjing.accounts.models import ApiToken, User
from cunjing.core.models import AuditEvent
from tests.api import ApiClient, api_as, zh
from tests.county import PASSWORD

TOKEN = "/api/auth/token"


def sign_in(username: str, password: str, lang: str | None = None):
    return ApiClient(lang=lang).post(TOKEN, {"username": username, "password": password})


# --- Token ---------------------------------------------------------------------------------------


def test_token_issued_for_right_password_and_audited(county):
    response = sign_in("beat", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "beat"
    assert body["user"]["role"]["code"] == "beat_officer"
    token = ApiToken.objects.get(user=county.user("beat"))
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert abs(expires - token.expires_at) < dt.timedelta(milliseconds=1)
    assert dt.timedelta(hours=11) < expires - timezone.now() <= dt.timedelta(hours=12)
    assert AuditEvent.objects.filter(action="token.issue", actor=county.user("beat")).count() == 1
    # The raw token works and only its hash is stored.
    assert token.key_hash != body["token"]
    me = ApiClient(body["token"]).get("/api/me")
    assert me.status_code == 200
    assert me.json()["username"] == "beat"


def test_token_sign_in_updates_last_login(county):
    assert county.user("beat").last_login is None
    assert sign_in("beat", PASSWORD).status_code == 200
    assert User.objects.get(username="beat").last_login is not None


def test_wrong_password_is_401_in_chinese_by_default(county):
    response = sign_in("beat", "wrong-password")
    assert response.status_code == 401
    assert response["Content-Language"] == "zh-hans"
    assert response.json() == {"detail": zh("Wrong username or password.")}
    assert not ApiToken.objects.exists()


def test_wrong_password_is_401_in_english_on_request(county):
    response = sign_in("beat", "wrong-password", lang="en")
    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong username or password."}


def test_unknown_user_is_401(county):
    assert sign_in("nobody", PASSWORD).status_code == 401


def test_inactive_user_cannot_get_a_token(county):
    User.objects.filter(username="beat").update(is_active=False)
    assert sign_in("beat", PASSWORD).status_code == 401


def test_account_without_role_cannot_get_a_token(db):
    User.objects.create_user(username="plain", password=PASSWORD)
    response = sign_in("plain", PASSWORD, lang="en")
    assert response.status_code == 403
    assert response.json()["detail"] == "This account has no role and cannot use the API."
    assert not ApiToken.objects.exists()


def test_sixth_attempt_refused_even_with_the_right_password(county):
    client = ApiClient(lang="en")
    for attempt in range(1, 6):
        response = client.post(TOKEN, {"username": "beat", "password": "wrong-password"})
        # The fifth failure is the one that locks the account.
        assert response.status_code == (429 if attempt == 5 else 401), attempt
    response = client.post(TOKEN, {"username": "beat", "password": PASSWORD})
    assert response.status_code == 429
    assert "locked" in response.json()["detail"]
    assert not ApiToken.objects.exists()
    # In the default language (zh-hans) when the client asks for none.
    response = ApiClient().post(TOKEN, {"username": "beat", "password": PASSWORD})
    assert response.status_code == 429
    assert response["Content-Language"] == "zh-hans"
    assert response.json() == {
        "detail": zh(
            "Too many failed sign-ins: this account is locked for 30 minutes at this network "
            "address."
        )
    }
    # The lockout is per account and address: another officer behind the same address signs in.
    assert sign_in("sibling", PASSWORD).status_code == 200


def test_lockout_lasts_thirty_minutes(county):
    for _ in range(5):
        sign_in("beat", "wrong-password")
    assert sign_in("beat", PASSWORD).status_code == 429

    def age_attempts(minutes: int) -> None:
        AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=minutes))

    age_attempts(29)
    assert sign_in("beat", PASSWORD).status_code == 429
    age_attempts(31)
    assert sign_in("beat", PASSWORD).status_code == 200


def test_success_resets_the_failure_count(county):
    for _ in range(4):
        assert sign_in("beat", "wrong-password").status_code == 401
    assert sign_in("beat", PASSWORD).status_code == 200
    # Four more failures do not lock: the count started again.
    for _ in range(4):
        assert sign_in("beat", "wrong-password").status_code == 401
    assert sign_in("beat", PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"username": "beat"}, "password", "This field is required."),
        (
            {"username": "beat", "password": PASSWORD, "remember": "1"},
            "remember",
            "This field is not allowed.",
        ),
        ({"username": "x" * 151, "password": "p"}, "username", "Enter at most 150 characters."),
        ({"username": "", "password": "p"}, "username", "This field cannot be blank."),
        ({"username": "a\x00b", "password": "p"}, "username", "Null characters are not allowed."),
        ({"username": 5, "password": "p"}, "username", "Enter text."),
    ],
)
def test_token_input_errors(county, body, field, message):
    response = ApiClient(lang="en").post(TOKEN, body)
    assert response.status_code == 422
    assert response.json()["errors"][field] == [message]
    assert not AccessAttempt.objects.exists()  # refused before any password check


# --- Bearer tokens and sessions --------------------------------------------------------------


def test_anonymous_is_401_with_a_bearer_challenge(county):
    response = ApiClient(lang="en").get("/api/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"detail": "Sign in first: send a valid bearer token."}


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "Token x"])
def test_bad_authorization_header_is_401(county, header):
    response = ApiClient().get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_expired_token_is_401(county):
    raw, token = account_services.token_issue(user=county.user("beat"))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert ApiClient(raw).get("/api/me").status_code == 401


def test_revoked_token_is_401(county):
    raw, token = account_services.token_issue(user=county.user("beat"))
    assert ApiClient(raw).get("/api/me").status_code == 200
    account_services.token_revoke(actor=county.user("beat"), token=token)
    assert ApiClient(raw).get("/api/me").status_code == 401


def test_token_of_deactivated_user_is_401(county):
    raw, _token = account_services.token_issue(user=county.user("beat"))
    User.objects.filter(username="beat").update(is_active=False)
    assert ApiClient(raw).get("/api/me").status_code == 401


def test_session_works_for_reads(county):
    client = Client()
    client.force_login(county.user("commander"))
    response = client.get("/api/me")
    assert response.status_code == 200
    assert response.json()["username"] == "commander"


def _csrf_client(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    return client, token


def test_session_write_needs_the_csrf_token(county):
    client, csrf = _csrf_client(county.user("sysadmin"))
    area = county.areas["own"]
    url = f"/api/org/areas/{area.pk}"
    kw = {"data": '{"latitude": 33.5}', "content_type": "application/json"}
    response = client.patch(url, headers={"Accept-Language": "en"}, **kw)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    area.refresh_from_db()
    assert area.latitude == 33.2301
    response = client.patch(url, headers={"X-CSRFToken": csrf}, **kw)
    assert response.status_code == 200
    area.refresh_from_db()
    assert area.latitude == 33.5


def test_bearer_write_needs_no_csrf_token(county):
    client = ApiClient(
        api_as(county.user("sysadmin")).token, client=Client(enforce_csrf_checks=True)
    )
    response = client.patch(f"/api/org/areas/{county.areas['own'].pk}", {"latitude": 33.5})
    assert response.status_code == 200


def test_anonymous_write_is_401_not_a_csrf_403(county):
    client = ApiClient(client=Client(enforce_csrf_checks=True))
    response = client.patch(f"/api/org/areas/{county.areas['own'].pk}", {"latitude": 1})
    assert response.status_code == 401


# --- /api/me ---------------------------------------------------------------------------------


def test_me(county):
    response = api_as(county.user("beat"), lang="en").get("/api/me")
    assert response.status_code == 200
    unit = county.units["ws_own"]
    assert response.json() == {
        "id": county.user("beat").pk,
        "username": "beat",
        "full_name": "张伟",
        "role": {"code": "beat_officer", "label": "Beat officer"},
        "unit": {"id": unit.pk, "kind": "workstation", "name": "瓦房沟警务工作站"},
        "bureau": {"id": county.bureau.pk, "name": "测试县公安局", "code": "410499"},
        "capabilities": [
            "edit_registry",
            "handle_matters",
            "report_matters",
            "reveal_personal_data",
            "view_fieldwork",
            "view_matters",
            "view_org",
            "view_registry",
        ],
    }


def test_me_capabilities_of_the_sysadmin(county):
    body = api_as(county.user("sysadmin")).get("/api/me").json()
    assert body["capabilities"] == [
        "import_org",
        "manage_beats",
        "manage_open311",
        "manage_org",
        "manage_rules",
        "manage_sla",
        "view_org",
    ]
    assert body["role"]["code"] == "sysadmin"


def test_me_auditor_has_no_view_org(county):
    body = api_as(county.user("auditor")).get("/api/me").json()
    assert body["capabilities"] == ["view_audit"]


def test_session_user_without_a_role(db):
    client = Client()
    client.force_login(User.objects.create_user(username="plain", password=PASSWORD))
    body = client.get("/api/me").json()
    assert body["role"] is None and body["unit"] is None and body["bureau"] is None
    assert body["capabilities"] == []
    assert client.get("/api/org/areas").status_code == 403
