"""The counters always equal a recount from the raw records: whatever field records the beat
officer writes (any of their areas, any day, with or without a contact card, any number of
people helped), the results table of any unit for any date range equals counting the rows."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import transaction
from django.db.models import Count, Q, Sum
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cunjing.core.roles import SYSTEM
from cunjing.fieldwork import services
from cunjing.fieldwork.models import (
    Assistance,
    FloatingResident,
    HouseholdVisit,
    Service,
    Volunteer,
)
from cunjing.org import jurisdiction
from cunjing.org import services as org
from cunjing.org.models import Area
from cunjing.stats import selectors as stats
from cunjing.stats.models import Figure
from tests.fieldwork.bodies import ID_NUMBER

FIRST, LAST = dt.date(2014, 9, 1), dt.date(2015, 1, 20)
SPAN = (LAST - FIRST).days


@pytest.fixture
def beat(county):
    """The beat officer, also on 刘沟村's beat (served by another workstation)."""
    org.beat_assign(
        actor=SYSTEM,
        officer=county.officers["own"],
        area=county.areas["sibling"],
        start_date=dt.date(2014, 9, 1),
    )
    user = county.user("beat")
    jurisdiction.forget(user)
    return user


def create(user, area: Area, kind: str, day: dt.date, flag: bool, people: int) -> None:
    common = {"actor": user, "area": area, "occurred_on": day, "client_uuid": uuid.uuid4()}
    if kind == "visit":
        services.visit_create(
            **common, household="某户", purpose="routine", contact_card_given=flag
        )
    elif kind == "assistance":
        services.assistance_create(
            **common, household="某户", people=people, hardship_kind="poverty", help_given="米面"
        )
    else:
        services.floating_resident_create(
            **common,
            name="某人",
            id_number=ID_NUMBER,
            origin="外省",
            arrived_on=day,
            residence="村内",
        )


def recount(unit_filter: Q, date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    """Each figure counted from the raw records (the oracle; ``unit_filter`` on the records);
    a voided record counts for nothing."""
    in_range = unit_filter & Q(
        occurred_on__gte=date_from, occurred_on__lte=date_to, voided_at__isnull=True
    )
    visits = HouseholdVisit.objects.filter(in_range).aggregate(
        n=Count("id"), cards=Count("id", filter=Q(contact_card_given=True))
    )
    helped = Assistance.objects.filter(in_range).aggregate(n=Count("id"), people=Sum("people"))
    return dict.fromkeys(Figure.values, 0) | {
        "visits": visits["n"],
        "contact_cards": visits["cards"],
        "assisted_households": helped["n"],
        "assisted_people": helped["people"] or 0,
        "floating_residents": FloatingResident.objects.filter(in_range).count(),
        "volunteers": Volunteer.objects.filter(in_range).count(),
        "services": Service.objects.filter(in_range).count(),
    }


record = st.tuples(
    st.sampled_from(["own", "sibling"]),
    st.sampled_from(["visit", "assistance", "floating"]),
    st.integers(0, SPAN),
    st.booleans(),
    st.integers(1, 50),
)
date_range = st.tuples(st.integers(-5, SPAN + 5), st.integers(-5, SPAN + 5))


@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=st.lists(record, min_size=1, max_size=25), ranges=st.lists(date_range, max_size=4))
def test_counters_equal_a_recount_of_the_records(county, beat, records, ranges):
    commander = county.user("commander")
    u = county.units
    ranges = [(FIRST + dt.timedelta(min(a, b)), FIRST + dt.timedelta(max(a, b))) for a, b in ranges]
    ranges.append((FIRST, LAST))
    day = FIRST + dt.timedelta(records[0][2])
    ranges += [(day, day), (day - dt.timedelta(35), day - dt.timedelta(1))]
    scopes = {
        "bureau": Q(bureau=county.bureau),
        "office_a": Q(unit__path__startswith=u["office_a"].path),
        "ws_own": Q(unit=u["ws_own"]),
        "ws_sibling": Q(unit=u["ws_sibling"]),
        "station_b": Q(unit__path__startswith=u["station_b"].path),
    }
    with transaction.atomic():
        for area_key, kind, offset, flag, people in records:
            create(beat, county.areas[area_key], kind, FIRST + dt.timedelta(offset), flag, people)
        for date_from, date_to in ranges:
            for unit_key, unit_filter in scopes.items():
                got = stats.totals(
                    commander, unit=u[unit_key], date_from=date_from, date_to=date_to
                )
                expected = recount(unit_filter, date_from, date_to)
                assert got == expected, (unit_key, date_from, date_to)
        # The sanity check that the oracle is not trivially zero.
        assert sum(recount(scopes["bureau"], FIRST, LAST).values()) >= len(records)
        transaction.set_rollback(True)
