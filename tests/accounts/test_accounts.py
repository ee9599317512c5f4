import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError
from django.urls import reverse

from cunjing.accounts import services
from cunjing.accounts.validators import CharacterClassesValidator
from cunjing.core.models import AuditEvent
from cunjing.core.roles import ADMIN_ROLES, CAPABILITIES, SYSTEM, Role
from tests.county import PASSWORD

LOGIN = reverse("accounts:login")


def test_passwords_are_hashed_with_argon2_by_default():
    import cunjing.settings as configured

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_argon2_used_when_first(county, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = county.user("commander")
    user.set_password("New-pass-456")
    assert identify_hasher(user.password).algorithm == "argon2"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abcdefgh", False),
        ("abcdefg1", False),
        ("Abcdefg1", True),
        ("abcdef1!", True),
        ("ABCDEF1!", True),
        ("Ab1!", True),
    ],
)
def test_character_classes(password, ok):
    validator = CharacterClassesValidator()
    if ok:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError):
            validator.validate(password)


def test_short_password_refused_by_user_create(county):
    with pytest.raises(ValidationError) as err:
        services.user_create(
            actor=SYSTEM,
            username="x1",
            password="Ab1!",
            role=Role.COMMANDER,
            unit=county.units["bureau"],
        )
    assert "password" in err.value.message_dict


def test_role_must_match_unit_kind(county):
    with pytest.raises(ValidationError) as err:
        services.user_create(
            actor=SYSTEM,
            username="x2",
            password=PASSWORD,
            role=Role.STATION_LEADER,
            unit=county.units["office_a"],
        )
    assert "unit" in err.value.message_dict


def test_beat_officer_needs_officer(county):
    with pytest.raises(ValidationError) as err:
        services.user_create(
            actor=SYSTEM,
            username="x3",
            password=PASSWORD,
            role=Role.BEAT_OFFICER,
            unit=county.units["ws_own"],
        )
    assert "officer" in err.value.message_dict


def test_admin_roles_are_separate_capabilities():
    """三权分立: no capability of one admin role is held by another admin role."""
    admin = sorted(ADMIN_ROLES)
    own = {
        Role.SYSADMIN: {"manage_org", "import_org"},
        Role.SECADMIN: {"manage_users"},
        Role.AUDITOR: {"view_audit"},
    }
    for role in admin:
        for other in admin:
            if other != role:
                assert not (own[role] & CAPABILITIES[other])


def test_only_secadmin_creates_users(county):
    with pytest.raises(Exception) as err:
        services.user_create(
            actor=county.user("sysadmin"),
            username="x4",
            password=PASSWORD,
            role=Role.COMMANDER,
            unit=county.units["bureau"],
        )
    assert err.type.__name__ == "PermissionDenied"
    user = services.user_create(
        actor=county.user("secadmin"),
        username="x5",
        password=PASSWORD,
        role=Role.COMMANDER,
        unit=county.units["bureau"],
    )
    event = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert event.after["role"] == "commander"
    assert "password" not in event.after


def test_login_page_renders_in_chinese(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_login_and_logout(client, county):
    response = client.post(LOGIN, {"username": "beat", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert AuditEvent.objects.filter(action="user.login", actor=county.user("beat")).count() == 1
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_wrong_password_gives_form_error(client, county):
    response = client.post(LOGIN, {"username": "beat", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_sixth_attempt_refused_even_with_right_password(client, county):
    for _ in range(5):
        client.post(LOGIN, {"username": "beat", "password": "wrong-password"})
    response = client.post(LOGIN, {"username": "beat", "password": PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    response = client.post(LOGIN, {"username": "sibling", "password": PASSWORD})
    assert response.status_code == 302


def test_lockout_expires_after_cooloff(client, county, settings):
    import datetime as dt

    from axes.models import AccessAttempt

    for _ in range(5):
        client.post(LOGIN, {"username": "beat", "password": "wrong-password"})
    assert client.post(LOGIN, {"username": "beat", "password": PASSWORD}).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time - dt.timedelta(minutes=31)
    )
    assert client.post(LOGIN, {"username": "beat", "password": PASSWORD}).status_code == 302


def test_session_idle_timeout_is_30_minutes():
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    assert django_settings.SESSION_SAVE_EVERY_REQUEST is True


def test_bad_login_input_never_500(client, db):
    for data in [
        {},
        {"username": "x" * 5000, "password": "y"},
        {"username": "\x00", "password": ""},
    ]:
        assert client.post(LOGIN, data).status_code in (200, 429)
