"""Follow-ups (待跟进): what a visit flagged, or a hardship household's next revisit, leaves to
do. Opened by the record's creation (:mod:`.records`), closed by the return visit
(:func:`.records.follow_up_done`) or set aside with a reason (:func:`follow_up_drop`)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.writes import audited_update, lock_visible
from cunjing.fieldwork.models import Assistance, FollowUp, FollowUpState, HouseholdVisit
from cunjing.fieldwork.services._common import can_record


def follow_up_open(actor, record, *, due_on: dt.date) -> FollowUp:
    """The follow-up a visit flagged for it, or an assistance's next revisit, leaves open."""
    follow_up = FollowUp(
        bureau_id=record.bureau_id,
        area_id=record.area_id,
        unit_id=record.unit_id,
        officer_id=record.officer_id,
        visit=record if isinstance(record, HouseholdVisit) else None,
        assistance=record if isinstance(record, Assistance) else None,
        household=record.household,
        due_on=due_on,
    )
    follow_up.full_clean(exclude=["area", "unit", "officer", "visit", "assistance"])
    follow_up.save()
    audit.record(
        actor=actor,
        action="fieldwork.follow_up.open",
        instance=follow_up,
        after=audit.snapshot(follow_up),
    )
    return follow_up


def lock_open_follow_up(actor, follow_up: FollowUp) -> FollowUp:
    """The follow-up, locked and read again through the actor's scope (a 404 otherwise); the
    actor must be one who records visits there (403), and it must still be open (422)."""
    locked = lock_visible(actor, FollowUp, follow_up.pk, related=("area",))
    if not can_record(actor, HouseholdVisit):
        raise PermissionDenied(_("You do not have permission to do this."))
    if locked.state != FollowUpState.OPEN:
        raise ValidationError({"state": [_("This follow-up is already closed.")]})
    return locked


def follow_up_close(actor, follow_up: FollowUp, action: str, state: str, **changes) -> FollowUp:
    """Close the locked follow-up, audited. Every value is the service's own (the user's text
    was checked above); the database's constraint keeps the state and its fields consistent."""
    changes = {"state": state, "closed_at": timezone.now(), "closed_by": actor, **changes}
    return audited_update(
        actor=actor, instance=follow_up, action=action, changes=changes, clean=False
    )


@transaction.atomic
def follow_up_drop(*, actor, follow_up: FollowUp, reason: str) -> FollowUp:
    """Set a follow-up aside as no longer needed (the household moved away, the matter settled
    by itself …), with the reason."""
    follow_up = lock_open_follow_up(actor, follow_up)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why it is no longer needed.")]})
    if len(reason) > 500:
        raise ValidationError(
            {"reason": [_("Ensure this value has at most %(limit)s characters.") % {"limit": 500}]}
        )
    return follow_up_close(
        actor, follow_up, "fieldwork.follow_up.drop", FollowUpState.DROPPED, reason=reason
    )
