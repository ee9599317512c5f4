"""Roll-up counters: every bump reaches the unit and all its ancestors, totals read partial
months from daily rows and whole months from monthly rows, and equal a recount from the raw
bumps whatever the sequence."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cunjing.core.roles import SYSTEM
from cunjing.org import jurisdiction
from cunjing.org import services as org
from cunjing.org.models import Unit
from cunjing.stats import selectors
from cunjing.stats.models import DailyCount, Figure, MonthlyCount
from cunjing.stats.services import figures_add
from tests.county import build_county

D = dt.date

# Each unit of the test county and the units whose totals include it (itself and ancestors),
# written out by hand so the oracle does not reuse the materialised-path rule under test.
COUNTED_IN = {
    "bureau": {"bureau"},
    "station_a": {"station_a", "bureau"},
    "station_b": {"station_b", "bureau"},
    "office_a": {"office_a", "station_a", "bureau"},
    "office_b": {"office_b", "station_b", "bureau"},
    "ws_own": {"ws_own", "office_a", "station_a", "bureau"},
    "ws_sibling": {"ws_sibling", "office_a", "station_a", "bureau"},
    "ws_other": {"ws_other", "office_b", "station_b", "bureau"},
}
UNIT_KEYS = sorted(COUNTED_IN)


@pytest.fixture
def commander(county):
    user = county.user("commander")
    jurisdiction.scope_of(user)  # computed once per request in the app
    return user


def total(user, unit, date_from, date_to, figure="visits"):
    return selectors.totals(user, unit=unit, date_from=date_from, date_to=date_to)[figure]


def test_bump_reaches_the_unit_and_every_ancestor_but_no_sibling(county, commander):
    u = county.units
    figures_add(unit=u["ws_own"], day=D(2014, 10, 8), deltas={"visits": 3, "contact_cards": 2})
    for key in UNIT_KEYS:
        expected = 3 if key in COUNTED_IN["ws_own"] else 0
        got = selectors.totals(
            commander, unit=u[key], date_from=D(2014, 10, 1), date_to=D(2014, 10, 31)
        )
        assert got["visits"] == expected, key
        assert got["contact_cards"] == 2 * expected // 3, key
        assert got["disputes_mediated"] == 0
    assert set(got) == set(Figure.values)
    counted = {
        unit_id
        for unit_id in DailyCount.objects.filter(bureau=county.bureau).values_list(
            "unit_id", flat=True
        )
    }
    assert counted == {u[k].pk for k in COUNTED_IN["ws_own"]}
    assert MonthlyCount.objects.get(unit=u["bureau"], figure="visits").month == D(2014, 10, 1)


def test_bumps_accumulate_and_negative_deltas_take_back(county, commander):
    ws, office = county.units["ws_own"], county.units["office_a"]
    day = D(2015, 1, 31)
    figures_add(unit=ws, day=day, deltas={"disputes_mediated": 5})
    figures_add(unit=county.units["ws_sibling"], day=day, deltas={"disputes_mediated": 4})
    figures_add(unit=ws, day=day, deltas={"disputes_mediated": -2})
    assert total(commander, ws, day, day, "disputes_mediated") == 3
    assert total(commander, office, day, day, "disputes_mediated") == 7
    figures_add(unit=ws, day=day, deltas={"disputes_mediated": -3})
    assert total(commander, ws, day, day, "disputes_mediated") == 0
    assert total(commander, office, D(2015, 1, 1), D(2015, 1, 31), "disputes_mediated") == 4
    row = DailyCount.objects.get(unit=ws, day=day, figure="disputes_mediated")
    assert row.value == 0


def test_zero_deltas_write_nothing(county, django_assert_num_queries):
    with django_assert_num_queries(0):
        figures_add(unit=county.units["ws_own"], day=D(2015, 1, 1), deltas={"visits": 0})
    assert not DailyCount.objects.filter(bureau=county.bureau).exists()


def test_month_boundaries_sum_partial_and_whole_months(county, commander):
    ws = county.units["ws_own"]
    day, n = D(2014, 8, 20), 0
    while day <= D(2015, 2, 10):
        n += 1
        figures_add(unit=ws, day=day, deltas={"visits": n % 7 + 1, "services": 1})
        day += dt.timedelta(days=1)
    date_from, date_to = D(2014, 9, 15), D(2015, 1, 20)
    assert selectors.split_range(date_from, date_to) == (
        [(D(2014, 9, 15), D(2014, 9, 30)), (D(2015, 1, 1), D(2015, 1, 20))],
        (D(2014, 10, 1), D(2014, 12, 1)),
    )
    for unit in (ws, county.units["bureau"]):
        brute = {
            f: sum(
                DailyCount.objects.filter(
                    unit=unit, figure=f, day__gte=date_from, day__lte=date_to
                ).values_list("value", flat=True)
            )
            for f in ("visits", "services")
        }
        got = selectors.totals(commander, unit=unit, date_from=date_from, date_to=date_to)
        assert (got["visits"], got["services"]) == (brute["visits"], brute["services"])
        assert got["services"] == (date_to - date_from).days + 1
    # Each month's counter equals the sum of its days.
    for month in MonthlyCount.objects.filter(unit=ws, figure="visits"):
        days = DailyCount.objects.filter(
            unit=ws,
            figure="visits",
            day__gte=month.month,
            day__lt=selectors._next_month(month.month),
        )
        assert month.value == sum(d.value for d in days)


@pytest.mark.parametrize(
    ("date_from", "date_to", "days", "months"),
    [
        (D(2015, 3, 1), D(2015, 3, 31), [], (D(2015, 3, 1), D(2015, 3, 1))),
        (D(2015, 2, 2), D(2015, 3, 30), [(D(2015, 2, 2), D(2015, 3, 30))], None),
        (D(2015, 3, 5), D(2015, 3, 5), [(D(2015, 3, 5), D(2015, 3, 5))], None),
        (D(2016, 2, 1), D(2016, 2, 29), [], (D(2016, 2, 1), D(2016, 2, 1))),
        (D(2014, 12, 31), D(2015, 1, 1), [(D(2014, 12, 31), D(2015, 1, 1))], None),
        (D(2015, 1, 2), D(2015, 1, 1), [], None),
    ],
)
def test_split_range(date_from, date_to, days, months):
    assert selectors.split_range(date_from, date_to) == (days, months)


START = D(2014, 1, 1)
# Days next to month ends are drawn often, so partial and whole months meet in most examples.
EDGES = [
    (D(y, m, 1) - START).days + k
    for y in (2014, 2015)
    for m in range(1, 13)
    for k in (-2, -1, 0, 1)
]
day_offset = st.one_of(st.integers(0, 730), st.sampled_from([e for e in EDGES if e >= 0]))
# "visits" is drawn often so that bumps share counters (same unit, month and figure).
figure = st.one_of(st.just("visits"), st.sampled_from(Figure.values))
bump = st.tuples(st.sampled_from(UNIT_KEYS), day_offset, figure, st.integers(-5, 20))
query_day = st.one_of(st.integers(-10, 740), st.sampled_from(EDGES))
query = st.tuples(st.sampled_from(UNIT_KEYS), query_day, query_day)


@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(bumps=st.lists(bump, min_size=1, max_size=40), queries=st.lists(query, max_size=5))
def test_totals_equal_a_recount_of_the_raw_bumps(county, commander, bumps, queries):
    """The "recount from raw records" oracle: for any bumps, any unit and any date range, the
    totals equal the sum of the bumps made in that unit's subtree on those days."""
    u = county.units
    first_key, first_offset = bumps[0][0], bumps[0][1]
    ranges = [
        (key, START + dt.timedelta(min(a, b)), START + dt.timedelta(max(a, b)))
        for key, a, b in queries
    ]
    first_day = START + dt.timedelta(first_offset)
    ranges += [
        ("bureau", START, START + dt.timedelta(730)),  # two years: monthly rows
        (first_key, first_day - dt.timedelta(40), first_day),  # ends on a bump's day
        (first_key, first_day, first_day + dt.timedelta(40)),  # starts on it
        (first_key, first_day - dt.timedelta(40), first_day - dt.timedelta(1)),  # ends before
        (first_key, first_day + dt.timedelta(1), first_day + dt.timedelta(40)),  # starts after
    ]
    with transaction.atomic():
        for key, offset, name, delta in bumps:
            figures_add(unit=u[key], day=START + dt.timedelta(offset), deltas={name: delta})
        for key, date_from, date_to in ranges:
            expected = dict.fromkeys(Figure.values, 0)
            for bkey, offset, name, delta in bumps:
                if key in COUNTED_IN[bkey] and date_from <= START + dt.timedelta(offset) <= date_to:
                    expected[name] += delta
            got = selectors.totals(commander, unit=u[key], date_from=date_from, date_to=date_to)
            assert got == expected, (key, date_from, date_to)
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        (D(2015, 3, 1), D(2015, 3, 31)),  # one whole month: monthly rows only
        (D(2015, 3, 3), D(2015, 3, 20)),  # part of a month: daily rows only
        (D(2014, 9, 15), D(2019, 9, 14)),  # five years: both, still one query
    ],
)
def test_totals_query_count_is_pinned(
    county, commander, django_assert_num_queries, date_from, date_to
):
    ws = county.units["ws_own"]
    for day in (D(2014, 9, 20), D(2015, 3, 10), D(2017, 6, 1), D(2019, 9, 1)):
        figures_add(unit=ws, day=day, deltas={"visits": 1, "matters": 2})
    with django_assert_num_queries(1):
        got = selectors.totals(
            commander, unit=county.units["bureau"], date_from=date_from, date_to=date_to
        )
    assert got["visits"] * 2 == got["matters"] > 0


def test_figures_add_and_series_query_counts_are_pinned(
    county, commander, django_assert_num_queries
):
    ws = county.units["ws_own"]
    with django_assert_num_queries(2):  # one upsert per table, whatever the depth
        figures_add(unit=ws, day=D(2015, 3, 10), deltas={f: 1 for f in Figure.values})
    with django_assert_num_queries(1):
        series = selectors.daily_series(
            commander, unit=ws, date_from=D(2015, 3, 9), date_to=D(2015, 3, 11), figure="visits"
        )
    assert series == [(D(2015, 3, 9), 0), (D(2015, 3, 10), 1), (D(2015, 3, 11), 0)]


def test_daily_series_is_bounded(county, commander):
    with pytest.raises(ValueError):
        selectors.daily_series(
            commander,
            unit=county.units["bureau"],
            date_from=D(2014, 1, 1),
            date_to=D(2015, 1, 2),
            figure="visits",
        )


def test_unknown_figure_and_bad_day_are_refused(county, commander):
    ws = county.units["ws_own"]
    with pytest.raises(ValueError):
        figures_add(unit=ws, day=D(2015, 1, 1), deltas={"visits": 1, "arrests": 1})
    with pytest.raises(TypeError):
        figures_add(unit=ws, day=dt.datetime(2015, 1, 1, 23, 30), deltas={"visits": 1})
    with pytest.raises(TypeError):
        figures_add(unit=ws, day=D(2015, 1, 1), deltas={"visits": 1.5})
    with pytest.raises(ValueError):
        selectors.totals(
            commander, unit=ws, date_from=D(2015, 1, 1), date_to=D(2015, 1, 2), figures=["x"]
        )
    with pytest.raises(ValueError):
        selectors.daily_series(
            commander, unit=ws, date_from=D(2015, 1, 1), date_to=D(2015, 1, 2), figure="x"
        )
    assert not DailyCount.objects.filter(bureau=county.bureau).exists()


def test_totals_of_chosen_figures(county, commander):
    figures_add(unit=county.units["ws_own"], day=D(2015, 1, 1), deltas={"volunteers": 4})
    got = selectors.totals(
        commander,
        unit=county.units["station_a"],
        date_from=D(2015, 1, 1),
        date_to=D(2015, 1, 1),
        figures=["volunteers", "assisted_people"],
    )
    assert got == {"volunteers": 4, "assisted_people": 0}


def test_a_unit_not_found_by_its_path_fails_instead_of_under_counting(county):
    ws = county.units["ws_own"]
    ws.path = ws.path[:-4] + "ZZZZ"  # stale: the unit moved since it was read
    with pytest.raises(RuntimeError), transaction.atomic():
        figures_add(unit=ws, day=D(2015, 1, 1), deltas={"visits": 1})
    assert not DailyCount.objects.filter(bureau=county.bureau).exists()


def test_other_bureaus_and_other_subtrees_are_never_counted(county, commander):
    other = build_county(code="410498", name="另一县公安局", prefix="b-")
    day = D(2015, 5, 5)
    figures_add(unit=county.units["ws_own"], day=day, deltas={"floating_residents": 1})
    figures_add(unit=other.units["ws_own"], day=day, deltas={"floating_residents": 100})
    assert total(commander, county.units["bureau"], day, day, "floating_residents") == 1
    assert total(commander, county.units["ws_own"], day, day, "floating_residents") == 1
    # A caller that forgot visible_to() still gets nothing from another bureau or subtree.
    assert total(commander, other.units["bureau"], day, day, "floating_residents") == 0
    station_a_leader = county.user("station_leader")
    assert total(station_a_leader, county.units["ws_own"], day, day, "floating_residents") == 1
    assert total(station_a_leader, county.units["bureau"], day, day, "floating_residents") == 0
    assert selectors.daily_series(
        commander, unit=other.units["ws_own"], date_from=day, date_to=day, figure="visits"
    ) == [(day, 0)]


@pytest.mark.django_db(transaction=True)
def test_figures_add_outside_a_transaction_is_refused():
    unit = Unit(bureau_id=1, path="0001", depth=1)
    with pytest.raises(RuntimeError):
        figures_add(unit=unit, day=D(2015, 1, 1), deltas={"visits": 1})


THREADS, ROUNDS = 10, 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_bumps_add_up_exactly():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the SQLite test database is in memory with a shared cache: writers in other "
            "threads fail with 'table is locked' instead of waiting; atomicity of the upsert "
            "is checked on PostgreSQL"
        )
    bureau = org.bureau_create(actor=SYSTEM, name="并发测试县公安局", code="410497")
    root = org.bureau_root_unit(bureau)
    station = org.unit_create(actor=SYSTEM, parent=root, kind="station", name="并发派出所")
    office = org.unit_create(actor=SYSTEM, parent=station, kind="office", name="并发中心警务室")
    ws = org.unit_create(actor=SYSTEM, parent=office, kind="workstation", name="并发警务工作站")
    day = D(2015, 4, 30)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work():
        try:
            barrier.wait()
            for _ in range(ROUNDS):
                with transaction.atomic():
                    figures_add(unit=ws, day=day, deltas={"visits": 1, "contact_cards": 2})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    n = THREADS * ROUNDS
    for unit in (root, station, office, ws):
        daily = dict(
            DailyCount.objects.filter(bureau=bureau, unit=unit, day=day).values_list(
                "figure", "value"
            )
        )
        monthly = dict(
            MonthlyCount.objects.filter(bureau=bureau, unit=unit, month=D(2015, 4, 1)).values_list(
                "figure", "value"
            )
        )
        assert daily == monthly == {"visits": n, "contact_cards": 2 * n}
