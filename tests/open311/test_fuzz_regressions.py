"""5xx found by the Unicode-heavy schemathesis run over Open311 (tests/open311/test_fuzz.py),
each pinned by the request that found it."""

from __future__ import annotations

import pytest

from tests.open311.conftest import BASE, error_descriptions

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["Us\x00৬\x13", "41049\x00", "４１０４９９", "41049", "4104999"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_jurisdiction_id_that_is_not_6_ascii_digits_is_400(client, county, value, fmt):
    """A NUL in jurisdiction_id reached the bureau query: PostgreSQL refuses NUL bytes (500)."""
    response = client.get(f"{BASE}/discovery.{fmt}", {"jurisdiction_id": value})
    assert response.status_code == 400
    assert error_descriptions(response, fmt)[0].startswith("jurisdiction_id: ")
