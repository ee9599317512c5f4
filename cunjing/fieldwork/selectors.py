"""Reads of field work. Every list starts from ``visible_to(user)``; ids the caller sends for
filters are matched through the caller's scope (invisible or missing → ``DoesNotExist``, 404).

Lists are keyset-paginated on ``(-occurred_on, -id)`` (``-day, -id`` for work logs): a page
costs the same at the millionth row as at the first, and rows written meanwhile never shift a
page. The cursor ``before`` is ``"<date>.<id>"`` of the last row of the previous page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cunjing.core.roles import Role
from cunjing.fieldwork.models import (
    Assistance,
    FloatingResident,
    HouseholdVisit,
    OfficerReport,
    OutreachEvent,
    PreventionActivity,
    Service,
    Supervision,
    Volunteer,
    WorkLog,
)
from cunjing.org.models import Area, Unit


@dataclass(frozen=True)
class Cursor:
    day: dt.date
    id: int

    def __str__(self) -> str:
        return f"{self.day.isoformat()}.{self.id}"

    @classmethod
    def parse(cls, raw: str) -> Cursor:
        try:
            day, pk = raw.split(".", 1)
            cursor = cls(dt.date.fromisoformat(day), int(pk))
        except ValueError:
            raise ValidationError({"before": [_("Enter a valid cursor.")]}) from None
        if not 0 < cursor.id < 2**63:
            raise ValidationError({"before": [_("Enter a valid cursor.")]})
        return cursor


def record_list(
    user,
    model,
    *,
    area: int | None = None,
    unit: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    before: str | None = None,
) -> QuerySet:
    """The ``model`` records visible to ``user``, newest first, filtered. ``area`` and ``unit``
    must be visible to the user (``DoesNotExist`` otherwise); ``unit`` means its subtree."""
    day = "day" if model is WorkLog else "occurred_on"
    qs = model.objects.visible_to(user)
    if model is WorkLog:
        qs = _own_logs(user, qs)
    if area is not None:
        if model is WorkLog:
            raise ValidationError({"area": [_("Work logs are not kept per area.")]})
        qs = qs.filter(area=Area.objects.visible_to(user).get(pk=area))
    if unit is not None:
        found = Unit.objects.visible_to(user).get(pk=unit)
        qs = qs.filter(unit__bureau_id=found.bureau_id, unit__path__startswith=found.path)
    if date_from is not None:
        qs = qs.filter(**{f"{day}__gte": date_from})
    if date_to is not None:
        qs = qs.filter(**{f"{day}__lte": date_to})
    if before:
        cursor = Cursor.parse(before)
        qs = qs.filter(
            Q(**{f"{day}__lt": cursor.day}) | Q(**{day: cursor.day, "id__lt": cursor.id})
        )
    related = ["officer", "unit"] if model is WorkLog else ["area", "unit"]
    return qs.select_related(*related).order_by(f"-{day}", "-id")


def page(qs: QuerySet, limit: int) -> tuple[list, str | None]:
    """One page of ``qs`` and the cursor of the next (``None`` on the last page): one query."""
    rows = list(qs[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    if isinstance(last, WorkLog):
        day = last.day
    elif isinstance(last, OfficerReport):
        day = last.period_start
    else:
        day = last.occurred_on
    return rows, str(Cursor(day, last.pk))


def _own_logs(user, qs: QuerySet) -> QuerySet:
    """Work logs, reports and supervisions are the officer's own record for their leaders: a
    beat officer sees only their own, an aide none."""
    role = getattr(user, "role", "")
    if role == Role.AIDE:
        return qs.none()
    if role == Role.BEAT_OFFICER:
        return qs.filter(officer_id=user.officer_id or -1)
    return qs


RECORD_MODELS = (
    HouseholdVisit,
    FloatingResident,
    Service,
    Assistance,
    OutreachEvent,
    Volunteer,
    PreventionActivity,
)


def day_records(user, *, officer_id: int, day: dt.date) -> list[tuple[type, list]]:
    """What ``officer_id`` recorded on ``day`` that ``user`` may see, per kind (the work log's
    automatic list): one query per kind."""
    out = []
    for model in RECORD_MODELS:
        rows = list(
            model.objects.visible_to(user)
            .filter(officer_id=officer_id, occurred_on=day)
            .select_related("area")
            .order_by("id")[:200]
        )
        out.append((model, rows))
    return out


def worklog_get(user, pk: int) -> WorkLog:
    return (
        _own_logs(user, WorkLog.objects.visible_to(user))
        .select_related("officer", "unit")
        .get(pk=pk)
    )


def report_list(
    user,
    *,
    kind: str | None = None,
    unit: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    before: str | None = None,
) -> QuerySet:
    """Weekly analyses and monthly summaries ``user`` may see, newest period first."""
    qs = _own_logs(user, OfficerReport.objects.visible_to(user))
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        found = Unit.objects.visible_to(user).get(pk=unit)
        qs = qs.filter(unit__bureau_id=found.bureau_id, unit__path__startswith=found.path)
    if date_from is not None:
        qs = qs.filter(period_start__gte=date_from)
    if date_to is not None:
        qs = qs.filter(period_start__lte=date_to)
    if before:
        cursor = Cursor.parse(before)
        qs = qs.filter(
            Q(period_start__lt=cursor.day) | Q(period_start=cursor.day, id__lt=cursor.id)
        )
    return qs.select_related("officer", "unit").order_by("-period_start", "-id")


def report_get(user, pk: int) -> OfficerReport:
    return (
        _own_logs(user, OfficerReport.objects.visible_to(user))
        .select_related("officer", "unit")
        .get(pk=pk)
    )


def supervisions_of(user, *, worklog: WorkLog | None = None, report: OfficerReport | None = None):
    qs = _own_logs(user, Supervision.objects.visible_to(user))
    if worklog is not None:
        qs = qs.filter(worklog=worklog)
    if report is not None:
        qs = qs.filter(report=report)
    return qs.select_related("supervised_by").order_by("created_at", "id")
