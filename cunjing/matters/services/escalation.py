"""The system's periodic work on matters: escalating breached deadlines one level up (flagging
them at the bureau) and closing the matters resolved 7 days ago that nobody reopened."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core.roles import SYSTEM
from cunjing.matters.models import (
    OPEN_STATES,
    Action,
    BreachKind,
    Level,
    Matter,
    MatterBreach,
    State,
)
from cunjing.matters.services.transitions import (
    AUTO_CLOSE_DAYS,
    allowed,
    escalate_one_level,
    transition,
)


def breached(now: dt.datetime):
    """Open matters with a missed deadline (all bureaus: this is the system's own read)."""
    return Matter.objects.filter(state__in=OPEN_STATES).filter(
        Q(reply_due_at__lt=now) | Q(resolve_due_at__lt=now)
    )


@transaction.atomic
def _escalate_one(matter_id: int, now: dt.datetime) -> bool:
    matter = (
        Matter.objects.select_for_update()
        .select_related("handling_unit")
        .filter(pk=matter_id)
        .first()
    )
    if matter is None or matter.state not in OPEN_STATES:
        return False
    kinds = []
    if matter.reply_due_at is not None and matter.reply_due_at < now:
        kinds.append((BreachKind.REPLY, matter.reply_due_at))
    if matter.resolve_due_at is not None and matter.resolve_due_at < now:
        kinds.append((BreachKind.RESOLVE, matter.resolve_due_at))
    if not kinds:
        return False  # another run got here first
    for kind, due in kinds:
        if not MatterBreach.objects.filter(
            bureau_id=matter.bureau_id, matter=matter, unit_id=matter.handling_unit_id, kind=kind
        ).exists():
            MatterBreach.objects.create(
                bureau_id=matter.bureau_id,
                unit_id=matter.handling_unit_id,
                matter=matter,
                kind=kind,
                level=matter.level,
                due_at=due,
                at=now,
            )
    labels = ", ".join(str(BreachKind(k).label) for k, _due in kinds)
    note = _("Deadline missed (%(what)s) at %(unit)s.") % {
        "what": labels,
        "unit": matter.handling_unit.name,
    }
    if matter.level == Level.BUREAU:
        # Nothing above the bureau: flag it, and the spent clocks stop (no second flag).
        def flag(m: Matter) -> None:
            m.overdue = True
            for kind, _due in kinds:
                setattr(m, "reply_due_at" if kind == BreachKind.REPLY else "resolve_due_at", None)

        transition(matter, action=Action.OVERDUE, actor=SYSTEM, note=note, now=now, apply=flag)
        return True
    matter.overdue = True
    escalate_one_level(matter, actor=SYSTEM, reason=note, now=now)
    return True


def escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Escalate every open matter past a deadline one level up (at the bureau: flag it),
    record the missed deadline against the unit that missed it, and write the timeline row
    (the ``SYSTEM`` actor). Each matter in its own transaction; running it twice changes nothing
    the second time (the new level's clocks start at the escalation). Returns how many."""
    now = now or timezone.now()
    ids = list(breached(now).order_by("pk").values_list("pk", flat=True))
    return sum(1 for pk in ids if _escalate_one(pk, now))


@transaction.atomic
def _close_one(matter_id: int, now: dt.datetime) -> bool:
    matter = Matter.objects.select_for_update().filter(pk=matter_id).first()
    if matter is None or not allowed(matter, Action.CLOSE, now):
        return False
    if matter.has_reporter and matter.first_reply_at is None:
        return False  # never closed without an answer: it stays resolved, awaiting the reply

    def apply(m: Matter) -> None:
        m.closed_at = now

    transition(matter, action=Action.CLOSE, actor=SYSTEM, now=now, apply=apply)
    return True


def close_resolved(*, now: dt.datetime | None = None) -> int:
    """Close every matter resolved 7 days ago or more that nobody reopened (and that has its
    reply when a reporter is known). Returns how many."""
    now = now or timezone.now()
    ids = list(
        Matter.objects.filter(
            state=State.RESOLVED, resolved_at__lte=now - dt.timedelta(days=AUTO_CLOSE_DAYS)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if _close_one(pk, now))
