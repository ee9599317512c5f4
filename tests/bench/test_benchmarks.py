"""The PostgreSQL benchmarks run at a tiny size, so their code cannot rot, and their checks can
fail: the roll-up comparison sees a wrong counter, the runner reports a failed check."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from bench import __main__ as runner
from bench import _pg
from cunjing.fieldwork import services
from cunjing.stats.models import DailyCount, MonthlyCount

ROOT = _pg.ROOT


postgres_only = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="the benchmarks need PostgreSQL (a real server and databases of their own)",
)


def _run(module: str, *argv: str, tmp_path) -> tuple[int, dict, str]:
    out = tmp_path / f"{module}.json"
    proc = subprocess.run(  # noqa: S603 - our interpreter, our module
        [sys.executable, "-m", module, *argv, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    figures = json.loads(out.read_text()) if out.exists() else {}
    return proc.returncode, figures, proc.stdout + proc.stderr


@postgres_only
def test_ingest_at_a_tiny_size_stores_every_acknowledged_visit_once(db, tmp_path):
    code, f, output = _run(
        "bench.ingest",
        "--county=small",
        "--clients=2",
        "--requests=20",
        "--officers=2",
        "--workers=1",
        "--threads=2",
        "--cut-fraction=0.25",
        "--replay-fraction=0.2",
        "--database=cunjing_bench_ingest_smoke",
        tmp_path=tmp_path,
    )
    assert code == 0, output
    assert f["acknowledged"] == 40
    assert f["stored"] == f["acknowledged"]
    assert f["stored_keys_equal_acknowledged"] is True
    assert f["duplicates"] == 0
    assert f["rollup_mismatches"] == 0
    assert f["audit_events"] == f["idempotency_keys"] == 40
    assert f["cuts_full"] + f["cuts_partial"] > 0
    assert f["replays_same_body"] == f["replays"]
    assert set(f["raw"]) == {
        "INSERT per row, autocommit, concurrent",
        "executemany, one transaction",
        "COPY, one transaction",
    }
    assert "rows/s vs HTTP" in output


@postgres_only
def test_totals_at_a_tiny_size_agree_between_rollups_and_raw_rows(db, tmp_path):
    code, f, output = _run(
        "bench.totals",
        "--county=small",
        "--sizes=4000,10000",
        "--repeat=1",
        "--database=cunjing_bench_totals_smoke",
        tmp_path=tmp_path,
    )
    assert code == 0, output
    assert f["ok"] is True and f["failures"] == []
    for size in ("4000", "10000"):
        rows = f["sizes"][size]
        assert [r["query"] for r in rows] == [
            "bureau, year",
            "station, year",
            "bureau, June",
            "office, 15 Mar-14 Apr",
        ]
        assert all(r["equal"] for r in rows)
        assert rows[0]["visits"] == int(size)
        assert rows[0]["contact_cards"] == int(size) // 3


@postgres_only
@pytest.mark.django_db
def test_rollup_check_sees_a_wrong_or_missing_counter(county):
    beat = county.user("beat")
    day = dt.date(2025, 5, 4)
    for card in (True, False, True):
        services.visit_create(
            actor=beat,
            area=county.areas["own"],
            occurred_on=day,
            client_uuid=uuid.uuid4(),
            household="某户",
            purpose="routine",
            contact_card_given=card,
        )
    with connection.cursor() as cur:
        assert _pg.rollups_mismatches(cur) == 0
        row = DailyCount.objects.get(unit=county.units["office_a"], day=day, figure="visits")
        DailyCount.objects.filter(pk=row.pk).update(value=row.value + 1)
        assert _pg.rollups_mismatches(cur) == 1
        MonthlyCount.objects.filter(unit=county.units["bureau"], figure="contact_cards").delete()
        assert _pg.rollups_mismatches(cur) == 2
        _pg.rollups_fill(cur)
        assert _pg.rollups_mismatches(cur) == 0
    assert DailyCount.objects.get(unit=county.units["bureau"], day=day, figure="visits").value == 3


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50), st.floats(0, 100))
def test_percentile_lies_between_the_extremes_and_is_monotonic(values, q):
    p = _pg.percentile(values, q)
    assert min(values) <= p <= max(values)
    assert _pg.percentile(values, 0) == min(values)
    assert _pg.percentile(values, 100) == max(values)
    assert _pg.percentile(values, q) <= _pg.percentile(values, min(100.0, q + 1)) + 1e-9


def test_benchmark_database_names_are_confined_to_the_prefix():
    for name in ("cunjing", "postgres", "cunjing_bench", "cunjing_bench_x; drop", "other_bench_x"):
        with pytest.raises(ValueError):
            _pg.recreate(name)


def test_runner_registers_the_benchmarks_and_passes_options_to_one():
    assert {"hotspots", "ingest", "totals"} <= set(runner.discover())
    assert runner.main(["ingest", "totals", "--clients", "2"]) == 2
