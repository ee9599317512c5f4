"""What every write of a matter shares: the field error, the audit snapshot (the reporter's
phone masked) and the timeline row (:class:`MatterEvent`). Private to ``matters.services``."""

from __future__ import annotations

from cunjing.core import audit
from cunjing.core.roles import RESIDENT, SYSTEM
from cunjing.matters.models import Matter, MatterEvent

# How the timeline names an actor with no account (``MatterEvent.actor_name``).
REPORTER = "reporter"


def matter_snapshot(matter: Matter) -> dict:
    """The matter for the audit trail (the reporter and the texts masked by ``audit.record``,
    as ``core.personal`` classifies them)."""
    return audit.snapshot(matter)


def record_event(
    matter: Matter, *, actor, action, from_state, from_level, note, now
) -> MatterEvent:
    """The timeline row of one change: who (a user, the reporter or the system), the action,
    the state and level before and after, the note."""
    if actor is RESIDENT:
        name, user = REPORTER, None
    elif actor is SYSTEM:
        name, user = SYSTEM.role, None
    else:
        name, user = actor.full_name or actor.get_username(), actor
    event = MatterEvent(
        bureau_id=matter.bureau_id,
        matter=matter,
        actor=user,
        actor_name=name[:150],
        action=action,
        from_state=from_state,
        to_state=matter.state,
        from_level=from_level,
        to_level=matter.level,
        note=(note or "")[:2000],
        created_at=now,
    )
    event.save(force_insert=True)
    return event
