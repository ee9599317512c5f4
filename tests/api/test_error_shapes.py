"""Every /api/ answer is JSON in the documented error shape, whatever went wrong (security review,
finding 4): a body too large (413), a body not sent as JSON (415), an unhandled exception (500),
an unknown path (404), a method a path does not take (405). The same failures under /open311/v2/
answer in Open311's format, and on the pages a too-large body is a 413 page, never a 500."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from cunjing.matters import services as matters
from cunjing.org.models import Beat
from tests.api import ApiClient, api_as, token_for, zh
from tests.open311.conftest import BASE, error_descriptions

TOO_BIG = 10 * 1024 * 1024 + 1  # one byte past DATA_UPLOAD_MAX_MEMORY_SIZE


def zh_hans(msgid: str, **params) -> str:
    """``msgid`` through the zh-Hans catalogue (its Chinese once the lead engineer translates the
    new messages; the English until then)."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    return text % params if params else text


def detail_only(response) -> str:
    """The ``{"detail": ...}`` shape, checked; its message."""
    assert response["Content-Type"] == "application/json; charset=utf-8", response.content[:200]
    data = response.json()
    assert set(data) == {"detail"} and isinstance(data["detail"], str) and data["detail"]
    return data["detail"]


def beat_body(county) -> bytes:
    return json.dumps(
        {"officer": county.officers["own"].pk, "area": county.areas["sibling"].pk}
    ).encode()


@pytest.fixture
def sysadmin(county):
    return api_as(county.user("sysadmin"), lang="en")


# --- 413 -----------------------------------------------------------------------------------------


def test_a_body_past_the_limit_is_413_json(county, sysadmin):
    body = b'{"name": "' + b"a" * TOO_BIG + b'"}'
    response = sysadmin.patch(f"/api/org/areas/{county.areas['own'].pk}", raw=body)
    assert response.status_code == 413
    assert detail_only(response) == "The request is larger than the 10 MB allowed."
    county.areas["own"].refresh_from_db()
    assert county.areas["own"].name == "瓦房沟村"


def test_413_is_in_the_users_language(county):
    body = b"[" + b"1," * (TOO_BIG // 2) + b"1]"
    response = api_as(county.user("sysadmin")).post("/api/org/beats", raw=body)
    assert response.status_code == 413
    assert detail_only(response) == zh_hans(
        "The request is larger than the %(size)s MB allowed.", size=10
    )


def test_a_too_large_form_read_by_the_csrf_check_is_413_json_too(county, client):
    """A signed-in session's unsafe request without X-CSRFToken: the CSRF check reads the form
    body before the view; too large, it is still the API's 413, not Django's HTML 400."""
    client.force_login(county.user("sysadmin"))
    client.handler.enforce_csrf_checks = True
    client.cookies["csrftoken"] = "a" * 32  # a cookie but no header: the form's token is read
    response = client.post(
        "/api/org/beats",
        b"x=" + b"a" * TOO_BIG,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    detail_only(response)


# --- 415 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "", "text/json", "application/xml"],
)
def test_a_body_not_sent_as_json_is_415(county, sysadmin, content_type):
    """text/plain used to be read as JSON; a form or no Content-Type was a 422 at best."""
    response = sysadmin.client.post(
        "/api/org/beats",
        beat_body(county),
        content_type=content_type,
        headers=sysadmin.headers(),
    )
    assert response.status_code == 415, response.content
    assert detail_only(response) == (
        "Send the request body as JSON, with Content-Type: application/json."
    )
    assert not Beat.objects.filter(area=county.areas["sibling"], officer=county.officers["own"])


def test_a_multipart_form_to_a_json_endpoint_is_415(county, sysadmin):
    response = sysadmin.client.post(
        "/api/org/beats", {"officer": "1", "area": "1"}, headers=sysadmin.headers()
    )
    assert response.status_code == 415
    detail_only(response)


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_is_accepted_with_or_without_a_charset(county, sysadmin, content_type):
    response = sysadmin.client.post(
        "/api/org/beats",
        beat_body(county),
        content_type=content_type,
        headers=sysadmin.headers(),
    )
    assert response.status_code == 201, response.content


def test_an_empty_body_needs_no_content_type(county, sysadmin):
    """An action without a payload takes an empty body, whatever it is labelled."""
    response = sysadmin.client.post("/api/org/beats", b"", content_type="text/plain")
    assert response.status_code != 415


def test_the_upload_endpoint_still_takes_multipart(county, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    matter = matters.matter_create(
        actor=county.user("beat"),
        area=county.areas["own"],
        kind="request",
        description="路灯坏了",
        reporter_phone="13903750001",
        client_uuid=uuid.uuid4(),
    )
    api = api_as(county.user("beat"))
    upload = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    response = api.client.post(
        f"/api/matters/{matter.pk}/attachments", {"file": upload}, headers=api.headers()
    )
    assert response.status_code == 201, response.content


# --- 500 -----------------------------------------------------------------------------------------


def broken(*args, **kwargs):
    raise RuntimeError("boom")


def test_an_unhandled_exception_is_500_json_and_logged(county, monkeypatch, caplog):
    from cunjing.org import selectors

    monkeypatch.setattr(selectors, "coverage_report", broken)
    api = ApiClient(
        token_for(county.user("commander")), lang="en", client=Client(raise_request_exception=False)
    )
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = api.get("/api/org/coverage")
    assert response.status_code == 500
    assert detail_only(response) == (
        "Something went wrong on the server; it has been logged. Try again."
    )
    assert response["X-Request-ID"]
    (record,) = [r for r in caplog.records if r.name == "django.request" and r.levelname == "ERROR"]
    assert record.exc_info and record.exc_info[0] is RuntimeError


def test_500_is_in_the_users_language(county, monkeypatch):
    from cunjing.org import selectors

    monkeypatch.setattr(selectors, "coverage_report", broken)
    api = ApiClient(
        token_for(county.user("commander")), client=Client(raise_request_exception=False)
    )
    response = api.get("/api/org/coverage")
    assert response.status_code == 500
    assert response["Content-Language"] == "zh-hans"
    assert detail_only(response) == zh_hans(
        "Something went wrong on the server; it has been logged. Try again."
    )


# --- 404, 405 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/nothing", "/api/org/nothing-here", "/api/org/areas/1/nothing", "/api/", "/api"]
)
def test_an_unknown_api_path_is_404_json(county, path):
    response = api_as(county.user("commander"), lang="en").get(path)
    if path == "/api":  # CommonMiddleware's slash: a redirect to /api/, which is the 404 below
        assert response.status_code == 301
        return
    assert response.status_code == 404
    assert detail_only(response) == "Not found."


def test_an_unknown_api_path_is_404_json_without_signing_in(db):
    response = Client().post("/api/nothing", b"{}", content_type="application/json")
    assert response.status_code == 404
    assert detail_only(response) == zh("Not found.")


def test_a_method_the_path_does_not_take_is_405_json(county):
    response = api_as(county.user("commander"), lang="en").request("delete", "/api/org/areas/1")
    assert response.status_code == 405
    assert detail_only(response) == "This method is not allowed here."
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}


# --- the same failures outside the API -------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_too_large_body_is_413_in_its_format(county, client, fmt):
    response = client.post(
        f"{BASE}/requests.{fmt}",
        b"description=" + b"a" * TOO_BIG,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert error_descriptions(response, fmt) == [
        zh_hans("The request is larger than the %(size)s MB allowed.", size=10)
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_server_error_is_500_in_its_format(county, monkeypatch, fmt):
    from cunjing.open311 import selectors

    monkeypatch.setattr(selectors, "services", broken)
    response = Client(raise_request_exception=False).get(f"{BASE}/services.{fmt}")
    assert response.status_code == 500
    (description,) = error_descriptions(response, fmt)
    assert description


@pytest.mark.parametrize("path", ["/accounts/login/", "/portal/track/"])
def test_a_too_large_page_form_is_a_413_page_not_a_500(db, client, path):
    response = client.post(
        path, b"x=" + b"a" * TOO_BIG, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert zh_hans("The request is larger than the %(size)s MB allowed.", size=10).encode() in (
        response.content
    )
