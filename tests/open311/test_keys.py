"""API keys: the keys page (issue shows the key once, revoke, audit), ``manage.py open311_key``,
and which key each endpoint accepts (no key / bad key / revoked key / valid key)."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.open311 import services
from cunjing.open311.models import Open311Client
from tests.county import build_county
from tests.open311.conftest import BASE, INSIDE_OWN

pytestmark = pytest.mark.django_db


# --- The page -----------------------------------------------------------------------------------


def test_issuing_a_key_shows_it_once_and_keeps_only_its_hash(client, county):
    client.force_login(county.user("sysadmin"))
    response = client.post(reverse("open311:keys"), {"name": "城市服务App"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = re.search(r'data-testid="new-key">([^<]+)<', response.content.decode()).group(1)
    app = Open311Client.objects.get(bureau=county.bureau, name="城市服务App")
    assert app.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert app.key_prefix == key[:8] and app.created_by == county.user("sysadmin")
    assert key not in str(Open311Client.objects.filter(pk=app.pk).values().get())
    event = AuditEvent.objects.get(action="open311.client.create", object_id=str(app.pk))
    assert event.actor == county.user("sysadmin") and key not in str(event.after)
    listing = client.get(reverse("open311:keys")).content.decode()
    assert "城市服务App" in listing and app.key_prefix in listing and key not in listing
    # The key works.
    assert client.get(f"{BASE}/requests.json", {"api_key": key}).status_code == 200


def test_a_name_is_required_and_unique_among_active_clients(client, county):
    client.force_login(county.user("sysadmin"))
    assert client.post(reverse("open311:keys"), {"name": " "}).status_code == 422
    assert client.post(reverse("open311:keys"), {"name": "App"}).status_code == 200
    again = client.post(reverse("open311:keys"), {"name": "App"})
    assert again.status_code == 422 and 'data-testid="new-key"' not in again.content.decode()
    assert Open311Client.objects.filter(name="App").count() == 1


def test_revoking_refuses_the_key_and_is_audited(client, county):
    app, key = services.client_create(actor=SYSTEM, bureau=county.bureau, name="App")
    client.force_login(county.user("sysadmin"))
    response = client.post(reverse("open311:revoke", args=[app.pk]))
    assert response.status_code == 302
    app.refresh_from_db()
    assert not app.active and app.revoked_at is not None
    event = AuditEvent.objects.get(action="open311.client.revoke", object_id=str(app.pk))
    assert event.before == {"active": True, "revoked_at": None} and event.after["active"] is False
    assert client.get(f"{BASE}/requests.json", {"api_key": key}).status_code == 403
    # Twice changes nothing more; the name is free again.
    client.post(reverse("open311:revoke", args=[app.pk]))
    assert AuditEvent.objects.filter(action="open311.client.revoke").count() == 1
    assert client.post(reverse("open311:keys"), {"name": "App"}).status_code == 200
    assert client.get(reverse("open311:revoke", args=[app.pk])).status_code == 405


def test_nav_links_the_page_for_the_system_admin_only(client, county):
    client.force_login(county.user("sysadmin"))
    assert reverse("open311:keys") in client.get(reverse("dashboard:home")).content.decode()
    client.force_login(county.user("commander"))
    assert reverse("open311:keys") not in client.get(reverse("dashboard:home")).content.decode()


# --- The command ------------------------------------------------------------------------------


def test_the_command_prints_a_new_key(county):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_key", "热线平台", stdout=out, stderr=err)
    key = out.getvalue().strip()
    app = Open311Client.objects.get(name="热线平台")
    assert app.bureau == county.bureau and app.key_hash == services.key_hash(key)
    assert services.client_for_key(bureau_id=county.bureau.pk, key=key) == app
    event = AuditEvent.objects.get(action="open311.client.create", object_id=str(app.pk))
    assert event.actor is None and event.channel == "command"


def test_the_command_needs_a_bureau_when_there_are_several(county):
    build_county(code="410498", name="邻县公安局", prefix="n_")
    with pytest.raises(CommandError, match="--bureau"):
        call_command("open311_key", "App", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no bureau"):
        call_command("open311_key", "App", "--bureau", "999999", stdout=io.StringIO())
    out = io.StringIO()
    call_command("open311_key", "App", "--bureau", "410498", stdout=out, stderr=io.StringIO())
    assert Open311Client.objects.get(name="App").bureau.code == "410498"
    with pytest.raises(CommandError):
        call_command("open311_key", "App", "--bureau", "410498", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("open311_key", "", "--bureau", "410499", stdout=io.StringIO())


# --- Which key each endpoint accepts -------------------------------------------------------------

# Columns: no key, a wrong key, a revoked key, a valid key.
ENDPOINT_TABLE = """
endpoint        none  bad   revoked valid
discovery       200   200   200     200
services        200   200   200     200
service         200   200   200     200
requests_list   403   403   403     200
requests_ids    200   200   200     200
request         200   200   200     200
token           200   200   200     200
post            403   403   403     201
"""


def _rows():
    header, *rows = [line.split() for line in ENDPOINT_TABLE.strip().splitlines()]
    for endpoint, *codes in rows:
        for key_kind, code in zip(header[1:], codes, strict=True):
            yield endpoint, key_kind, int(code)


@pytest.mark.parametrize(("endpoint", "key_kind", "expected"), list(_rows()))
def test_endpoint_key_table(client, county, categories, endpoint, key_kind, expected):
    code = str(categories["噪音扰民"].pk)
    _app, valid = services.client_create(actor=SYSTEM, bureau=county.bureau, name="App")
    seed = client.post(
        f"{BASE}/requests.json",
        {"api_key": valid, "service_code": code, "description": "吵", **INSIDE_OWN},
    ).json()[0]
    revoked_app, revoked = services.client_create(actor=SYSTEM, bureau=county.bureau, name="Old")
    services.client_revoke(actor=SYSTEM, client=revoked_app)
    key = {"none": None, "bad": "x" * 40, "revoked": revoked, "valid": valid}[key_kind]
    params = {"api_key": key} if key else {}
    match endpoint:
        case "discovery":
            response = client.get(f"{BASE}/discovery.json", params)
        case "services":
            response = client.get(f"{BASE}/services.json", params)
        case "service":
            response = client.get(f"{BASE}/services/{code}.json", params)
        case "requests_list":
            response = client.get(f"{BASE}/requests.json", params)
        case "requests_ids":
            params["service_request_id"] = seed["service_request_id"]
            response = client.get(f"{BASE}/requests.json", params)
        case "request":
            response = client.get(f"{BASE}/requests/{seed['service_request_id']}.json", params)
        case "token":
            response = client.get(f"{BASE}/tokens/{seed['token']}.json", params)
        case "post":
            response = client.post(
                f"{BASE}/requests.json",
                {**params, "service_code": code, "description": "吵", **INSIDE_OWN},
            )
    assert response.status_code == expected, response.content
