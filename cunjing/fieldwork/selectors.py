"""Reads of field work. Every list starts from ``visible_to(user)``; ids the caller sends for
filters are matched through the caller's scope (invisible or missing → ``DoesNotExist``, 404).

Lists are keyset-paginated (``core.pagination.keyset_page``) on :func:`order_of` — ``(-occurred_on,
-id)``, ``(-day, -id)`` for work logs, ``(-period_start, -id)`` for reports: a page costs the same
at the millionth row as at the first, and rows written meanwhile never shift a page.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Exists, Min, OuterRef, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core.models import AuditEvent
from cunjing.core.roles import Role
from cunjing.fieldwork.models import (
    KIND_OF_MODEL,
    Assistance,
    CorrectionRequest,
    CorrectionState,
    FloatingResident,
    FollowUp,
    FollowUpState,
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

RECORD_ORDER = ("-occurred_on", "-id")
WORKLOG_ORDER = ("-day", "-id")
REPORT_ORDER = ("-period_start", "-id")


def order_of(model) -> tuple[str, ...]:
    """The keyset ordering of a list of ``model``: newest first, the id breaking ties."""
    if model is WorkLog:
        return WORKLOG_ORDER
    if model is OfficerReport:
        return REPORT_ORDER
    return RECORD_ORDER


def record_list(
    user,
    model,
    *,
    area: int | None = None,
    unit: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet:
    """The ``model`` records visible to ``user``, newest first, filtered. ``area`` and ``unit``
    must be visible to the user (``DoesNotExist`` otherwise); ``unit`` means its subtree."""
    day = "day" if model is WorkLog else "occurred_on"
    qs = model.objects.visible_to(user)
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
    related = ["officer", "unit"] if model is WorkLog else ["area", "unit"]
    return qs.select_related(*related).order_by(*order_of(model))


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
    automatic list), voided records left out: one query per kind."""
    out = []
    for model in RECORD_MODELS:
        rows = list(
            model.objects.visible_to(user)
            .filter(officer_id=officer_id, occurred_on=day, voided_at__isnull=True)
            .select_related("area")
            .order_by("id")[:200]
        )
        out.append((model, rows))
    return out


def worklog_get(user, pk: int) -> WorkLog:
    return WorkLog.objects.visible_to(user).select_related("officer", "unit").get(pk=pk)


def report_list(
    user,
    *,
    kind: str | None = None,
    unit: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet:
    """Weekly analyses and monthly summaries ``user`` may see, newest period first."""
    qs = OfficerReport.objects.visible_to(user)
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        found = Unit.objects.visible_to(user).get(pk=unit)
        qs = qs.filter(unit__bureau_id=found.bureau_id, unit__path__startswith=found.path)
    if date_from is not None:
        qs = qs.filter(period_start__gte=date_from)
    if date_to is not None:
        qs = qs.filter(period_start__lte=date_to)
    return qs.select_related("officer", "unit").order_by(*REPORT_ORDER)


def report_get(user, pk: int) -> OfficerReport:
    return OfficerReport.objects.visible_to(user).select_related("officer", "unit").get(pk=pk)


def supervisions_of(user, *, worklog: WorkLog | None = None, report: OfficerReport | None = None):
    qs = Supervision.objects.visible_to(user)
    if worklog is not None:
        qs = qs.filter(worklog=worklog)
    if report is not None:
        qs = qs.filter(report=report)
    return qs.select_related("supervised_by").order_by("created_at", "id")


# --- Follow-ups ---------------------------------------------------------------------------------

FOLLOW_UP_ORDER = ("due_on", "id")


class FollowUpView:
    """Which follow-ups a list shows."""

    OPEN = "open"  # open ones, the earliest due first
    OVERDUE = "overdue"  # open and past due
    CLOSED = "closed"  # done or no longer needed, the latest closed first


def follow_up_list(
    user,
    *,
    view: str = FollowUpView.OPEN,
    officer: int | None = None,
    due_by: dt.date | None = None,
    today: dt.date | None = None,
) -> QuerySet:
    """The follow-ups ``user`` sees: open (earliest due first), overdue, or closed (latest
    first); ``officer`` limits them to one officer's, ``due_by`` to those due by that day."""
    today = today or timezone.localdate()
    qs = FollowUp.objects.visible_to(user).select_related("area", "officer", "unit")
    if view == FollowUpView.CLOSED:
        qs = qs.exclude(state=FollowUpState.OPEN).order_by("-closed_at", "-id")
    else:
        qs = qs.filter(state=FollowUpState.OPEN)
        if view == FollowUpView.OVERDUE:
            qs = qs.filter(due_on__lt=today)
        qs = qs.order_by(*FOLLOW_UP_ORDER)
    if officer is not None:
        qs = qs.filter(officer_id=officer)
    if due_by is not None:
        qs = qs.filter(due_on__lte=due_by)
    return qs


def follow_up_get(user, pk: int) -> FollowUp:
    return (
        FollowUp.objects.visible_to(user)
        .select_related("area", "officer", "unit", "visit", "assistance", "return_visit")
        .get(pk=pk)
    )


def overdue_follow_ups_by_officer(user, *, today: dt.date | None = None) -> list[dict]:
    """Per officer (and "no officer" for what leaders recorded), the open follow-ups of their
    records that are past due: how many and the oldest due day, most first. One query."""
    today = today or timezone.localdate()
    rows = (
        FollowUp.objects.visible_to(user)
        .filter(state=FollowUpState.OPEN, due_on__lt=today)
        .order_by()
        .values("officer_id", "officer__name", "unit__name")
        .annotate(overdue=Count("id"), oldest=Min("due_on"))
        .order_by("-overdue", "oldest", "officer__name")
    )
    return list(rows)


def follow_up_counts(user, *, today: dt.date | None = None) -> dict[str, int]:
    """Open follow-ups ``user`` sees: all, overdue, due within a week. One query."""
    today = today or timezone.localdate()
    return (
        FollowUp.objects.visible_to(user)
        .filter(state=FollowUpState.OPEN)
        .aggregate(
            open=Count("id"),
            overdue=Count("id", filter=Q(due_on__lt=today)),
            due_soon=Count(
                "id", filter=Q(due_on__gte=today, due_on__lte=today + dt.timedelta(days=7))
            ),
        )
    )


# --- Reports awaiting supervision ----------------------------------------------------------------

SUPERVISION_WINDOW_DAYS = 35


def reports_awaiting_supervision(user, *, today: dt.date | None = None) -> QuerySet:
    """Weekly analyses and monthly summaries of the last five weeks that no leader has
    supervised yet, the oldest first: a leader's to-do (督导)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=SUPERVISION_WINDOW_DAYS)
    supervised = Supervision.objects.filter(report_id=OuterRef("pk"))
    return (
        OfficerReport.objects.visible_to(user)
        .filter(period_start__gte=since)
        .exclude(Exists(supervised))
        .select_related("officer", "unit")
        .order_by("period_start", "id")
    )


# --- Corrections (更正、作废) ---------------------------------------------------------------------


def record_get(user, model: type, pk: int):
    """A field record of ``model`` visible to ``user`` (``DoesNotExist`` otherwise: 404)."""
    related = ("area", "unit", "officer", "recorded_by", "voided_by")
    return model.objects.visible_to(user).select_related(*related).get(pk=pk)


def correction_list(user, *, state: str | None = None, mine: bool = False) -> QuerySet:
    """The correction requests of records ``user`` may see, waiting ones first, newest first;
    ``mine``: only the user's own."""
    qs = CorrectionRequest.objects.visible_to(user)
    if state:
        qs = qs.filter(state=state)
    if mine:
        qs = qs.filter(requested_by=user)
    waiting_first = Case(When(state=CorrectionState.PENDING, then=0), default=1)
    return qs.select_related("area", "requested_by", "decided_by").order_by(
        waiting_first, "-requested_at", "-id"
    )


def correction_get(user, pk: int) -> CorrectionRequest:
    return (
        CorrectionRequest.objects.visible_to(user)
        .select_related("area", "unit", "requested_by", "decided_by")
        .get(pk=pk)
    )


def corrections_to_decide(user) -> int:
    """How many correction requests wait for ``user``'s decision (office and station leaders:
    the waiting requests of their jurisdiction but their own)."""
    if getattr(user, "role", "") not in (Role.OFFICE_LEADER, Role.STATION_LEADER):
        return 0
    return (
        CorrectionRequest.objects.visible_to(user)
        .filter(state=CorrectionState.PENDING)
        .exclude(requested_by=user)
        .count()
    )


def pending_correction(user, record) -> CorrectionRequest | None:
    """The correction request of ``record`` waiting for a decision, if any."""
    return (
        CorrectionRequest.objects.visible_to(user)
        .filter(
            bureau_id=record.bureau_id,
            record_kind=KIND_OF_MODEL[type(record)],
            record_id=record.pk,
            state=CorrectionState.PENDING,
        )
        .select_related("requested_by")
        .first()
    )


def record_corrections(user, record) -> list[AuditEvent]:
    """The corrections and the voiding of ``record``, oldest first, as the trail holds them
    (ID numbers and phones masked): the record's history on its page."""
    record_get(user, type(record), record.pk)  # the record's scope is the history's
    return list(
        AuditEvent.objects.filter(
            bureau_id=record.bureau_id,
            object_type=record._meta.label_lower,
            object_id=str(record.pk),
            action__regex=r"\.(correct|void)$",
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
