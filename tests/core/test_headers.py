"""The headers of every answer (等保 level 3; cunjing/core/headers.py, settings): a
Content-Security-Policy without inline or eval'd script on every HTML page (and templates that
need none), a Permissions-Policy with the unused features off, and ``Cache-Control: no-store`` on
every answer that may carry personal data — and not on static files, the public portal pages or
the workspace's service worker and manifest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cunjing.matters.models import Matter
from tests.api import token_for

ROOT = Path(__file__).resolve().parents[2] / "cunjing"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']}: no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(response) -> None:
    """Scripts only from the site's files: no inline script, no on*= attribute, no eval."""
    where = response.request["PATH_INFO"]
    found = policy(response)
    for name in ("script-src", "script-src-elem", "script-src-attr", "default-src"):
        values = found.get(name, [])
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values, (where, name)
        assert "*" not in values and "data:" not in values, (where, name)
    assert found["script-src"] == ["'self'"], where
    assert found["object-src"] == ["'none'"] and found["base-uri"] == ["'none'"], where
    assert found["frame-ancestors"] == ["'none'"], where
    # <style> elements only from the site's files; style="" attributes are allowed (README)
    assert found["style-src"] == ["'self'"] and "style-src-elem" not in found, where
    if response["Content-Type"].startswith("text/html") and not response.streaming:
        body = response.content.decode()
        assert not INLINE_SCRIPT.search(body), (where, INLINE_SCRIPT.search(body).group())


def no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


# --- Content-Security-Policy ---------------------------------------------------------------


def _plain_routes(resolver=None, prefix: str = "") -> list[str]:
    """Every URL of the site without a parameter (a path to GET as it is)."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = getattr(entry.pattern, "_route", None)
        if route is None or "<" in route:
            continue  # a regular expression or a parameter
        if isinstance(entry, URLResolver):
            found += _plain_routes(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append("/" + prefix + route)
    return found


PLAIN = sorted(set(_plain_routes()) - {"/api/", "/open311/"})


def test_the_route_list_is_the_sites():
    assert {"/", "/m/", "/matters/", "/portal/", "/accounts/login/", "/api/docs"} <= set(PLAIN)
    assert len(PLAIN) > 40


@pytest.mark.parametrize("persona", ["commander", "beat", None])
def test_every_page_has_the_strict_policy(client, county, persona):
    if persona:
        client.force_login(county.user(persona))
    pages = 0
    for path in PLAIN:
        response = client.get(path)
        if response["Content-Type"].startswith("text/html"):
            pages += 1
            assert_strict(response)
    assert pages > (25 if persona else 5)


def test_pages_with_objects_and_error_pages(client, county):
    own = county.areas["own"]
    anonymous = [
        reverse("portal:card", args=[own.pk]),
        "/portal/no-such-page/",
        "/no-such-page/",
    ]
    for path in anonymous:
        assert_strict(client.get(path))
    # a form posted without its CSRF token: the CSRF failure page
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("portal:track"), {"code": "ZZZZZZZZZZZZ"})
    assert response.status_code == 403
    assert_strict(response)
    client.force_login(county.user("commander"))
    for path in [
        reverse("org:unit_detail", args=[county.units["bureau"].pk]),
        reverse("org:area_detail", args=[own.pk]),
    ]:
        assert_strict(client.get(path))


def test_the_portals_answers_to_posts(client, county):
    response = client.post(
        reverse("portal:submit"),
        {"area": county.areas["own"].pk, "kind": "request", "description": "路灯坏了"},
    )
    assert response.status_code == 201
    assert_strict(response)
    code = Matter.objects.get().tracking_code
    response = client.post(reverse("portal:track"), {"code": code})
    assert response.status_code == 200 and code in response.content.decode()
    assert_strict(response)


def test_the_templates_need_no_inline_script():
    """What the policy refuses is not in any template: no <script> without src, no on*=
    attribute, no javascript: URL, no htmx hx-on (it needs eval)."""
    offences = []
    checks = {
        "inline <script>": INLINE_SCRIPT,
        "on*= attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
        "javascript: URL": re.compile(r"javascript:", re.I),
        "hx-on": re.compile(r"\s(data-)?hx-on[:-]"),
    }
    templates = [p for p in ROOT.rglob("templates/**/*.html") if "node_modules" not in p.parts]
    assert len(templates) > 50
    for path in templates:
        text = path.read_text()
        for what, pattern in checks.items():
            if pattern.search(text):
                offences.append(f"{path.relative_to(ROOT)}: {what}")
    assert offences == []


def test_htmx_is_told_not_to_inject_a_style_or_eval(client, county):
    client.force_login(county.user("commander"))
    body = client.get("/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false""" in body
    assert '"allowEval": false' in body


# --- Permissions-Policy --------------------------------------------------------------------


def test_the_permissions_policy(client, county):
    for response in (client.get("/portal/"), client.get("/accounts/login/")):
        value = response.headers["Permissions-Policy"]
        features = dict(item.split("=", 1) for item in value.split(", "))
        for feature in ("camera", "geolocation", "microphone", "payment", "usb"):
            assert features[feature] == "()", feature


def test_the_permissions_policy_syntax():
    from cunjing.core.headers import permissions_policy

    value = permissions_policy({"camera": [], "geolocation": ["self", "https://map.example"]})
    assert value == 'camera=(), geolocation=(self "https://map.example")'


# --- Cache-Control -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["beat", "commander", "secadmin", "auditor"])
def test_every_page_of_a_signed_in_user_is_not_stored(client, county, persona):
    client.force_login(county.user(persona))
    for path in PLAIN:
        response = client.get(path)
        if path in ("/m/sw.js", "/m/manifest.webmanifest"):
            continue
        assert no_store(response), (persona, path, response.status_code)


def test_the_api_and_open311_are_not_stored(client, county):
    token = token_for(county.user("beat"))
    for response in (
        client.get("/api/me", headers={"Authorization": f"Bearer {token}"}),
        client.get("/api/me"),  # 401
        client.get("/api/openapi.json"),
        client.get("/open311/v2/services.json"),
        client.get("/open311/v2/discovery.json"),
    ):
        assert no_store(response), response.request["PATH_INFO"]


def test_a_tracking_result_on_the_portal_is_not_stored(client, county):
    response = client.post(
        reverse("portal:submit"),
        {"area": county.areas["own"].pk, "kind": "request", "description": "路灯坏了"},
    )
    assert response.status_code == 201 and no_store(response)  # it shows the tracking code
    code = Matter.objects.get().tracking_code
    response = client.post(reverse("portal:track"), {"code": code})
    assert response.status_code == 200 and code in response.content.decode()
    assert no_store(response)
    assert no_store(client.post(reverse("portal:track"), {"code": "ZZZZZZZZZZZZ"}))  # 404


def test_public_pages_static_files_and_the_workers_keep_their_caching(client, county):
    for path in ("/portal/", reverse("portal:card", args=[county.areas["own"].pk])):
        assert not no_store(client.get(path)), path
    client.force_login(county.user("beat"))
    css = client.get(django_settings.STATIC_URL + "cunjing/cunjing.css")
    assert css.status_code == 200 and not no_store(css)
    for name in ("workspace:sw", "workspace:manifest"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-cache, max-age=0", name
