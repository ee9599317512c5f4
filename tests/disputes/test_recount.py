"""The counters of disputes and the tier rates equal an independent recount from the raw rows
(property test): whatever cases are settled, where, on which days, at which tier, and whichever
relapse and are settled again, for any unit and any date range —

* the results table's dispute figures equal the settled disputes counted from their rows (each on
  its day, in the subtree of the unit serving its area);
* the three tier rates equal the same shares computed from the rows;
* ``stats``' own recount (the figure sources disputes register) agrees, so a rebuild of the
  counters changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cunjing.core.roles import SYSTEM
from cunjing.disputes import selectors, services
from cunjing.disputes.models import Dispute, DisputeKind, Tier
from cunjing.stats import selectors as stats
from cunjing.stats.models import DailyCount, MonthlyCount
from cunjing.stats.services import rebuild

START = dt.date(2014, 9, 1)
SPAN = 730  # two years of settlement days: partial and whole months both
AREAS = {"own": "ws_own", "sibling": "ws_sibling", "other": "ws_other"}
UNIT_KEYS = ["bureau", "station_a", "station_b", "office_a", "office_b", *AREAS.values()]
FIGURES = list(services.DISPUTE_FIGURES)

settlement = st.one_of(
    st.tuples(st.just("agree"), st.sampled_from(Tier.values), st.just(False)),
    st.tuples(
        st.just("refer"),
        st.sampled_from(["township_mediation", "judicial_office", "court", "petition_office"]),
        st.booleans(),
    ),
    st.tuples(st.just("fail"), st.just(""), st.just(False)),
)
case = st.tuples(
    st.sampled_from(list(AREAS)),
    settlement,
    st.integers(0, SPAN),
    st.one_of(st.none(), st.integers(0, SPAN)),  # relapse: settled again on this day
)
day_range = st.tuples(st.sampled_from(UNIT_KEYS), st.integers(-5, SPAN + 5), st.integers(0, 60))


def _day(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset)


def settle(county, dispute, how, day):
    commander = county.user("commander")
    action, detail, above = how
    dispute.refresh_from_db()
    if dispute.state == "reported":
        services.dispute_mediate(actor=commander, dispute=dispute)
    if action == "agree":
        services.dispute_agree(
            actor=commander, dispute=dispute, agreement="和解", tier=detail, settled_on=day
        )
    elif action == "refer":
        services.dispute_refer(
            actor=commander,
            dispute=dispute,
            body=detail,
            above_county=above and detail in ("court", "petition_office"),
            settled_on=day,
        )
    else:
        services.dispute_fail(actor=commander, dispute=dispute, reason="不同意")


def relapse(county, dispute, day):
    commander = county.user("commander")
    dispute.refresh_from_db()
    visit_on = max(day, dispute.settled_on or day)
    services.follow_up_record(actor=commander, dispute=dispute, done_on=visit_on, note="又吵了")
    services.dispute_reopen(actor=commander, dispute=dispute, reason="复发")


def recount(county, unit_key: str, date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    """The dispute figures of a unit's subtree over a range, from the dispute rows alone."""
    unit = county.units[unit_key]
    rows = Dispute.objects.filter(
        bureau=county.bureau,
        unit__path__startswith=unit.path,
        settled_on__range=(date_from, date_to),
    )
    out = dict.fromkeys(FIGURES, 0)
    for d in rows:
        out["disputes_mediated"] += 1
        out[services.TIER_FIGURES[d.tier]] += 1
        out["disputes_passed_up"] += int(d.above_county)
    return out


def stored(county) -> set[tuple]:
    """Every non-zero dispute counter of the bureau, daily and monthly."""
    rows = set()
    for model, period in ((DailyCount, "day"), (MonthlyCount, "month")):
        qs = model.objects.filter(bureau=county.bureau, figure__in=FIGURES).exclude(value=0)
        rows |= {(period, *r) for r in qs.values_list("unit_id", period, "figure", "value")}
    return rows


@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases=st.lists(case, min_size=1, max_size=8), ranges=st.lists(day_range, max_size=4))
def test_counters_and_rates_equal_a_recount_of_the_rows(county, cases, ranges):
    commander = county.user("commander")
    with transaction.atomic():
        services.dispute_kinds_ensure_defaults(actor=SYSTEM, bureau=county.bureau)
        kind = DisputeKind.objects.get(bureau=county.bureau, code="family")
        reported = timezone.make_aware(dt.datetime.combine(START, dt.time(8)))
        for area, how, offset, again in cases:
            dispute = services.dispute_create(
                actor=commander,
                area=county.areas[area],
                kind=kind,
                source="walk_in",
                facts="家庭矛盾",
                reported_at=reported,
                client_uuid=uuid.uuid4(),
            )
            settle(county, dispute, how, _day(offset))
            if again is not None:
                relapse(county, dispute, _day(offset))
                settle(county, dispute, ("agree", Tier.VILLAGE, False), _day(max(again, offset)))
        checks = [("bureau", START, _day(SPAN))] + [
            (key, _day(a), _day(a + length)) for key, a, length in ranges
        ]
        checks += [(key, START, _day(SPAN)) for key in UNIT_KEYS]
        for key, date_from, date_to in checks:
            unit = county.units[key]
            got = stats.totals(
                commander, unit=unit, date_from=date_from, date_to=date_to, figures=FIGURES
            )
            expected = recount(county, key, date_from, date_to)
            assert got == expected, (key, date_from, date_to)
            rates = selectors.tier_rates(commander, unit, date_from, date_to)
            settled = expected["disputes_mediated"]
            village = expected["disputes_settled_village"]
            township = expected["disputes_settled_township"]
            assert rates.settled == settled
            if settled:
                assert rates.village_rate == round(village / settled, 4)
                assert rates.township_rate == round((village + township) / settled, 4)
                passed = expected["disputes_passed_up"]
                assert rates.county_rate == round((settled - passed) / settled, 4)
            else:
                assert rates.village_rate is rates.township_rate is rates.county_rate is None
        # stats' own recount agrees: a rebuild of the counters changes none of these figures.
        before = stored(county)
        rebuild(actor=SYSTEM, bureau=county.bureau)
        assert stored(county) == before
        transaction.set_rollback(True)
