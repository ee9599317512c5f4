"""The client's address behind the trusted proxy (TRUST_X_REAL_IP, README "County deployment"):
one rule for the audit row's ``ip``, the rate limits and the sign-in lockout. Unset, an
``X-Real-IP`` header is ignored (a client can send any header); set, its value is used; a value
that is not one IP address falls back to the connection's address."""

from __future__ import annotations

import pytest

from cunjing.core.models import AuditEvent
from cunjing.core.net import UNKNOWN, client_address
from tests.county import PASSWORD

LOGIN = "/accounts/login/"
NGINX = "127.0.0.1"  # the connection's address behind nginx
CLIENT = "203.0.113.9"

MALFORMED = [
    "",
    "not-an-address",
    "203.0.113.9, 10.0.0.1",  # a list, as X-Forwarded-For carries
    "203.0.113.9:5050",  # with a port
    "203.0.113.999",
    "1" * 300,
    "203.0.113.9\x00",
]


@pytest.fixture
def trusted(settings):
    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"  # what TRUST_X_REAL_IP=1 sets
    return settings


@pytest.fixture
def untrusted(settings):
    settings.CLIENT_ADDRESS_HEADER = ""
    return settings


def sign_in(client, real_ip: str | None):
    headers = {} if real_ip is None else {"HTTP_X_REAL_IP": real_ip}
    response = client.post(
        LOGIN, {"username": "beat", "password": PASSWORD}, REMOTE_ADDR=NGINX, **headers
    )
    assert response.status_code == 302
    return AuditEvent.objects.filter(action="user.login").latest("pk")


def test_without_the_setting_the_header_is_ignored_by_the_audit_trail(client, county, untrusted):
    assert sign_in(client, CLIENT).ip == NGINX


def test_with_the_setting_the_audit_row_has_the_clients_address(client, county, trusted):
    # Before: the audit trail read a setting nothing set (TRUST_X_REAL_IP) and recorded nginx's
    # address while the rate limits used the header.
    assert sign_in(client, CLIENT).ip == CLIENT


@pytest.mark.parametrize("value", MALFORMED)
def test_a_malformed_header_falls_back_to_the_connection(client, county, trusted, value):
    assert sign_in(client, value).ip == NGINX


def test_ipv6_is_kept_in_its_short_form(client, county, trusted):
    assert sign_in(client, "2001:DB8:0:0::1").ip == "2001:db8::1"


def search(client, real_ip: str):
    return client.get("/portal/", {"q": "瓦房"}, REMOTE_ADDR=NGINX, HTTP_X_REAL_IP=real_ip)


@pytest.fixture
def three_searches(settings):
    settings.PORTAL_RATES = {**settings.PORTAL_RATES, "search": "3/m"}


def test_without_the_setting_the_rate_limit_counts_the_connection(
    client, county, untrusted, three_searches
):
    for n in range(3):
        assert search(client, f"203.0.113.{n}").status_code == 200
    # a header naming yet another address does not open a new count
    assert search(client, "203.0.113.99").status_code == 429


def test_with_the_setting_the_rate_limit_counts_each_client(
    client, county, trusted, three_searches
):
    for _ in range(3):
        assert search(client, CLIENT).status_code == 200
    assert search(client, CLIENT).status_code == 429
    assert search(client, "203.0.113.10").status_code == 200  # another resident behind nginx


def test_a_malformed_header_counts_on_the_connection(client, county, trusted, three_searches):
    for value in MALFORMED[:3]:
        assert search(client, value).status_code == 200
    assert search(client, MALFORMED[3]).status_code == 429
    assert search(client, CLIENT).status_code == 200


def test_the_key_of_a_request_without_any_address(rf, trusted):
    request = rf.get("/", REMOTE_ADDR="", HTTP_X_REAL_IP="bogus")
    assert client_address(request) == UNKNOWN
