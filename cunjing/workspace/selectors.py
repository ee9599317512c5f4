"""Reads of the Today page: the user's areas, what they recorded today, what needs follow-up.

Everything starts from ``visible_to(user)`` (through ``fieldwork.selectors.record_list``); one
query per block and per record kind, whatever the number of records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from cunjing.fieldwork import selectors as fieldwork
from cunjing.fieldwork.models import FollowUp, WorkLog
from cunjing.org.models import BEAT_AREA_KINDS, Area
from cunjing.registry.models import Dwelling
from cunjing.workspace.kinds import Kind

# A beat officer has a handful of areas; a station leader may have a hundred: the Today page
# shows this many and a count, the forms list them all.
AREAS_SHOWN = 20
TODAY_ROWS = 20
FOLLOW_UP_ROWS = 20
# Follow-ups show from this many days before they fall due, and until they are closed.
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
    url: str = ""  # the record's page (where it is corrected or voided)
    voided: bool = False


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
            url = reverse("fieldwork:record_detail", args=[kind.path, record.pk])
            rows.append(
                TodayRow(
                    kind,
                    summary,
                    record.area.name,
                    record.created_at,
                    url=url,
                    voided=record.voided_at is not None,
                )
            )
    rows.sort(key=lambda row: row.at, reverse=True)
    return rows[:TODAY_ROWS]


def follow_ups(user) -> list[FollowUp]:
    """The open follow-ups due within a week or overdue, the earliest due first (one query):
    they leave the list when done or set aside, not with time."""
    today = timezone.localdate()
    return list(
        fieldwork.follow_up_list(
            user, due_by=today + dt.timedelta(days=REVISIT_AHEAD_DAYS), today=today
        )[:FOLLOW_UP_ROWS]
    )


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
