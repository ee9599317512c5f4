"""A lockout no stranger can abuse (issue 12): five failures lock a username at one address
only; one address is throttled across usernames; an attempt during a lockout does not extend
it; one account tried from many addresses is reported to the security admin."""

from __future__ import annotations

import datetime as dt
import json

from axes.models import AccessAttempt
from django.urls import reverse

from cunjing.core.net import client_address
from tests.county import PASSWORD

LOGIN = "/accounts/login/"
A, B = "10.0.0.1", "10.0.0.2"


def attempt(client, username: str, password: str, address: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_failures_from_one_address_lock_that_address_only(client, county):
    for _ in range(5):
        attempt(client, "beat", "wrong", A)
    assert attempt(client, "beat", PASSWORD, A).status_code == 429
    assert attempt(client, "beat", PASSWORD, B).status_code == 302  # the officer elsewhere


def token(client, password: str, address: str):
    body = json.dumps({"username": "beat", "password": password})
    return client.post(
        "/api/auth/token", body, content_type="application/json", REMOTE_ADDR=address
    )


def test_the_api_token_follows_the_same_rule(client, county):
    for _ in range(5):
        token(client, "wrong", A)
    assert token(client, PASSWORD, A).status_code == 429
    assert token(client, PASSWORD, B).status_code == 200


def test_an_attempt_during_the_lockout_does_not_extend_it(client, county):
    for _ in range(5):
        attempt(client, "beat", "wrong", A)
    first = AccessAttempt.objects.get(username="beat", ip_address=A)
    started = first.attempt_time - dt.timedelta(minutes=29)
    AccessAttempt.objects.filter(pk=first.pk).update(attempt_time=started)
    assert attempt(client, "beat", "wrong again", A).status_code == 429
    assert AccessAttempt.objects.get(pk=first.pk).attempt_time == started
    AccessAttempt.objects.filter(pk=first.pk).update(attempt_time=started - dt.timedelta(minutes=2))
    assert attempt(client, "beat", PASSWORD, A).status_code == 302


def test_one_address_is_throttled_across_usernames(client, county, settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = 6
    for name in ("beat", "sibling", "other", "aide", "x1", "x2"):
        attempt(client, name, "wrong", A)
    response = attempt(client, "office-leader", PASSWORD, A)
    assert response.status_code == 429 and "10" in response.content.decode()
    assert attempt(client, "office-leader", PASSWORD, B).status_code == 302


def test_a_burst_from_many_addresses_is_reported_not_locking_the_user(client, county):
    for n in range(4):
        for _ in range(2):
            attempt(client, "beat", "wrong", f"10.0.1.{n}")
    assert attempt(client, "beat", PASSWORD, B).status_code == 302
    client.force_login(county.user("secadmin"))
    page = client.get(reverse("dashboard:home")).content.decode()
    assert 'id="signin-bursts"' in page and "beat" in page


def test_the_client_address_behind_nginx(rf, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.9")
    assert client_address(request) == "127.0.0.1"  # the header is not trusted by default
    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    assert client_address(request) == "203.0.113.9"
    forged = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="not-an-address")
    assert client_address(forged) == "127.0.0.1"
