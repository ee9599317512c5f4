"""Writes of the roll-up counters. Domain services call :func:`figures_add` inside the
transaction that writes their record, so the record and its counters commit or roll back
together. :func:`rebuild` recomputes them from the raw records (the repair, and the way bulk
writers such as the demo's simulation count what they wrote)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.db.models import Aggregate

from cunjing.core import audit
from cunjing.core.roles import is_system
from cunjing.org.models import Unit
from cunjing.stats.models import DailyCount, Figure, MonthlyCount

FIGURES = frozenset(Figure.values)


def check_figures(names) -> None:
    """Raise ``ValueError`` for a figure name that is not one of :class:`Figure`."""
    unknown = sorted(set(names) - FIGURES)
    if unknown:
        raise ValueError(f"unknown figure(s): {', '.join(unknown)}")


def ancestor_paths(unit: Unit) -> list[str]:
    """The materialised paths of ``unit`` and of every ancestor up to the bureau, root first."""
    step = Unit.steplen
    return [unit.path[:n] for n in range(step, len(unit.path) + 1, step)]


def _upsert_sql(model, period: str, n_paths: int, n_figures: int) -> str:
    """One statement adding each (figure, delta) to the counters of every unit whose path is
    given: ``INSERT … SELECT … ON CONFLICT … DO UPDATE SET value = value + excluded.value``
    (SQLite ≥ 3.24 and PostgreSQL). Rows are produced in (path, figure) order so concurrent
    writers lock shared ancestor rows in the same order."""
    table = connection.ops.quote_name(model._meta.db_table)
    units = connection.ops.quote_name(Unit._meta.db_table)
    deltas = " UNION ALL ".join(["SELECT %s AS figure, CAST(%s AS BIGINT) AS delta"] * n_figures)
    paths = ", ".join(["%s"] * n_paths)
    # Identifiers come from model metadata, never from input; values are all parameters.
    return (
        f"INSERT INTO {table} (bureau_id, unit_id, {period}, figure, value) "  # noqa: S608
        f"SELECT u.bureau_id, u.id, %s, d.figure, d.delta "
        f"FROM {units} u, ({deltas}) d "
        f"WHERE u.bureau_id = %s AND u.path IN ({paths}) "
        f"ORDER BY u.path, d.figure "
        f"ON CONFLICT (bureau_id, unit_id, {period}, figure) "
        f"DO UPDATE SET value = {table}.value + excluded.value"
    )


def figures_add(*, unit: Unit, day: dt.date, deltas: Mapping[str, int]) -> None:
    """Add ``deltas`` (figure name → amount, negative to take back a deleted or corrected
    record) to the counters of ``unit`` and of each of its ancestors, for ``day`` (the record's
    local date in Asia/Shanghai) and for its month.

    Must run inside the caller's transaction. Two statements (daily, monthly), whatever the
    depth of the unit; none when every delta is zero.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("figures_add() must run inside the writing transaction")
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError("day must be a date (the record's local date), not a datetime")
    check_figures(deltas)
    for name, amount in deltas.items():
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError(f"the delta of {name} must be an integer")
    items = sorted((name, amount) for name, amount in deltas.items() if amount)
    if not items:
        return
    paths = ancestor_paths(unit)
    delta_params = [p for item in items for p in item]
    tail = [unit.bureau_id, *paths]
    with transaction.get_connection().cursor() as cursor:
        for model, period, value in (
            (DailyCount, "day", day),
            (MonthlyCount, "month", day.replace(day=1)),
        ):
            cursor.execute(
                _upsert_sql(model, period, len(paths), len(items)),
                [value, *delta_params, *tail],
            )
            # Inserted or updated rows: one per (unit or ancestor, figure). Fewer means the
            # unit's path is not in the database (unsaved or stale): fail, never under-count.
            if cursor.rowcount != len(paths) * len(items):
                raise RuntimeError(f"unit {unit.pk} or an ancestor was not found by its path")


# --- Recount from the raw records ----------------------------------------------------------


@dataclass(frozen=True)
class FigureSource:
    """Where figures come from, for a recount: the records of ``model`` (a tenant model with a
    ``unit`` foreign key: the unit the record counts for), dated by ``day_field``, add to each
    figure the aggregate given (``Count("id")``, ``Sum("people")``, a filtered count …) — the
    same amounts the domain service passes to :func:`figures_add` record by record. Only the
    rows matching ``counted`` count (a voided record counts for nothing)."""

    model: type[models.Model]
    day_field: str
    figures: Mapping[str, Aggregate]
    counted: models.Q = field(default_factory=models.Q)


_SOURCES: list[FigureSource] = []


def register_source(source: FigureSource) -> None:
    """Declare a record kind's figures (domain apps call it from ``AppConfig.ready``; ``stats``
    imports no domain app). Registering the same model twice replaces the first declaration."""
    check_figures(source.figures)
    _SOURCES[:] = [s for s in _SOURCES if s.model is not source.model]
    _SOURCES.append(source)


def figure_sources() -> tuple[FigureSource, ...]:
    return tuple(_SOURCES)


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@dataclass
class RebuildResult:
    date_from: dt.date | None
    date_to: dt.date | None
    daily_rows: int
    monthly_rows: int
    totals: dict[str, int]


def recount(
    bureau, *, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> tuple[dict[tuple[int, dt.date, str], int], dict[tuple[int, dt.date, str], int]]:
    """The counters as the raw records say they should be: ``(daily, monthly)``, each mapping
    ``(unit id, day or first of month, figure)`` to its value, for the serving unit of every
    record *and each of its ancestors*. One ``GROUP BY (unit, day)`` query per record kind."""
    step = Unit.steplen
    paths = dict(Unit.objects.filter(bureau=bureau).values_list("id", "path"))
    by_path = {path: pk for pk, path in paths.items()}
    lineage = {
        pk: [by_path[path[:n]] for n in range(step, len(path) + 1, step)]
        for pk, path in paths.items()
    }
    daily: dict[tuple[int, dt.date, str], int] = defaultdict(int)
    monthly: dict[tuple[int, dt.date, str], int] = defaultdict(int)
    for source in _SOURCES:
        qs = source.model._default_manager.filter(source.counted, bureau=bureau)
        if date_from is not None:
            qs = qs.filter(**{f"{source.day_field}__gte": date_from})
        if date_to is not None:
            qs = qs.filter(**{f"{source.day_field}__lte": date_to})
        names = sorted(source.figures)
        rows = (
            qs.order_by()
            .values_list("unit_id", source.day_field)
            .annotate(**{f"n_{name}": source.figures[name] for name in names})
        )
        for unit_id, day, *values in rows:
            month = day.replace(day=1)
            for name, value in zip(names, values, strict=True):
                if not value:
                    continue
                for pk in lineage[unit_id]:
                    daily[pk, day, name] += value
                    monthly[pk, month, name] += value
    return dict(daily), dict(monthly)


def _lock_counters() -> None:
    """On PostgreSQL, hold off the writers' upserts (ROW EXCLUSIVE) until the rebuild commits:
    a record committed before the lock is recounted, one committed after adds its own delta.
    On SQLite the transaction is ``IMMEDIATE`` (settings): it holds the database's one write
    lock from its start, with the same effect."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (DailyCount, MonthlyCount):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def _insert_counts(model, period: str, bureau_id: int, values: Mapping, batch_size: int) -> None:
    """Plain multi-row ``INSERT … VALUES (…), (…), …`` statements: several times faster than
    ``bulk_create`` (or ``executemany``) for hundreds of thousands of counter rows, which have no
    defaults or signals to honour. Rows per statement stay under the backend's parameter
    limit (999 on SQLite as Django configures it)."""
    table = connection.ops.quote_name(model._meta.db_table)
    limit = connection.features.max_query_params
    per_statement = min(batch_size, limit // 5) if limit else batch_size
    rows = [(bureau_id, u, d, f, v) for (u, d, f), v in sorted(values.items())]
    with connection.cursor() as cursor:
        for i in range(0, len(rows), per_statement):
            chunk = rows[i : i + per_statement]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            # Identifiers come from model metadata, never from input; values are all parameters.
            cursor.execute(
                f"INSERT INTO {table} (bureau_id, unit_id, {period}, figure, value) "  # noqa: S608
                f"VALUES {placeholders}",
                [p for row in chunk for p in row],
            )


@transaction.atomic
def rebuild(
    *,
    actor,
    bureau,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    batch_size: int = 2000,
) -> RebuildResult:
    """Recompute the bureau's ``DailyCount`` and ``MonthlyCount`` rows from its raw records
    (every :func:`register_source`), replacing what was there: the repair for counters that
    drifted, and the fast way to count records written in bulk (the demo's simulation).

    The range is widened to whole months (a month's counter needs the whole month); ``None``
    means unbounded on that side. Runs in one transaction, locking the counter tables against
    concurrent writers (see :func:`_lock_counters`); writes one audit event ``stats.rebuild``
    with the range and the bureau totals it found."""
    if not is_system(actor) and getattr(actor, "bureau_id", None) != bureau.pk:
        raise PermissionError("a rebuild is limited to the actor's own bureau")
    date_from = date_from.replace(day=1) if date_from is not None else None
    date_to = _month_end(date_to) if date_to is not None else None
    _lock_counters()
    days = DailyCount.objects.filter(bureau=bureau)
    months = MonthlyCount.objects.filter(bureau=bureau)
    if date_from is not None:
        days, months = days.filter(day__gte=date_from), months.filter(month__gte=date_from)
    if date_to is not None:
        days, months = days.filter(day__lte=date_to), months.filter(month__lte=date_to)
    days.delete()
    months.delete()
    daily, monthly = recount(bureau, date_from=date_from, date_to=date_to)
    _insert_counts(DailyCount, "day", bureau.pk, daily, batch_size)
    _insert_counts(MonthlyCount, "month", bureau.pk, monthly, batch_size)
    root = Unit.objects.get(bureau=bureau, depth=1)
    totals = dict.fromkeys(Figure.values, 0)
    for (unit_id, _month, figure), value in monthly.items():
        if unit_id == root.pk:
            totals[figure] += value
    result = RebuildResult(date_from, date_to, len(daily), len(monthly), totals)
    audit.record(
        actor=actor,
        action="stats.rebuild",
        bureau_id=bureau.pk,
        object_type="org.bureau",
        object_id=bureau.pk,
        after={
            "date_from": date_from,
            "date_to": date_to,
            "daily_rows": result.daily_rows,
            "monthly_rows": result.monthly_rows,
            "totals": totals,
        },
    )
    return result
