"""The field-work simulation (``demo.fieldwork.simulate``) on the small test county: fast
checks of what the slow full-demo test cannot afford to repeat — determinism, valid rows, the
counters, the recent days of an officer in the spotlight, the accounts of officers who had
none, the audit trail, the refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
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
# The password of the accounts the simulation gives officers who have none (赵敏 and 刘洋, the
# small county's community officers).
PASSWORD = "Sim-pass-2014"


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
        demo.simulate(bureau, start=start, end=end, seed=seed, password=PASSWORD)
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
    demo.simulate(
        county.bureau, start=LAUNCH_SLICE[0], end=dt.date(2015, 3, 31), seed=3, password=PASSWORD
    )
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
    demo.simulate(
        county.bureau, start=LAUNCH_SLICE[0], end=dt.date(2015, 2, 10), seed=5, password=PASSWORD
    )
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


def test_the_officers_in_the_spotlight_have_records_on_each_of_the_last_days(county):
    today = timezone.localdate()
    demo.simulate(
        county.bureau,
        start=today - dt.timedelta(days=20),
        end=today,
        seed=11,
        password=PASSWORD,
        spotlight=[county.user("beat").username],
    )
    last_week = [today - dt.timedelta(days=i) for i in range(calibration.SPOTLIGHT_DAYS)]

    def days_worked(officer) -> set[dt.date]:
        visits = HouseholdVisit.objects.filter(officer=officer, occurred_on__in=last_week)
        return set(visits.values_list("occurred_on", flat=True))

    own = county.officers["own"]
    visits = HouseholdVisit.objects.filter(officer=own, occurred_on__in=last_week)
    assert days_worked(own) == set(last_week)
    assert visits.filter(follow_up_needed=True).exists()
    assert WorkLog.objects.filter(officer=own, day=today).exists()
    assert all(v.recorded_by == county.user("beat") for v in visits)
    assert not visits.filter(created_at__gt=timezone.now()).exists()
    # Every officer signs in now; the others are not in the spotlight, their last week is quiet.
    for key in ("sibling", "other", "community_a", "community_b"):
        assert days_worked(county.officers[key]) != set(last_week), key


def test_officers_without_an_account_get_one_that_signs_in(county, client):
    """Every simulated officer has a real account: those who had none (赵敏 and 刘洋) get a beat
    officer's, named by their police number, that signs in with the password given — through
    ``user_create`` (pinyin, audit event), the password hashed once for both."""
    assert User.objects.filter(officer__in=county.officers.values()).count() == 3
    last = AuditEvent.objects.order_by("id").last().pk
    result = demo.simulate(
        county.bureau, start=LAUNCH_SLICE[0], end=LAUNCH_SLICE[1], seed=1, password=PASSWORD
    )
    assert result.accounts == 2
    created = AuditEvent.objects.filter(pk__gt=last, action="user.create")
    assert created.count() == 2
    users = []
    for key in ("community_a", "community_b"):
        officer = county.officers[key]
        user = User.objects.get(officer=officer)
        assert user.username == officer.badge_number
        assert (user.role, user.unit, user.full_name) == (
            "beat_officer",
            officer.unit,
            officer.name,
        )
        assert user.pinyin and user.pinyin_initials
        assert user.check_password(PASSWORD)
        assert created.filter(object_id=str(user.pk)).exists()
        assert HouseholdVisit.objects.filter(recorded_by=user).exists()
        users.append(user)
    assert users[0].password == users[1].password  # one hash for both (demo only)
    # Every officer of the county has an account now; one of the new ones signs in on the page.
    assert User.objects.filter(officer__in=county.officers.values()).count() == 5
    login = reverse("accounts:login")
    response = client.post(login, {"username": users[0].username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("fieldwork:worklog_mine")).status_code == 200


def test_an_officer_without_an_account_needs_a_password(county):
    with pytest.raises(ValueError, match="without an account"):
        demo.simulate(county.bureau, start=LAUNCH_SLICE[0], end=LAUNCH_SLICE[1], seed=1)
    assert not HouseholdVisit.objects.exists()
    assert User.objects.filter(officer__in=county.officers.values()).count() == 3


def test_one_audit_event_per_stage_not_per_record(county):
    before = AuditEvent.objects.count()
    demo.simulate(
        county.bureau, start=LAUNCH_SLICE[0], end=dt.date(2015, 3, 1), seed=2, password=PASSWORD
    )
    events = list(AuditEvent.objects.order_by("id")[before:])
    stages = [e.after["stage"] for e in events if e.action == "demo.simulate"]
    assert stages == ["launch", "recent", "follow_ups", "corrections"]
    assert [e.action for e in events].count("stats.rebuild") == 1
    # and one per account it had to create (赵敏's and 刘洋's), as every account has
    assert [e.action for e in events].count("user.create") == 2
    assert len(events) == 7
    launch = next(e for e in events if e.after.get("stage") == "launch")
    assert (
        launch.after["rows"]["visit"]
        == HouseholdVisit.objects.filter(
            bureau=county.bureau, occurred_on__lte=calibration.SOURCE_TO, voided_at__isnull=True
        ).count()
    )


def test_refuses_a_range_that_already_has_records_or_the_future(county):
    demo.simulate(
        county.bureau, start=LAUNCH_SLICE[0], end=LAUNCH_SLICE[1], seed=1, password=PASSWORD
    )
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
