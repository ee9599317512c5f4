"""What every write of disputes shares: who may do what, the field error, text checks, the
locked re-read through the actor's scope and the timeline row. Private to
``disputes.services``."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core.roles import SYSTEM, Capability, Role, has_capability, is_system
from cunjing.core.writes import clean_text, lock_visible, refuse
from cunjing.disputes.models import EARLIEST_DAY, Dispute, DisputeEvent

# Who screens (每周半天排查): beat officers, aides with them, the leaders of offices and stations.
SCREENER_ROLES = frozenset({Role.BEAT_OFFICER, Role.AIDE, Role.OFFICE_LEADER, Role.STATION_LEADER})
# Who records a dispute: those who screen, and the commander (a case that reaches the bureau).
RECORDER_ROLES = SCREENER_ROLES | {Role.COMMANDER}
# Who mediates, refers, follows up and closes: officers and leaders — not aides (they take part
# in mediation, written in a session's participants), not inspectors (they check the work).
HANDLER_ROLES = frozenset(
    {Role.BEAT_OFFICER, Role.OFFICE_LEADER, Role.STATION_LEADER, Role.COMMANDER}
)


# The services' checks of a free text and a refusal, shared with every app (core.writes).
text = clean_text


def _role_in(actor, roles) -> bool:
    return is_system(actor) or (
        getattr(actor, "is_authenticated", False) and getattr(actor, "role", "") in roles
    )


def can_screen(actor) -> bool:
    return _role_in(actor, SCREENER_ROLES)


def can_record(actor) -> bool:
    return _role_in(actor, RECORDER_ROLES)


def can_handle(actor) -> bool:
    return _role_in(actor, HANDLER_ROLES)


def denied() -> PermissionDenied:
    return PermissionDenied(_("You do not have permission to do this."))


def day(value, field: str, *, not_before: dt.date | None = None) -> dt.date:
    """A day something happened: a date, not in the future, not before 2000 nor ``not_before``."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise refuse(field, _("Enter a valid date."))
    if value > timezone.localdate():
        raise refuse(field, _("The date cannot be in the future."))
    if value < EARLIEST_DAY:
        raise refuse(field, _("The date cannot be before 2000-01-01."))
    if not_before is not None and value < not_before:
        raise refuse(
            field,
            _("The date cannot be before %(day)s.") % {"day": not_before.isoformat()},
        )
    return value


def reported_on(dispute: Dispute) -> dt.date:
    return timezone.localdate(dispute.reported_at)


def can_read(actor) -> bool:
    """Disputes name people: read by those who do or check the field work, never by the three
    admin roles (``core.roles``: the right to read field work)."""
    return is_system(actor) or has_capability(actor, Capability.VIEW_FIELDWORK)


def lock(actor, dispute: Dispute | int) -> Dispute:
    """The dispute, locked for the write and read again, if ``actor`` may see it
    (``Dispute.DoesNotExist`` otherwise: a 404; 403 for a role that reads no dispute)."""
    if not can_read(actor):
        raise denied()
    pk = getattr(dispute, "pk", dispute)
    return lock_visible(actor, Dispute, pk, related=("unit", "area", "kind"))


def lock_for_handler(actor, dispute: Dispute | int) -> Dispute:
    """The dispute locked for a handler's write: 404 outside the actor's scope, 403 for a role
    that does not handle disputes."""
    dispute = lock(actor, dispute)
    if not can_handle(actor):
        raise denied()
    return dispute


def record_event(dispute: Dispute, *, actor, action, from_state: str, note: str, now):
    """The timeline row of one change: who (a user or the system), the action, the states
    before and after, the note."""
    if actor is SYSTEM or not getattr(actor, "is_authenticated", False):
        name, user = getattr(actor, "role", SYSTEM.role), None
    else:
        name, user = actor.full_name or actor.get_username(), actor
    event = DisputeEvent(
        bureau_id=dispute.bureau_id,
        dispute=dispute,
        actor=user,
        actor_name=name[:150],
        action=action,
        from_state=from_state,
        to_state=dispute.state,
        note=(note or "")[:2000],
        created_at=now,
    )
    event.save(force_insert=True)
    return event
