"""Issue 13, finding 3, in Open311: service codes of digits that are not ASCII ("¹" passed
``isdigit()`` and failed ``int()``: 500). Now a 404 or a 400 in Open311's error shape."""

from __future__ import annotations

from tests.open311.conftest import BASE, submit


def test_open311_service_and_lookup(client, county, categories):
    assert client.get(f"{BASE}/services/%C2%B9.json").status_code == 404
    response = client.get(f"{BASE}/requests.json", {"service_code": "¹"})
    assert response.status_code == 400


def test_open311_post_with_a_superscript_service_code(client, county, categories, key):
    response = submit(client, key, "¹")
    assert response.status_code == 400
    response = submit(client, key, "１")
    assert response.status_code == 400
