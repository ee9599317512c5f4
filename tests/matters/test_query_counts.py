"""Pinned query counts of the matters list and detail: they do not grow with the number of
matters, events, replies or attachments."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunjing.matters import services
from tests.api import api_as
from tests.matters import new_matter

# token → user → unit 1, the page 1
LIST = 2
# token → user → unit 1, the matter (with area, units, category) 1, events 1, replies 1,
# attachments 1, duplicate candidates 1
DETAIL = 6


def _count(api, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


def _grow(county, n: int) -> list[int]:
    beat = county.user("beat")
    ids = []
    for i in range(n):
        m = new_matter(county, description=f"第{i}件：村口路灯坏了，晚上很黑")
        services.matter_accept(actor=beat, matter=m)
        services.matter_reply(actor=beat, matter=m, channel="phone", text=f"答复{i}")
        ids.append(m.pk)
    return ids


def test_list_and_detail_do_not_grow_with_the_data(county):
    api = api_as(county.user("commander"))
    first = _grow(county, 2)
    small_list = _count(api, "/api/matters")
    small_detail = _count(api, f"/api/matters/{first[-1]}")
    more = _grow(county, 8)
    assert _count(api, "/api/matters") == small_list
    assert _count(api, f"/api/matters/{more[-1]}") == small_detail
    assert small_list == LIST
    assert small_detail == DETAIL
