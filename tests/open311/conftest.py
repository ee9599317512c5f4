"""Fixtures of the Open311 tests: the test county's services (the default matter categories)
and a client with its API key."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from cunjing.core.roles import SYSTEM
from cunjing.matters.models import MatterCategory
from cunjing.matters.services import categories_ensure_defaults
from cunjing.open311 import services

BASE = "/open311/v2"
INSIDE_OWN = {"lat": "33.2301", "long": "113.4502"}  # 瓦房沟村's centre, inside its boundary


@pytest.fixture
def categories(county) -> dict[str, MatterCategory]:
    categories_ensure_defaults(actor=SYSTEM, bureau=county.bureau)
    return {c.name: c for c in MatterCategory.objects.filter(bureau=county.bureau)}


@pytest.fixture
def noise(categories) -> str:
    """The service code of 噪音扰民 (a resident's request)."""
    return str(categories["噪音扰民"].pk)


@pytest.fixture
def issued(county):
    """(client, key) of an app the bureau issued a key to."""
    return services.client_create(actor=SYSTEM, bureau=county.bureau, name="城市服务App")


@pytest.fixture
def key(issued) -> str:
    return issued[1]


def body(response, fmt: str = "json"):
    """The answer parsed: JSON data, or the XML root element."""
    if fmt == "xml":
        assert response["Content-Type"].startswith("text/xml")
        return ET.fromstring(response.content)  # noqa: S314 (our own server's answer)
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def error_descriptions(response, fmt: str = "json") -> list[str]:
    """The descriptions of a spec-format error answer, checking its shape."""
    data = body(response, fmt)
    if fmt == "xml":
        assert data.tag == "errors"
        errors = data.findall("error")
        assert errors and all(e.findtext("code") == str(response.status_code) for e in errors)
        return [e.findtext("description") for e in errors]
    assert isinstance(data, list) and data
    assert all(e["code"] == response.status_code for e in data)
    return [e["description"] for e in data]


def post(client, fmt="json", **data):
    return client.post(f"{BASE}/requests.{fmt}", data)


def submit(client, key, code, fmt="json", **fields):
    """POST a valid request of service ``code`` in 瓦房沟村 (every field overridable, ``None``
    leaves it out), returning the response."""
    data = {
        "api_key": key,
        "service_code": code,
        "description": "半夜广场舞音响太响",
        **INSIDE_OWN,
        **fields,
    }
    return post(client, fmt, **{k: v for k, v in data.items() if v is not None})
