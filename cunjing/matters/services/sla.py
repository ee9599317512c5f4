"""Deadlines (SLA) of matters: hours to the first reply and to the resolution per level and
kind, the bureau's own policy over the defaults, and the clocks a matter carries."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import Capability, has_capability
from cunjing.core.writes import refuse
from cunjing.matters.models import Level, Matter, MatterKind, SlaPolicy

# Hours to the first reply and to the resolution, per level; leads are handled faster.
DEFAULT_SLA: dict[str, tuple[int, int]] = {
    Level.WORKSTATION: (24, 72),
    Level.OFFICE: (24, 120),
    Level.STATION: (48, 168),
    Level.BUREAU: (72, 240),
}
DEFAULT_LEAD_SLA: dict[str, tuple[int, int]] = {
    Level.WORKSTATION: (12, 48),
    Level.OFFICE: (12, 72),
    Level.STATION: (24, 120),
    Level.BUREAU: (48, 168),
}


def sla_default(level: str, kind: str) -> tuple[int, int]:
    table = DEFAULT_LEAD_SLA if kind == MatterKind.LEAD else DEFAULT_SLA
    return table[level]


def sla_hours(bureau_id: int, level: str, kind: str) -> tuple[int, int]:
    """``(reply_hours, resolve_hours)`` of the bureau's policy, else the default."""
    row = (
        SlaPolicy.objects.filter(bureau_id=bureau_id, level=level, kind=kind)
        .values_list("reply_hours", "resolve_hours")
        .first()
    )
    return tuple(row) if row else sla_default(level, kind)


def start_clocks(matter: Matter, now: dt.datetime, *, reply: bool = True) -> None:
    """The deadlines of the matter's level and kind from ``now`` (no reply clock when ``reply``
    is False: a reopened matter's reporter has had their answer)."""
    reply_hours, resolve_hours = sla_hours(matter.bureau_id, matter.level, matter.kind)
    matter.reply_due_at = now + dt.timedelta(hours=reply_hours) if reply else None
    matter.resolve_due_at = now + dt.timedelta(hours=resolve_hours)


def stop_clocks(matter: Matter) -> None:
    """No deadline any more (resolved, referred, merged)."""
    matter.reply_due_at = None
    matter.resolve_due_at = None


@transaction.atomic
def sla_policy_set(
    *, actor, level: str, kind: str, reply_hours: int, resolve_hours: int
) -> SlaPolicy:
    """Set the bureau's deadlines of one level and kind (the commander or the system admin).
    Applies to matters entering that level from now on."""
    if not has_capability(actor, Capability.MANAGE_SLA):
        raise PermissionDenied(_("You do not have permission to do this."))
    if level not in Level.values:
        raise refuse("level", _("Select a valid choice."))
    if kind not in MatterKind.values:
        raise refuse("kind", _("Select a valid choice."))
    policy = SlaPolicy.objects.select_for_update().filter(
        bureau_id=actor.bureau_id, level=level, kind=kind
    ).first() or SlaPolicy(bureau_id=actor.bureau_id, level=level, kind=kind)
    before = audit.snapshot(policy) if policy.pk else None
    policy.reply_hours = reply_hours
    policy.resolve_hours = resolve_hours
    policy.full_clean()
    if resolve_hours < reply_hours:
        raise refuse(
            "resolve_hours", _("The time to resolution cannot be shorter than the time to reply.")
        )
    policy.save()
    audit.record(
        actor=actor,
        action="matter.sla.update" if before else "matter.sla.create",
        instance=policy,
        before=before,
        after=audit.snapshot(policy),
    )
    return policy
