"""``stats.services.rebuild`` (and ``manage.py stats_rebuild``): the counters recomputed from the
raw records equal the counters the services kept record by record, whatever the records, and a
rebuild of a range leaves the other months alone."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cunjing.core.models import AuditEvent
from cunjing.core.roles import SYSTEM
from cunjing.fieldwork import services
from cunjing.stats.models import DailyCount, MonthlyCount
from cunjing.stats.services import rebuild
from tests.fieldwork.test_recount import FIRST, SPAN, beat, create  # noqa: F401 (fixture)


def counters(bureau) -> tuple[set, set]:
    days = set(
        DailyCount.objects.filter(bureau=bureau)
        .exclude(value=0)
        .values_list("unit_id", "day", "figure", "value")
    )
    months = set(
        MonthlyCount.objects.filter(bureau=bureau)
        .exclude(value=0)
        .values_list("unit_id", "month", "figure", "value")
    )
    return days, months


def write(user, area, kind: str, day: dt.date, flag: bool, people: int) -> None:
    common = {"actor": user, "area": area, "occurred_on": day, "client_uuid": uuid.uuid4()}
    if kind == "volunteer":
        services.volunteer_create(**common, name="某人", phone="13803750000")
    elif kind == "service":
        services.service_create(**common, kind="elderly", beneficiary="某老汉", description="挑水")
    else:
        create(user, area, kind, day, flag, people)


record = st.tuples(
    st.sampled_from(["own", "sibling"]),
    st.sampled_from(["visit", "assistance", "floating", "volunteer", "service"]),
    st.integers(0, SPAN),
    st.booleans(),
    st.integers(1, 50),
)


@hsettings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=st.lists(record, min_size=1, max_size=20), wipe=st.booleans())
def test_rebuild_gives_back_the_counters_the_services_kept(county, beat, records, wipe):  # noqa: F811
    with transaction.atomic():
        for area_key, kind, offset, flag, people in records:
            write(beat, county.areas[area_key], kind, FIRST + dt.timedelta(offset), flag, people)
        kept = counters(county.bureau)
        assert kept[0] and kept[1]
        if wipe:
            DailyCount.objects.filter(bureau=county.bureau).delete()
            MonthlyCount.objects.filter(bureau=county.bureau).delete()
        else:  # drift: every daily counter wrong
            DailyCount.objects.filter(bureau=county.bureau).update(value=1_000_000)
        assert counters(county.bureau) != kept
        result = rebuild(actor=SYSTEM, bureau=county.bureau)
        assert counters(county.bureau) == kept
        assert result.daily_rows == len(kept[0])
        assert result.monthly_rows == len(kept[1])
        transaction.set_rollback(True)


def test_a_range_is_widened_to_whole_months_and_leaves_other_months_alone(county, beat):  # noqa: F811
    own = county.areas["own"]
    for day in (dt.date(2014, 9, 3), dt.date(2014, 10, 2), dt.date(2014, 10, 30)):
        write(beat, own, "visit", day, True, 1)
    kept = counters(county.bureau)
    DailyCount.objects.filter(bureau=county.bureau).update(value=7)
    MonthlyCount.objects.filter(bureau=county.bureau).update(value=7)
    # 2014-10-15..2014-10-16 rebuilds all of October, and only October.
    rebuild(
        actor=SYSTEM,
        bureau=county.bureau,
        date_from=dt.date(2014, 10, 15),
        date_to=dt.date(2014, 10, 16),
    )
    days, months = counters(county.bureau)
    assert {r for r in days if r[1].month == 10} == {r for r in kept[0] if r[1].month == 10}
    assert {r[3] for r in days if r[1].month == 9} == {7}
    assert {r[3] for r in months if r[1].month == 9} == {7}
    assert {r for r in months if r[1].month == 10} == {r for r in kept[1] if r[1].month == 10}


def test_rebuild_is_audited_and_counts_nothing_of_another_bureau(county, beat):  # noqa: F811
    write(beat, county.areas["own"], "visit", FIRST, True, 1)
    result = rebuild(actor=SYSTEM, bureau=county.bureau)
    event = AuditEvent.objects.filter(action="stats.rebuild").latest("id")
    assert event.bureau_id == county.bureau.pk
    assert event.actor_id is None
    assert event.after["totals"]["visits"] == 1 == result.totals["visits"]
    assert event.after["totals"]["contact_cards"] == 1


def test_an_actor_of_another_bureau_is_refused(county):
    from tests.county import build_county

    other = build_county(code="410498", name="另一县公安局", prefix="x-")
    with pytest.raises(PermissionError):
        rebuild(actor=other.user("sysadmin"), bureau=county.bureau)


def test_the_command_rebuilds_and_refuses_bad_input(county, beat):  # noqa: F811
    write(beat, county.areas["own"], "assistance", FIRST, True, 4)
    kept = counters(county.bureau)
    DailyCount.objects.filter(bureau=county.bureau).delete()
    out = io.StringIO()
    call_command("stats_rebuild", "--bureau", county.bureau.code, stdout=out)
    assert counters(county.bureau) == kept
    assert county.bureau.name in out.getvalue()
    with pytest.raises(CommandError):
        call_command("stats_rebuild", "--from", "2014-13-01", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("stats_rebuild", "--bureau", "999999", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command(
            "stats_rebuild", "--from", "2015-01-02", "--to", "2015-01-01", stdout=io.StringIO()
        )
