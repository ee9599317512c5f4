"""Writes of the roll-up counters. Domain services call :func:`figures_add` inside the
transaction that writes their record, so the record and its counters commit or roll back
together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import connection, transaction

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
