"""What hangs on a dispute between its report and its close: mediation sessions (调解) while it
is mediated, follow-up visits (回访) once it has an outcome."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import acting_user
from cunjing.disputes.models import (
    OPEN_STATES,
    OUTCOME_STATES,
    Action,
    Dispute,
    DisputeFollowUp,
    MediationSession,
    State,
)
from cunjing.disputes.services._common import (
    day,
    denied,
    lock_for_handler,
    refuse,
    reported_on,
    text,
)
from cunjing.disputes.services.transitions import pending_follow_ups, schedule_follow_up, transition

# How far ahead a follow-up visit can be scheduled.
SCHEDULE_AHEAD = dt.timedelta(days=366)
FOLLOW_UP_STATES = OUTCOME_STATES | {State.FOLLOW_UP}


@transaction.atomic
def session_add(
    *,
    actor,
    dispute: Dispute | int,
    held_on: dt.date,
    place: str,
    participants: str,
    outcome: str,
) -> MediationSession:
    """A mediation session of a reported or mediating dispute (a reported one starts being
    mediated with it): the day, the place, who took part, what came of it."""
    dispute = lock_for_handler(actor, dispute)
    if dispute.state not in OPEN_STATES:
        raise refuse(
            "state", _("Mediation sessions are recorded while the dispute is being mediated.")
        )
    held_on = day(held_on, "held_on", not_before=reported_on(dispute))
    place = text(place, "place", max_length=200)
    participants = text(participants, "participants", max_length=1000)
    outcome = text(outcome, "outcome")
    user = acting_user(actor)
    if user is None:
        raise denied()
    if dispute.state == State.REPORTED:
        transition(dispute, action=Action.MEDIATE, actor=actor, note=outcome)
    session = MediationSession(
        bureau_id=dispute.bureau_id,
        dispute=dispute,
        held_on=held_on,
        place=place,
        participants=participants,
        outcome=outcome,
        recorded_by=user,
        created_at=timezone.now(),
    )
    session.save()
    audit.record(
        actor=actor,
        action="dispute.session.create",
        instance=session,
        after=audit.snapshot(session),
    )
    return session


def _check_follow_up_state(dispute: Dispute) -> None:
    if dispute.state not in FOLLOW_UP_STATES:
        raise refuse(
            "state", _("Follow-up visits are made once the dispute has an outcome and is open.")
        )


@transaction.atomic
def follow_up_schedule(*, actor, dispute: Dispute | int, due_on: dt.date) -> DisputeFollowUp:
    """One more follow-up visit due on ``due_on`` (a referral or a failure schedules none of
    its own; an agreement's two can be followed by more)."""
    dispute = lock_for_handler(actor, dispute)
    _check_follow_up_state(dispute)
    if isinstance(due_on, dt.datetime) or not isinstance(due_on, dt.date):
        raise refuse("due_on", _("Enter a valid date."))
    if due_on < reported_on(dispute) or due_on > timezone.localdate() + SCHEDULE_AHEAD:
        raise refuse(
            "due_on",
            _("Choose a day after the report and within a year from today."),
        )
    return schedule_follow_up(actor, dispute, due_on)


@transaction.atomic
def follow_up_record(
    *, actor, dispute: Dispute | int, done_on: dt.date, note: str
) -> DisputeFollowUp:
    """A follow-up visit made on ``done_on`` and what it found: it fulfils the earliest visit
    still due (or stands on its own when none is) and puts the case in follow-up."""
    dispute = lock_for_handler(actor, dispute)
    _check_follow_up_state(dispute)
    done_on = day(done_on, "done_on", not_before=dispute.settled_on or reported_on(dispute))
    note = text(note, "note")
    follow_up = pending_follow_ups(dispute).select_for_update().order_by("due_on", "id").first()
    before = audit.snapshot(follow_up) if follow_up is not None else None
    if follow_up is None:
        follow_up = DisputeFollowUp(bureau_id=dispute.bureau_id, dispute=dispute, due_on=done_on)
    follow_up.done_on = done_on
    follow_up.note = note
    follow_up.done_by = acting_user(actor)
    follow_up.save()
    if before is None:
        old, new = None, audit.snapshot(follow_up)
    else:
        old, new = audit.changed(before, audit.snapshot(follow_up))
    audit.record(
        actor=actor, action="dispute.follow_up.done", instance=follow_up, before=old, after=new
    )
    transition(dispute, action=Action.FOLLOW_UP, actor=actor, note=note)
    return follow_up
