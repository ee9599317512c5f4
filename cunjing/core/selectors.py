"""Reads of the audit trail. Scoped to the reader's bureau; only the audit admin reads it.

The page pages by keyset on :data:`AUDIT_ORDER` (``core.pagination.keyset_page``) — newest
first, "everything before this event" — so page 1000 costs what page 1 costs (no OFFSET), on the
``(bureau, -created_at, -id)`` index.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from cunjing.core.models import AuditEvent
from cunjing.core.roles import Capability, has_capability

_EARLIEST = dt.date(1900, 1, 1)
_LATEST = dt.date(9999, 12, 1)
AUDIT_ORDER = ("-created_at", "-id")


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
) -> QuerySet[AuditEvent]:
    """The audit events of the user's bureau, newest first, filtered.

    ``action`` matches a prefix (``area`` finds ``area.create`` and ``area.update``); ``actor``
    is a username; the dates are whole days in Asia/Shanghai, both ends included. Users without
    the audit capability get nothing.
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
    return qs.order_by(*AUDIT_ORDER)
