"""Every public POST of the portal is rate-limited per client address (429 with a page in the
resident's language and Retry-After); nothing behind the limit runs. Code lookups count too."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from cunjing.matters.models import Matter
from tests.portal.conftest import resolve, submit


@pytest.fixture
def tight(settings):
    settings.PORTAL_RATES = {"submit": "2/10m", "lookup": "3/10m", "action": "2/m", "search": "3/m"}
    return settings


def post_submit(client, county, description="路灯坏了"):
    return client.post(
        "/portal/submit/",
        {"area": county.areas["own"].pk, "kind": "request", "description": description},
    )


def assert_limited(response, seconds_at_most: int):
    assert response.status_code == 429
    assert 'id="pt-limited"' in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= seconds_at_most


def test_the_defaults():
    assert django_settings.PORTAL_RATES == {
        "submit": "5/10m",
        "lookup": "30/10m",
        "action": "20/m",
        "search": "120/m",
    }


def test_searches_are_limited_but_not_the_empty_page(client, county, tight):
    for _ in range(3):
        assert client.get("/portal/", {"q": "瓦房"}).status_code == 200
    assert_limited(client.get("/portal/", {"q": "瓦房"}), 60)
    assert client.get("/portal/").status_code == 200
    assert client.get("/portal/", {"q": "瓦房"}, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_submit_is_limited(client, county, tight):
    assert post_submit(client, county).status_code == 201
    assert post_submit(client, county, "").status_code == 422  # a refused post counts too
    response = post_submit(client, county, "第三次")
    assert_limited(response, 600)
    assert Matter.objects.count() == 1
    # another address is not affected
    assert (
        client.post(
            "/portal/submit/",
            {"area": county.areas["own"].pk, "kind": "request", "description": "x"},
            REMOTE_ADDR="10.0.0.2",
        ).status_code
        == 201
    )


def test_the_page_itself_is_not_limited(client, county, tight):
    for _ in range(5):
        post_submit(client, county)
    assert client.get("/portal/submit/", {"area": county.areas["own"].pk}).status_code == 200


def test_lookups_are_limited(client, county, tight):
    m = submit(county)
    for _ in range(3):
        assert client.post("/portal/track/", {"code": "ZZZZZZZZZZZZ"}).status_code == 404
    # the right code does not get through either: guessing is bounded
    assert_limited(client.post("/portal/track/", {"code": m.tracking_code}), 600)


@pytest.mark.parametrize(
    ("action", "data"),
    [("confirm", {"note": ""}), ("reopen", {"reason": "没修好"}), ("rate", {"score": "5"})],
)
def test_reporter_actions_are_limited(client, county, tight, action, data):
    m = resolve(county, submit(county))
    url = f"/portal/track/{action}/"
    for _ in range(2):
        client.post(url, {"code": "ZZZZZZZZZZZZ", **data})
    assert_limited(client.post(url, {"code": m.tracking_code, **data}), 60)
    m.refresh_from_db()
    assert (m.state, m.rating, m.reopen_count) == ("resolved", None, 0)


def test_actions_count_as_lookups(client, county, tight):
    tight.PORTAL_RATES = {**tight.PORTAL_RATES, "action": "100/m"}
    for _ in range(3):
        client.post("/portal/track/rate/", {"code": "ZZZZZZZZZZZZ", "score": "5"})
    assert client.post("/portal/track/", {"code": "ZZZZZZZZZZZZ"}).status_code == 429


def test_the_429_page_is_chinese_first(client, county, tight):
    for _ in range(3):
        post_submit(client, county)
    response = post_submit(client, county)
    assert response.status_code == 429
    assert response["Content-Language"] == "zh-hans"
    assert "110" in response.content.decode()


def test_limits_can_be_switched_off(client, county, tight):
    tight.RATELIMIT_ENABLE = False
    for _ in range(4):
        assert post_submit(client, county).status_code == 201
