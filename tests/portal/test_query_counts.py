"""Pinned query counts of the portal's pages: they do not grow with the number of results,
officers, aides, replies or timeline rows."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunjing.core.roles import SYSTEM
from cunjing.matters import services
from cunjing.org import services as org
from tests.county import START
from tests.portal.conftest import submit

# bureau 1, areas 1, their townships 1
SEARCH = 3
# bureau 1, area 1, beats with officers 1, serving unit 1, aides 1
CARD = 5
# bureau 1, matter (area, handling unit) 1, category 1, entry unit 1, its chain 1, timeline 1,
# replies (units) 1
STATUS = 7


def _count(client, method: str, path: str, data: dict) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, data)
    assert response.status_code == 200, response.content
    return len(queries)


def test_search_and_card(client, county):
    own = county.areas["own"]
    search = _count(client, "get", "/portal/", {"q": "村"})
    card = _count(client, "get", f"/portal/areas/{own.pk}/", {})
    for i in range(3):
        village = org.area_create(
            actor=SYSTEM,
            bureau=county.bureau,
            parent=county.areas["township_a"],
            kind="village",
            name=f"新{i}村",
            division_code=f"410499200{400 + i}",
        )
        assert village
        officer = org.officer_create(
            actor=SYSTEM,
            unit=county.units["ws_own"],
            name=f"民警{i}",
            badge_number=f"04190{i}",
            phone=f"1380375200{i}",
        )
        org.beat_assign(actor=SYSTEM, officer=officer, area=own, start_date=START)
        org.aide_create(
            actor=SYSTEM, area=own, name=f"巡防{i}", kind="patroller", phone=f"1390375100{i}"
        )
    assert _count(client, "get", "/portal/", {"q": "村"}) == search == SEARCH
    assert _count(client, "get", f"/portal/areas/{own.pk}/", {}) == card == CARD


def test_status(client, county, categories):
    from cunjing.matters.models import MatterCategory

    category = MatterCategory.objects.get(bureau=county.bureau, kind="request", name="求助")
    m = submit(county, category=category)
    first = _count(client, "post", "/portal/track/", {"code": m.tracking_code})
    beat = county.user("beat")
    services.matter_accept(actor=beat, matter=m)
    for i in range(4):
        services.matter_reply(actor=beat, matter=m, channel="phone", text=f"答复{i}")
    services.escalate_overdue(now=m.created_at + dt.timedelta(days=30))
    assert _count(client, "post", "/portal/track/", {"code": m.tracking_code}) == first == STATUS
