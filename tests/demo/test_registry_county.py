"""The demo registry of the whole demo county (217 areas) is written well under 30 s."""

from __future__ import annotations

import time

import pytest

from cunjing.demo import registry as demo
from cunjing.registry.models import Resident


@pytest.mark.slow
def test_the_whole_demo_county_is_populated_quickly(db):
    """The 217 areas of the demo county: well under 30 s on SQLite."""
    from cunjing.demo import builder

    plan = builder.make_plan(builder.DEFAULT_SEED)
    county = builder.build(plan, password="Demo-pass-2014x")
    started = time.monotonic()
    result = demo.populate(county.bureau, seed=builder.DEFAULT_SEED)
    seconds = time.monotonic() - started
    print(f"demo registry: {result} in {seconds:.1f} s")
    assert result.dwellings >= 217 * 20
    assert Resident.objects.filter(bureau=county.bureau).count() == result.residents
    assert seconds < 30
