"""Two-factor sign-in (TOTP, django-otp): enrolment with a QR code drawn here, recovery codes
shown once, the code asked at every sign-in (page and API), the security admin's reset, and
the requirement setting."""

from __future__ import annotations

import json

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cunjing.accounts import two_factor
from cunjing.accounts.models import User
from cunjing.core.models import AuditEvent
from tests.accounts.test_administration import sign_in
from tests.county import PASSWORD

LOGIN = "/accounts/login/"


def code_of(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def later(user) -> None:
    """As if the next 30-second step had come and the throttle's wait had passed: django-otp
    refuses a code already used in its step (a replay) and waits after a wrong one."""
    TOTPDevice.objects.filter(user=user).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )


def enrol(client, user) -> list[str]:
    client.force_login(user)
    page = client.get(reverse("accounts:two_factor"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html and 'id="two-factor-secret"' in html
    done = client.post(reverse("accounts:two_factor"), {"token": code_of(user)})
    assert done.status_code == 200
    return done.context["codes"]


def test_enrol_and_sign_in_with_the_code(county, client):
    beat = county.user("beat")
    codes = enrol(client, beat)
    later(beat)
    assert len(codes) == 10 and User.objects.get(pk=beat.pk).two_factor
    assert AuditEvent.objects.filter(action="user.two_factor.enrol").count() == 1
    client.logout()
    assert not sign_in(client, "beat", PASSWORD)  # the password alone is not enough
    refused = client.post(LOGIN, {"username": "beat", "password": PASSWORD, "otp_token": "12"})
    assert "otp_token" in refused.context["form"].errors
    later(beat)
    ok = client.post(LOGIN, {"username": "beat", "password": PASSWORD, "otp_token": code_of(beat)})
    assert ok.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_a_recovery_code_signs_in_once(county, client):
    beat = county.user("beat")
    codes = enrol(client, beat)
    client.logout()
    body = {"username": "beat", "password": PASSWORD, "otp_token": codes[0]}
    assert client.post(LOGIN, body).status_code == 302
    client.logout()
    assert client.post(LOGIN, body).status_code == 200  # used


def test_the_api_token_asks_for_the_code(county, client):
    beat = county.user("beat")
    enrol(client, beat)

    def token(otp=""):
        body = json.dumps({"username": "beat", "password": PASSWORD, "otp": otp})
        return client.post("/api/auth/token", body, content_type="application/json")

    assert token().status_code == 401
    assert token("123456").status_code == 401
    later(beat)
    assert token(code_of(beat)).status_code == 200


def test_the_security_admin_resets_a_lost_phone(county, client):
    beat = county.user("beat")
    enrol(client, beat)
    client.force_login(county.user("secadmin"))
    url = reverse("accounts:account_detail", args=[beat.pk])
    assert 'id="account-reset-2fa"' in client.get(url).content.decode()
    assert client.post(url, {"action": "reset_two_factor"}).status_code == 302
    assert not User.objects.get(pk=beat.pk).two_factor
    assert not TOTPDevice.objects.filter(user=beat).exists()
    client.logout()
    assert sign_in(client, "beat", PASSWORD)
    event = AuditEvent.objects.get(action="user.two_factor.reset")
    assert event.after == {"devices": 2}


def test_required_two_factor_sends_to_the_enrolment(county, client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    beat = county.user("beat")
    client.force_login(beat)
    response = client.get(reverse("dashboard:home"))
    assert response["Location"] == reverse("accounts:two_factor")
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert 'id="two-factor-required"' in page
    client.post(reverse("accounts:two_factor"), {"token": code_of(beat)})
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_an_unverified_session_of_an_enrolled_account_is_signed_out(county, client):
    beat = county.user("beat")
    enrol(client, beat)
    other = client.__class__()
    other.force_login(User.objects.get(pk=beat.pk))  # a session without the code
    response = other.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")


def test_a_wrong_code_does_not_enrol(county, client):
    beat = county.user("beat")
    client.force_login(beat)
    client.get(reverse("accounts:two_factor"))
    wrong = client.post(reverse("accounts:two_factor"), {"token": "000000"})
    assert wrong.status_code == 422 and "token" in wrong.context["form"].errors
    assert not User.objects.get(pk=beat.pk).two_factor


def test_a_code_is_never_found_by_a_nonsense_token(county):
    beat = county.user("beat")
    assert two_factor.verify(beat, "") is None
    assert two_factor.verify(beat, "x" * 100) is None
