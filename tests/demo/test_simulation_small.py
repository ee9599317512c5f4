"""The field-work simulation (``demo.fieldwork.simulate``) on the small test county: fast
checks of what the slow full-demo test cannot afford to repeat — determinism, valid rows, the
counters, the recent days of an officer who signs in, the audit trail, the refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from stdnum.cn import ric

from cunjing.accounts.models import User
from cunjing.core.models import AuditEvent
from cunjing.core.validators import validate_id_number, validate_phone
from cunjing.demo import calibration, texture, wugang
from cunjing.demo import fieldwork as demo
from cunjing.fieldwork.models import FloatingResident, HouseholdVisit, WorkLog
from cunjing.stats import selectors as stats
from tests.fieldwork.test_recount import recount

LAUNCH_SLICE = (dt.date(2014, 9, 1), dt.date(2014, 10, 20))


def content_digest(bureau) -> tuple[str, dict[str, int]]:
    """SHA-256 of every simulated row without database ids (accounts by username), and the
    number of rows of each kind."""
    usernames = dict(User.objects.filter(bureau=bureau).values_list("id", "username"))
    data, counts = {}, {}
    for kind, model in demo._MODELS.items():
        rows = []
        for row in model.objects.filter(bureau=bureau).order_by("client_uuid").values():
            row.pop("id")
            row["recorded_by_id"] = usernames[row["recorded_by_id"]]
            rows.append(row)
        data[kind] = rows
        counts[kind] = len(rows)
    payload = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest(), counts


def run(bureau, *, seed: int, start=LAUNCH_SLICE[0], end=LAUNCH_SLICE[1]):
    """Simulate inside a savepoint rolled back after: returns (digest, counts)."""
    with transaction.atomic():
        demo.simulate(bureau, start=start, end=end, seed=seed)
        found = content_digest(bureau)
        transaction.set_rollback(True)
    return found


def test_the_same_seed_gives_the_same_records_another_seed_others(county):
    first, counts = run(county.bureau, seed=7)
    again, counts_again = run(county.bureau, seed=7)
    other, _ = run(county.bureau, seed=8)
    assert counts == counts_again
    assert counts["visit"] > 50 and counts["worklog"] > 50
    assert first == again
    assert other != first


def test_every_simulated_row_passes_full_clean(county):
    demo.simulate(county.bureau, start=LAUNCH_SLICE[0], end=dt.date(2015, 3, 31), seed=3)
    for kind, model in demo._MODELS.items():
        rows = list(model.objects.filter(bureau=county.bureau).order_by("id")[:40])
        assert rows, kind
        for row in rows:
            row.full_clean()
    for resident in FloatingResident.objects.filter(bureau=county.bureau):
        validate_id_number(resident.id_number)
        assert resident.origin.startswith(
            ("湖北", "安徽", "山东", "河北", "四川", "江西", "湖南", "重庆", "陕西", "河南")
        )


def test_origins_and_phone_prefixes_are_valid():
    for code, origin in texture.ORIGINS:
        body = f"{code}19850615123"
        validate_id_number(body + ric.calc_check_digit(body + "0"))
        assert not origin.startswith("河南省平顶山市")
    for prefix in wugang.MOBILE_PREFIXES:
        validate_phone(f"+86{prefix}12345678")


def test_counters_equal_a_recount_after_a_simulation(county):
    demo.simulate(county.bureau, start=LAUNCH_SLICE[0], end=dt.date(2015, 2, 10), seed=5)
    commander = county.user("commander")
    u = county.units
    scopes = {
        "bureau": Q(bureau=county.bureau),
        "station_a": Q(unit__path__startswith=u["station_a"].path),
        "office_b": Q(unit__path__startswith=u["office_b"].path),
        "ws_own": Q(unit=u["ws_own"]),
    }
    for date_from, date_to in [
        (dt.date(2014, 9, 1), dt.date(2015, 2, 10)),
        (dt.date(2014, 9, 15), dt.date(2014, 11, 3)),
        (dt.date(2015, 1, 21), dt.date(2015, 2, 10)),
    ]:
        for key, unit_filter in scopes.items():
            got = stats.totals(commander, unit=u[key], date_from=date_from, date_to=date_to)
            assert got == recount(unit_filter, date_from, date_to), (key, date_from)
    assert recount(scopes["bureau"], *LAUNCH_SLICE)["visits"] > 0


def test_an_officer_who_signs_in_has_records_on_each_of_the_last_days(county):
    today = timezone.localdate()
    demo.simulate(county.bureau, start=today - dt.timedelta(days=20), end=today, seed=11)
    own = county.officers["own"]
    last_week = [today - dt.timedelta(days=i) for i in range(calibration.SPOTLIGHT_DAYS)]
    visits = HouseholdVisit.objects.filter(officer=own, occurred_on__in=last_week)
    assert {v.occurred_on for v in visits} == set(last_week)
    assert visits.filter(follow_up_needed=True).exists()
    assert WorkLog.objects.filter(officer=own, day=today).exists()
    assert all(v.recorded_by == county.user("beat") for v in visits)
    assert not visits.filter(created_at__gt=timezone.now()).exists()


def test_officers_without_an_account_get_one_that_cannot_sign_in(county):
    demo.simulate(county.bureau, start=LAUNCH_SLICE[0], end=LAUNCH_SLICE[1], seed=1)
    for key in ("community_a", "community_b"):
        user = User.objects.get(officer=county.officers[key])
        assert not user.has_usable_password()
        assert user.role == "beat_officer"
        assert HouseholdVisit.objects.filter(recorded_by=user).exists()


def test_one_audit_event_per_stage_not_per_record(county):
    before = AuditEvent.objects.count()
    demo.simulate(county.bureau, start=LAUNCH_SLICE[0], end=dt.date(2015, 3, 1), seed=2)
    events = list(AuditEvent.objects.order_by("id")[before:])
    stages = [e.after["stage"] for e in events if e.action == "demo.simulate"]
    assert stages == ["accounts", "launch", "recent", "follow_ups", "corrections"]
    assert [e.action for e in events].count("stats.rebuild") == 1
    assert len(events) == 6
    launch = next(e for e in events if e.after.get("stage") == "launch")
    assert (
        launch.after["rows"]["visit"]
        == HouseholdVisit.objects.filter(
            bureau=county.bureau, occurred_on__lte=calibration.SOURCE_TO, voided_at__isnull=True
        ).count()
    )


def test_refuses_a_range_that_already_has_records_or_the_future(county):
    demo.simulate(county.bureau, start=LAUNCH_SLICE[0], end=LAUNCH_SLICE[1], seed=1)
    with pytest.raises(ValueError):
        demo.simulate(county.bureau, start=LAUNCH_SLICE[0], end=LAUNCH_SLICE[1], seed=2)
    with pytest.raises(ValueError):
        demo.simulate(
            county.bureau,
            start=timezone.localdate(),
            end=timezone.localdate() + dt.timedelta(days=1),
        )


def test_the_day_texture():
    assert calibration.is_holiday(dt.date(2014, 10, 3))
    assert calibration.is_holiday(dt.date(2025, 1, 30))  # 春节 2025
    assert not calibration.is_working_day(dt.date(2014, 9, 6))  # a Saturday
    weight = calibration.day_weight
    assert weight(dt.date(2014, 9, 1)) < weight(dt.date(2014, 9, 29))
    assert weight(dt.date(2014, 10, 2)) < weight(dt.date(2014, 10, 9))
    chunks = demo.plan_chunks(dt.date(2014, 9, 1), dt.date(2026, 11, 29))
    assert [c.label for c in chunks[:6]] == [
        "2014-09",
        "2014-10",
        "2014-11",
        "2014-12",
        "2015-01",
        "2015",
    ]
    assert chunks[-1].days[-1] == dt.date(2026, 11, 29)
    assert (
        sum(len(c.days) for c in chunks) == (dt.date(2026, 11, 29) - dt.date(2014, 9, 1)).days + 1
    )
