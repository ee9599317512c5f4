"""Reads of the audit trail. Scoped to the reader's bureau; only the audit admin reads it.

The page pages with a keyset cursor ``(created_at, id)`` — newest first, "everything before this
event" — so page 1000 costs what page 1 costs (no OFFSET), on the ``(bureau, -created_at, -id)``
index.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from cunjing.core.models import AuditEvent
from cunjing.core.roles import Capability, has_capability

_CURSOR_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_EARLIEST = dt.date(1900, 1, 1)
_LATEST = dt.date(9999, 12, 1)


def audit_cursor(event: AuditEvent) -> str:
    """The cursor that continues after ``event``: ``2015-03-01T02:03:04.000005Z,42`` (UTC)."""
    moment = event.created_at.astimezone(dt.UTC)
    return f"{moment.strftime(_CURSOR_FORMAT)},{event.pk}"


def parse_audit_cursor(text: str) -> tuple[dt.datetime, int]:
    """Read a cursor made by :func:`audit_cursor`; raises ``ValueError`` when malformed."""
    moment, _, pk = (text or "").strip().partition(",")
    if not pk.isdigit() or len(pk) > 18:
        raise ValueError("bad cursor id")
    return dt.datetime.strptime(moment, _CURSOR_FORMAT).replace(tzinfo=dt.UTC), int(pk)


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the bureau's time zone (Asia/Shanghai)."""
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone()
    )


def audit_events(
    user,
    *,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    before: tuple[dt.datetime, int] | None = None,
) -> QuerySet[AuditEvent]:
    """The audit events of the user's bureau, newest first, filtered.

    ``action`` matches a prefix (``area`` finds ``area.create`` and ``area.update``); ``actor``
    is a username; the dates are whole days in Asia/Shanghai, both ends included; ``before`` is a
    parsed cursor. Users without the audit capability get nothing.
    """
    bureau_id = getattr(user, "bureau_id", None)
    if bureau_id is None or not has_capability(user, Capability.VIEW_AUDIT):
        return AuditEvent.objects.none()
    qs = AuditEvent.objects.filter(bureau_id=bureau_id)
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_name=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    # Days at the ends of the calendar bound nothing (and would overflow once made aware).
    if date_from and date_from > _EARLIEST:
        qs = qs.filter(created_at__gte=_day_start(date_from))
    if date_to and date_to < _LATEST:
        qs = qs.filter(created_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    if before is not None:
        moment, pk = before
        qs = qs.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    return qs.order_by("-created_at", "-id")
