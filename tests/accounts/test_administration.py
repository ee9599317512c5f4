"""The security admin administers accounts (issue 12, first slice): create with a one-time
password, change role and unit, disable and enable, reset the password, unlock, revoke every
access — and the separation of the three admin roles (三权分立) is the services' rule: every
attempt to break it is refused."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cunjing.accounts import services
from cunjing.accounts.models import ApiToken, User
from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from tests.api import ApiClient, token_for
from tests.county import PASSWORD, build_county


def sign_in(client, username: str, password: str) -> bool:
    """Through the sign-in page (django-axes counts it): whether it let the user in."""
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    return response.status_code == 302


def create(county, actor="secadmin", **fields):
    values = {
        "username": "zhang-san",
        "role": "office_leader",
        "unit": county.units["office_a"],
        "full_name": "张三",
        **fields,
    }
    return services.account_create(actor=county.user(actor), **values)


def test_an_account_is_created_with_a_one_time_password(county, client):
    user, password = create(county)
    assert user.must_change_password and user.check_password(password)
    assert len(password) == 14 and password.count("-") == 2
    event = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert event.after["role"] == "office_leader" and password not in str(event.after)
    # Signed in, the account is sent to the password page until it chooses its own.
    assert sign_in(client, "zhang-san", password)
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:password_change"
    )
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200 and 'id="password-required"' in page.content.decode()
    # ... and the API gives it no token before that.
    answer = ApiClient().post("/api/auth/token", {"username": "zhang-san", "password": password})
    assert answer.status_code == 403
    bad = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password": "zhang-san", "new_password_again": "x"},
    )
    assert bad.status_code == 422
    assert {"new_password", "new_password_again"} <= set(bad.context["form"].errors)
    good = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": password,
            "new_password": "Wugang-2026!",
            "new_password_again": "Wugang-2026!",
        },
    )
    assert good.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200  # still signed in
    user.refresh_from_db()
    assert not user.must_change_password and user.password_changed_at is not None


@pytest.mark.parametrize(
    ("actor", "role"),
    [
        ("secadmin", "secadmin"),  # an admin creating an account of its own admin role
        ("beat", "office_leader"),  # no capability
        ("sysadmin", "beat_officer"),
        ("auditor", "aide"),
        ("commander", "office_leader"),
    ],
)
def test_who_may_not_create_what(county, actor, role):
    unit = county.units["bureau"] if role == "secadmin" else county.units["office_a"]
    with pytest.raises(PermissionDenied):
        create(county, actor=actor, role=role, unit=unit)
    assert not User.objects.filter(username="zhang-san").exists()


def test_the_security_admin_creates_the_other_admin_roles_on_the_bureau_only(county):
    for role in ("sysadmin", "auditor"):
        user, _password = create(
            county, username=f"new-{role}", role=role, unit=county.units["bureau"]
        )
        assert user.role == role
    with pytest.raises(ValidationError) as caught:
        create(county, username="x-auditor", role="auditor", unit=county.units["office_a"])
    assert set(caught.value.message_dict) == {"unit"}


def test_an_admin_account_holds_no_business_person(county):
    with pytest.raises(ValidationError) as caught:
        create(
            county,
            username="admin-officer",
            role="auditor",
            unit=county.units["bureau"],
            officer=county.officers["own"],
        )
    assert set(caught.value.message_dict) == {"role"}
    # ... and a business account linked to an officer cannot be turned into an admin one.
    beat = county.user("beat")
    with pytest.raises(ValidationError) as caught:
        services.account_update(
            actor=county.user("secadmin"), account=beat, role="auditor", unit=county.units["bureau"]
        )
    assert "role" in caught.value.message_dict
    beat.refresh_from_db()
    assert beat.role == "beat_officer"


def test_nobody_administers_their_own_account(county):
    secadmin = county.user("secadmin")
    for call in (
        lambda: services.account_update(actor=secadmin, account=secadmin, role="commander"),
        lambda: services.account_update(
            actor=secadmin, account=secadmin, unit=county.units["station_a"]
        ),
        lambda: services.account_disable(actor=secadmin, account=secadmin, reason="测试"),
        lambda: services.account_reset_password(actor=secadmin, account=secadmin),
        lambda: services.account_unlock(actor=secadmin, account=secadmin),
        lambda: services.account_revoke_access(actor=secadmin, account=secadmin),
    ):
        with pytest.raises(PermissionDenied):
            call()
    secadmin.refresh_from_db()
    assert (secadmin.role, secadmin.is_active) == ("secadmin", True)


def test_no_admin_changes_an_account_of_its_own_admin_role(county):
    other, _password = services.account_create(
        actor=SYSTEM,
        username="secadmin-2",
        role="secadmin",
        unit=county.units["bureau"],
    )
    with pytest.raises(PermissionDenied):
        services.account_disable(actor=county.user("secadmin"), account=other, reason="离职")
    with pytest.raises(PermissionDenied):  # nor grants its role to another account
        services.account_update(
            actor=county.user("secadmin"),
            account=county.user("commander"),
            role="secadmin",
        )


def test_another_bureaus_account_is_not_found(county):
    neighbour = build_county(code="410498", name="邻县公安局", prefix="n-")
    with pytest.raises(User.DoesNotExist):
        services.account_disable(
            actor=county.user("secadmin"), account=neighbour.user("beat"), reason="x"
        )


def test_disabling_ends_every_session_and_token_at_once(county, client):
    beat = county.user("beat")
    raw = token_for(beat)
    assert ApiClient(raw).get("/api/me").status_code == 200
    assert sign_in(client, beat.username, PASSWORD)
    assert client.get(reverse("dashboard:home")).status_code == 200
    with pytest.raises(ValidationError):
        services.account_disable(actor=county.user("secadmin"), account=beat, reason=" ")
    services.account_disable(actor=county.user("secadmin"), account=beat, reason="调离本局")
    assert ApiClient(raw).get("/api/me").status_code == 401
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )
    assert not sign_in(client, beat.username, PASSWORD)
    event = AuditEvent.objects.get(action="user.disable")
    assert event.before == {"is_active": True} and event.after["is_active"] is False
    assert event.after["reason"] == "调离本局" and event.after["tokens_revoked"] == 1
    services.account_enable(actor=county.user("secadmin"), account=beat)
    assert sign_in(client, beat.username, PASSWORD)


def test_a_reset_password_replaces_the_old_one_and_ends_access(county, client):
    beat = county.user("beat")
    raw = token_for(beat)
    assert sign_in(client, beat.username, PASSWORD)
    account, password = services.account_reset_password(actor=county.user("secadmin"), account=beat)
    assert account.must_change_password
    assert ApiClient(raw).get("/api/me").status_code == 401
    assert client.get(reverse("dashboard:home")).status_code == 302
    assert not sign_in(client, beat.username, PASSWORD)
    assert sign_in(client, beat.username, password)
    assert password not in str(AuditEvent.objects.get(action="user.reset_password").after)


def test_revoke_access_keeps_the_password(county, client):
    beat = county.user("beat")
    raw = token_for(beat)
    assert sign_in(client, beat.username, PASSWORD)
    assert services.account_revoke_access(actor=county.user("secadmin"), account=beat) == 1
    assert ApiToken.objects.get(user=beat).revoked_at is not None
    assert ApiClient(raw).get("/api/me").status_code == 401
    assert client.get(reverse("dashboard:home")).status_code == 302
    assert sign_in(client, beat.username, PASSWORD)


def test_unlock_clears_the_failed_sign_ins(county):
    for _ in range(5):
        ApiClient().post("/api/auth/token", {"username": "beat", "password": "wrong"})
    locked = ApiClient().post("/api/auth/token", {"username": "beat", "password": PASSWORD})
    assert locked.status_code == 429
    assert services.account_unlock(actor=county.user("secadmin"), account=county.user("beat"))
    ok = ApiClient().post("/api/auth/token", {"username": "beat", "password": PASSWORD})
    assert ok.status_code == 200
    assert AuditEvent.objects.filter(action="user.unlock").count() == 1


def test_a_new_unit_or_role_signs_the_account_out(county, client):
    leader = county.user("office_leader")
    assert sign_in(client, leader.username, PASSWORD)
    services.account_update(
        actor=county.user("secadmin"),
        account=leader,
        role="station_leader",
        unit=county.units["station_a"],
    )
    assert client.get(reverse("dashboard:home")).status_code == 302
    event = AuditEvent.objects.get(action="user.update")
    assert event.before == {"role": "office_leader", "unit_id": county.units["office_a"].pk}
    assert event.after == {"role": "station_leader", "unit_id": county.units["station_a"].pk}


def test_a_role_and_its_unit_must_match(county):
    with pytest.raises(ValidationError) as caught:
        services.account_update(
            actor=county.user("secadmin"),
            account=county.user("office_leader"),
            role="station_leader",
        )
    assert set(caught.value.message_dict) == {"unit"}
    with pytest.raises(ValidationError) as caught:
        services.account_update(
            actor=county.user("secadmin"), account=county.user("office_leader"), is_staff=True
        )
    assert set(caught.value.message_dict) == {"is_staff"}


def change(user, old: str, new: str):
    return services.password_change(user=user, old_password=old, new_password=new)


def test_a_password_is_not_one_of_the_last_five(county):
    beat = county.user("beat")
    passwords = [PASSWORD, *(f"Wugang-{n}-pass!" for n in range(1, 6))]
    for old, new in itertools.pairwise(passwords):
        change(beat, old, new)
    current = passwords[-1]
    for reused in passwords[-5:-1]:  # the four before the current one
        with pytest.raises(ValidationError) as caught:
            change(beat, current, reused)
        assert set(caught.value.message_dict) == {"new_password"}
    change(beat, current, PASSWORD)  # six back: allowed again
    assert beat.password_history.count() == 5


def test_an_expired_password_is_changed_at_the_next_sign_in(county, client, settings):
    import datetime as dt

    from django.utils import timezone

    beat = county.user("beat")
    User.objects.filter(pk=beat.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    client.force_login(beat)
    response = client.get(reverse("dashboard:home"))
    assert response["Location"] == reverse("accounts:password_change")
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert 'id="password-expired"' in page
    settings.PASSWORD_MAX_AGE_DAYS = 0  # off, as `make run` sets for the demo
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_an_account_never_holds_a_second_role(county):
    """One role per account is one column: a list, two values joined, or an unknown role is a
    field error, through the service and the API alike; the account keeps its one role."""
    secadmin = county.user("secadmin")
    commander = county.user("commander")
    for role in ("commander,auditor", "commander auditor", ["commander", "auditor"], ""):
        with pytest.raises((ValidationError, PermissionDenied)):
            services.account_update(actor=secadmin, account=commander, role=role)
    commander.refresh_from_db()
    assert commander.role == "commander"
    client = ApiClient(token_for(secadmin))
    for body in ({"role": ["commander", "auditor"]}, {"roles": ["commander", "auditor"]}):
        response = client.patch(f"/api/accounts/{commander.pk}", body)
        assert response.status_code == 422, (body, response.content)
    commander.refresh_from_db()
    assert commander.role == "commander"
    assert not User._meta.get_field("role").many_to_many


def test_an_admin_never_grants_itself_a_role(county):
    for persona in ("secadmin", "sysadmin", "auditor"):
        admin = county.user(persona)
        for role in ("commander", "secadmin", "sysadmin", "auditor"):
            with pytest.raises(PermissionDenied):
                services.account_update(actor=admin, account=admin, role=role)
        admin.refresh_from_db()
        assert admin.role == persona
    # Nor through the API: the security admin on their own account.
    secadmin = county.user("secadmin")
    response = ApiClient(token_for(secadmin)).patch(
        f"/api/accounts/{secadmin.pk}", {"role": "commander"}
    )
    assert response.status_code in (403, 404)
    secadmin.refresh_from_db()
    assert secadmin.role == "secadmin"


def test_a_business_role_on_an_admin_account_is_refused(county):
    """The other direction of 三权分立: an admin account never becomes a business one."""
    sysadmin = county.user("sysadmin")
    for role in ("commander", "inspector", "station_leader"):
        unit = county.units["station_a"] if role == "station_leader" else county.units["bureau"]
        with pytest.raises((PermissionDenied, ValidationError)):
            services.account_update(
                actor=county.user("secadmin"), account=sysadmin, role=role, unit=unit
            )
    sysadmin.refresh_from_db()
    assert sysadmin.role == "sysadmin"
