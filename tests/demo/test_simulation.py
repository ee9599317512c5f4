"""The whole ``manage.py demo`` (county and simulated field work), built once into the test
database: the demo bureau's results table for 2014-09-01..2015-01-20 is the source's within 5 %,
its counters equal a recount of the raw records over the whole history, and the demo beat
officer has work in the last days. Slow (the full demo); determinism and the details are checked
on the small county in ``test_simulation_small.py``."""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone

from cunjing.accounts.models import User
from cunjing.core.models import AuditEvent
from cunjing.demo import builder, calibration
from cunjing.fieldwork.models import HouseholdVisit, Volunteer, WorkLog
from cunjing.org.models import Bureau, Unit, UnitKind
from cunjing.stats import selectors as stats
from cunjing.stats.models import DailyCount
from tests.fieldwork.test_recount import recount

pytestmark = pytest.mark.slow


@dataclass
class Demo:
    bureau: Bureau
    output: str
    seconds: float
    audit_before: int


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    previous = os.environ.get(builder.PASSWORD_ENV)
    os.environ[builder.PASSWORD_ENV] = "Demo-pass-2014"
    try:
        with (
            django_db_blocker.unblock(),
            transaction.atomic(),
            override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        ):
            audit_before = AuditEvent.objects.count()
            out = io.StringIO()
            started = time.monotonic()
            call_command("demo", stdout=out)
            seconds = time.monotonic() - started
            yield Demo(
                Bureau.objects.get(code=builder.DEMO_BUREAU_CODE),
                out.getvalue(),
                seconds,
                audit_before,
            )
            transaction.set_rollback(True)
    finally:
        if previous is None:
            os.environ.pop(builder.PASSWORD_ENV, None)
        else:
            os.environ[builder.PASSWORD_ENV] = previous


def test_the_demo_reproduces_the_source_and_its_counters_equal_a_recount(demo_county, db):
    bureau = demo_county.bureau
    today = timezone.localdate()
    commander = User.objects.get(username="commander")
    root = Unit.objects.get(bureau=bureau, depth=1)

    # (a) The results table of the source's range, from the roll-ups, within 5 % of the source.
    got = stats.totals(
        commander, unit=root, date_from=calibration.SOURCE_FROM, date_to=calibration.SOURCE_TO
    )
    for figure, expected in calibration.SOURCE_FIGURES.items():
        if expected == 0:
            assert got[figure] == 0, figure
        else:
            assert abs(got[figure] - expected) <= 0.05 * expected, (figure, got[figure])

    # (b) Counters equal a recount of the raw records: the bureau over the whole history, each
    # year and the source's range; every station and the demo workstation ...
    ranges = [(calibration.SOURCE_FROM, today), (calibration.SOURCE_FROM, calibration.SOURCE_TO)]
    ranges += [
        (max(dt.date(y, 1, 1), calibration.SOURCE_FROM), min(dt.date(y, 12, 31), today))
        for y in range(2014, today.year + 1)
    ]
    stations = list(Unit.objects.filter(bureau=bureau, kind=UnitKind.STATION))
    workstation = User.objects.get(username="beat-officer").unit
    checks = [(root, r) for r in ranges]
    checks += [(station, ranges[0]) for station in stations]
    checks += [(workstation, r) for r in (ranges[0], (today - dt.timedelta(days=30), today))]
    for unit, (date_from, date_to) in checks:
        scope = Q(bureau=bureau, unit__path__startswith=unit.path)
        found = stats.totals(commander, unit=unit, date_from=date_from, date_to=date_to)
        assert found == recount(scope, date_from, date_to), (unit.name, date_from, date_to)
    # ... and day by day for the bureau (every day of the history, two figures).
    for model, figure in ((HouseholdVisit, "visits"), (Volunteer, "volunteers")):
        raw = dict(
            model.objects.filter(bureau=bureau)
            .order_by()
            .values_list("occurred_on")
            .annotate(n=Count("id"))
        )
        daily = dict(
            DailyCount.objects.filter(bureau=bureau, unit=root, figure=figure).values_list(
                "day", "value"
            )
        )
        assert daily == raw
        assert min(raw) == calibration.SOURCE_FROM and max(raw) == today

    # (c) The demo beat officer (瓦房沟村) worked on each of the last days, with follow-ups.
    officer = User.objects.get(username="beat-officer").officer
    last_week = [today - dt.timedelta(days=i) for i in range(7)]
    visits = HouseholdVisit.objects.filter(officer=officer, occurred_on__in=last_week)
    assert {v.occurred_on for v in visits} == set(last_week)
    assert visits.filter(follow_up_needed=True).exists()
    assert WorkLog.objects.filter(officer=officer, day=today).exists()
    assert visits.first().area.name == "瓦房沟村"

    # One audit event per stage, none per record.
    actions = list(
        AuditEvent.objects.order_by("id")[demo_county.audit_before :].values_list(
            "action", flat=True
        )
    )
    assert actions.count("demo.simulate") == 4
    assert actions.count("stats.rebuild") == 1
    assert not [a for a in actions if a.startswith("fieldwork.")]

    # Progress was shown, month by month.
    for label in ("2014-09", "2015-01", f"{today:%Y-%m}"):
        assert f"  {label}" in demo_county.output
    assert demo_county.seconds < 600, demo_county.seconds
