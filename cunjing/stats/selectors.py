"""Reads of the roll-up counters: the results table (统计) of a unit's subtree over a date range.

The caller fetches ``unit`` through ``Unit.objects.visible_to(user)``; the counter queries are
also restricted by the jurisdiction rule (``visible_to(user)``), so a unit outside the user's
subtree yields zeros, never another unit's figures.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum

from cunjing.org.models import Unit
from cunjing.stats.models import DailyCount, Figure, MonthlyCount
from cunjing.stats.services import check_figures

# A daily series is for a chart; longer ranges are charted by month.
MAX_SERIES_DAYS = 366

_DAY = dt.timedelta(days=1)


def _next_month(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return (first + dt.timedelta(days=32)).replace(day=1)


def split_range(
    date_from: dt.date, date_to: dt.date
) -> tuple[list[tuple[dt.date, dt.date]], tuple[dt.date, dt.date] | None]:
    """Split the inclusive range into the day ranges of its partial months (at most two) and the
    first days of its first and last whole months (``None`` when it holds no whole month)."""
    if date_from > date_to:
        return [], None
    first_whole = date_from if date_from.day == 1 else _next_month(date_from)
    end_whole = date_to if (date_to + _DAY).day == 1 else date_to.replace(day=1) - _DAY
    if first_whole > end_whole:
        return [(date_from, date_to)], None
    days = []
    if date_from < first_whole:
        days.append((date_from, first_whole - _DAY))
    if end_whole < date_to:
        days.append((end_whole + _DAY, date_to))
    return days, (first_whole, end_whole.replace(day=1))


def totals(
    user,
    *,
    unit: Unit,
    date_from: dt.date,
    date_to: dt.date,
    figures: list[str] | None = None,
) -> dict[str, int]:
    """Each figure's total for ``unit``'s subtree from ``date_from`` to ``date_to`` inclusive
    (0 when nothing was recorded). One query: daily rows of the partial months at both ends
    (≤ 62 days) united with monthly rows of the whole months in between (60 for five years)."""
    names = list(Figure.values) if figures is None else list(figures)
    check_figures(names)
    result = dict.fromkeys(names, 0)
    day_ranges, months = split_range(date_from, date_to)
    if not names or (not day_ranges and months is None):
        return result
    parts = []
    if day_ranges:
        in_days = Q()
        for start, end in day_ranges:
            in_days |= Q(day__range=(start, end))
        parts.append(_summed(DailyCount.objects.visible_to(user), unit, names).filter(in_days))
    if months is not None:
        parts.append(
            _summed(MonthlyCount.objects.visible_to(user), unit, names).filter(month__range=months)
        )
    query = parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)
    for figure, total in query:
        result[figure] += total
    return result


def _summed(qs, unit: Unit, names: list[str]):
    return (
        qs.filter(bureau_id=unit.bureau_id, unit_id=unit.pk, figure__in=names)
        .order_by()
        .values("figure")
        .annotate(total=Sum("value"))
        .values_list("figure", "total")
    )


def daily_series(
    user, *, unit: Unit, date_from: dt.date, date_to: dt.date, figure: str
) -> list[tuple[dt.date, int]]:
    """``(day, value)`` for every day from ``date_from`` to ``date_to`` inclusive (0 on days
    with nothing recorded), for a chart. One query; at most ``MAX_SERIES_DAYS`` days."""
    check_figures([figure])
    if date_from > date_to:
        return []
    n_days = (date_to - date_from).days + 1
    if n_days > MAX_SERIES_DAYS:
        raise ValueError(f"a daily series covers at most {MAX_SERIES_DAYS} days")
    rows = dict(
        DailyCount.objects.visible_to(user)
        .filter(
            bureau_id=unit.bureau_id,
            unit_id=unit.pk,
            figure=figure,
            day__range=(date_from, date_to),
        )
        .values_list("day", "value")
    )
    return [
        (day, rows.get(day, 0)) for day in (date_from + dt.timedelta(days=i) for i in range(n_days))
    ]
