"""Query counts of the Open311 reads and the keys page are pinned, and do not grow with the
number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cunjing.core.roles import SYSTEM
from cunjing.open311 import services
from tests.open311.conftest import BASE, submit

pytestmark = pytest.mark.django_db


def count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_reads_take_a_fixed_number_of_queries(client, county, categories, issued, noise):
    app, key = issued
    codes = [submit(client, key, noise).json()[0]["service_request_id"] for _ in range(2)]
    app.refresh_from_db()  # last_used_at was just written: the next reads do not write it

    def counts() -> dict[str, int]:
        return {
            "services": count(client, f"{BASE}/services.json"),
            "list": count(client, f"{BASE}/requests.json", {"api_key": key}),
            "ids": count(client, f"{BASE}/requests.xml", {"service_request_id": ",".join(codes)}),
            "one": count(client, f"{BASE}/requests/{codes[0]}.json"),
        }

    few = counts()
    # the replies to the reporters (status_notes) are one query for any number of requests
    assert few == {"services": 2, "list": 5, "ids": 4, "one": 4}
    codes += [submit(client, key, noise).json()[0]["service_request_id"] for _ in range(5)]
    assert counts() == few


def test_the_keys_page_takes_a_fixed_number_of_queries(client, county):
    client.force_login(county.user("sysadmin"))
    services.client_create(actor=SYSTEM, bureau=county.bureau, name="A")
    few = count(client, reverse("open311:keys"))
    for n in range(5):
        services.client_create(actor=SYSTEM, bureau=county.bureau, name=f"B{n}")
    assert count(client, reverse("open311:keys")) == few
