"""Reads of the Today page: the user's areas, what they recorded today, what needs follow-up.

Everything starts from ``visible_to(user)`` (through ``fieldwork.selectors.record_list``); one
query per block and per record kind, whatever the number of records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from cunjing.fieldwork import selectors as fieldwork
from cunjing.fieldwork.models import Assistance, HouseholdVisit, WorkLog
from cunjing.org.models import BEAT_AREA_KINDS, Area
from cunjing.registry.models import Dwelling
from cunjing.workspace.kinds import Kind

# A beat officer has a handful of areas; a station leader may have a hundred: the Today page
# shows this many and a count, the forms list them all.
AREAS_SHOWN = 20
TODAY_ROWS = 20
FOLLOW_UP_ROWS = 20
# Visits flagged for follow-up stay on the list this long.
FOLLOW_UP_DAYS = 30
# Assistance revisits show from this many days before they fall due, and while overdue up to
# FOLLOW_UP_DAYS.
REVISIT_AHEAD_DAYS = 7


def my_areas(user) -> QuerySet[Area]:
    """The villages and communities the user records in: a beat officer's beats, an aide's
    area, a leader's villages and communities."""
    return Area.objects.visible_to(user).filter(kind__in=BEAT_AREA_KINDS).order_by("path")


@dataclass(frozen=True)
class TodayRow:
    kind: Kind
    summary: str
    area: str
    at: dt.datetime


def _start_of_today() -> dt.datetime:
    today = timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(today, dt.time.min))


def recorded_today(user, kinds: list[Kind]) -> list[TodayRow]:
    """What ``user`` recorded today (Asia/Shanghai), newest first: one query per kind."""
    since = _start_of_today()
    rows: list[TodayRow] = []
    for kind in kinds:
        qs = fieldwork.record_list(user, kind.model).filter(recorded_by=user)
        if kind.model is WorkLog:
            for log in qs.filter(updated_at__gte=since)[:TODAY_ROWS]:
                rows.append(TodayRow(kind, log.text, log.unit.name, log.updated_at))
            continue
        for record in qs.filter(created_at__gte=since)[:TODAY_ROWS]:
            summary = str(getattr(record, kind.summary_field))
            rows.append(TodayRow(kind, summary, record.area.name, record.created_at))
    rows.sort(key=lambda row: row.at, reverse=True)
    return rows[:TODAY_ROWS]


def follow_ups(user) -> tuple[list[HouseholdVisit], list[Assistance]]:
    """Visits flagged for follow-up in the last 30 days, and hardship households whose revisit
    falls due within a week or is overdue (up to 30 days): two queries."""
    today = timezone.localdate()
    since = today - dt.timedelta(days=FOLLOW_UP_DAYS)
    visits = list(
        fieldwork.record_list(user, HouseholdVisit, date_from=since).filter(follow_up_needed=True)[
            :FOLLOW_UP_ROWS
        ]
    )
    revisits = list(
        fieldwork.record_list(user, Assistance)
        .filter(
            next_revisit_on__gte=since,
            next_revisit_on__lte=today + dt.timedelta(days=REVISIT_AHEAD_DAYS),
        )
        .order_by("next_revisit_on", "id")[:FOLLOW_UP_ROWS]
    )
    return visits, revisits


def todays_log(user) -> WorkLog | None:
    """The user's own work log of today, if written: one query."""
    return (
        fieldwork.record_list(user, WorkLog, date_from=timezone.localdate())
        .filter(officer_id=user.officer_id)
        .first()
    )


DWELLINGS_OFFERED = 300


def my_dwellings(user) -> list | None:
    """The registry's dwellings in the user's areas, to pick the one visited; ``None`` when
    there are more than :data:`DWELLINGS_OFFERED` (one query)."""
    rows = list(
        Dwelling.objects.visible_to(user)
        .select_related("address", "area")
        .order_by("area__path", "address__full_text", "id")[: DWELLINGS_OFFERED + 1]
    )
    return None if len(rows) > DWELLINGS_OFFERED else rows
