"""A third-party Open311 client against a live server: the PyPI package ``georeport`` (0.3.x)
lists the services, and reads back a request created through the API, in JSON and in XML.

``georeport`` cannot POST (it has no create call) and sends no API key on its GETs; the request
is created with a plain form-encoded HTTP POST (``requests``, as any client would), and read back
by its service request id, which needs no key.
"""

from __future__ import annotations

import pytest
import requests
from django.db import connections

from cunjing.matters.models import Matter, Source
from tests.live import running_site
from tests.open311.conftest import INSIDE_OWN

georeport = pytest.importorskip("georeport")

# The server thread needs committed data: a transactional test (tests/conftest.py then builds the
# county inside the test).
pytestmark = pytest.mark.django_db(transaction=True)


def _no_static(application):
    """No static files: the handler is the application itself."""
    return application


@pytest.fixture
def server(transactional_db, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    with running_site(_no_static) as url:
        yield url
    connections.close_all()


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_lists_services_and_reads_back_a_request(
    server, county, categories, key, output_format
):
    api = georeport.GeoReport(
        f"{server}/open311/v2",
        jurisdiction=county.bureau.code,
        api_key=key,
        output_format=output_format,
    )

    listed = api.get_service_list()
    by_name = {s["service_name"]: s for s in listed}
    assert set(by_name) == set(categories)
    code = by_name["噪音扰民"]["service_code"]
    assert code == str(categories["噪音扰民"].pk)
    definition = api.get_service_definition(code)
    assert definition["service_code"] == code

    created = requests.post(
        f"{server}/open311/v2/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": county.bureau.code,
            "service_code": code,
            "description": "夜里十一点后广场舞音响仍然很响",
            "first_name": "伟",
            "last_name": "李",
            "phone": "13903750001",
            **INSIDE_OWN,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    request_id = created.json()[0]["service_request_id"]
    matter = Matter.objects.get(bureau=county.bureau, tracking_code=request_id)
    assert matter.source == Source.OPEN311 and matter.area == county.areas["own"]

    one = api.get_service_request(request_id)
    assert one["service_request_id"] == request_id
    assert one["status"] == "open"
    assert one["service_code"] == code
    assert one["agency_responsible"] == "瓦房沟警务工作站"
    assert one["description"] == "夜里十一点后广场舞音响仍然很响"

    found = api.get_service_requests(service_request_id=request_id)
    # xmltodict gives a dict for a single <request>, a list for several.
    found = [found] if isinstance(found, dict) else found
    assert [r["service_request_id"] for r in found] == [request_id]
    assert "李伟" not in str(found) and "13903750001" not in str(found)
