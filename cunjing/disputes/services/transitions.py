"""The state machine of disputes, as a table.

Every change of a dispute's state goes through :func:`transition`, which looks the
``(state, action)`` pair up in :data:`TRANSITIONS` (anything else is refused with a field error
on ``state``: 422), runs the action's guard (:data:`GUARDS`), then writes the dispute, one
:class:`DisputeEvent` (the timeline row) and one audit event in the caller's transaction::

    reported ─mediate→ mediating ─agree→ agreed ──┐
        │                  ├─refer→ referred ─────┼─follow_up→ follow-up ─close→ closed
        └──────refer───────┘─fail→  failed ───────┘      ↑ │                       │
                                                         └─┘ (each visit)          │
               mediating ←────────────── reopen (relapse) ─── follow-up, closed ───┘

The database holds what the table implies (``Dispute.Meta.constraints``): no outcome while
open, every case in follow-up or closed has one, a settled case has its tier and day.

Who acts: officers and leaders who see the dispute (404 outside their scope; 403 for aides and
inspectors, who see it but do not handle it). An agreement or a referral settles the case:
counted in the results table on its day (``.figures``), with its tier — an agreement's by who
mediated it (the beat officer, aides or village mediators: village; the office, station or
township mediation: township; the bureau: escalated), a referral's by the body. An agreement
schedules its follow-up visits (:data:`FOLLOW_UP_DAYS`). A reopened case takes its settlement
back and cancels the visits still due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import Role
from cunjing.disputes.models import (
    FOLLOW_UP_DAYS,
    REFERRAL_TIER,
    Action,
    Dispute,
    DisputeFollowUp,
    Outcome,
    ReferralBody,
    State,
    Tier,
)
from cunjing.disputes.services._common import (
    can_handle,
    day,
    lock_for_handler,
    record_event,
    refuse,
    reported_on,
    text,
)
from cunjing.disputes.services.figures import count_settlement

# (state, action) → the state after it. Anything not listed is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (State.REPORTED, Action.MEDIATE): State.MEDIATING,
    (State.REPORTED, Action.REFER): State.REFERRED,  # straight to the body that settles it
    (State.MEDIATING, Action.AGREE): State.AGREED,
    (State.MEDIATING, Action.REFER): State.REFERRED,
    (State.MEDIATING, Action.FAIL): State.FAILED,
    (State.AGREED, Action.FOLLOW_UP): State.FOLLOW_UP,
    (State.REFERRED, Action.FOLLOW_UP): State.FOLLOW_UP,
    (State.FAILED, Action.FOLLOW_UP): State.FOLLOW_UP,
    (State.FOLLOW_UP, Action.FOLLOW_UP): State.FOLLOW_UP,  # each further visit
    (State.FOLLOW_UP, Action.CLOSE): State.CLOSED,
    (State.FOLLOW_UP, Action.REOPEN): State.MEDIATING,  # relapse
    (State.CLOSED, Action.REOPEN): State.MEDIATING,
}
# What a handler applies through the transitions endpoint; a follow-up visit is recorded
# through the follow-ups (``.mediation.follow_up_record``), which applies FOLLOW_UP.
HANDLER_ACTIONS = frozenset(
    {Action.MEDIATE, Action.AGREE, Action.REFER, Action.FAIL, Action.CLOSE, Action.REOPEN}
)
# The tier an agreement is settled at when the handler does not say: by who mediated it.
TIER_OF_ROLE: dict[str, str] = {
    Role.BEAT_OFFICER: Tier.VILLAGE,
    Role.OFFICE_LEADER: Tier.TOWNSHIP,
    Role.STATION_LEADER: Tier.TOWNSHIP,
    Role.COMMANDER: Tier.ESCALATED,
}


def pending_follow_ups(dispute: Dispute):
    return DisputeFollowUp.objects.filter(
        bureau_id=dispute.bureau_id,
        dispute=dispute,
        done_on__isnull=True,
        cancelled_on__isnull=True,
    )


def _nothing_due(dispute: Dispute, now: dt.datetime) -> None:
    if pending_follow_ups(dispute).exists():
        raise refuse("state", _("Follow-up visits are still due: record them before closing."))


# Guards: the conditions an allowed (state, action) pair must also meet.
GUARDS: dict[str, Callable[[Dispute, dt.datetime], None]] = {Action.CLOSE: _nothing_due}


def _check_table(dispute: Dispute, action: str) -> str:
    target = TRANSITIONS.get((dispute.state, action))
    if target is None:
        raise refuse(
            "state",
            _("This cannot be done to a dispute in the state “%(state)s”.")
            % {"state": dispute.get_state_display()},
        )
    return target


def allowed(dispute: Dispute, action: str, now: dt.datetime | None = None) -> bool:
    """Whether ``action`` may be applied to ``dispute`` now (table and guard; not who acts)."""
    if (dispute.state, action) not in TRANSITIONS:
        return False
    guard = GUARDS.get(action)
    if guard is not None:
        try:
            guard(dispute, now or timezone.now())
        except ValidationError:
            return False
    return True


def handler_actions(actor, dispute: Dispute) -> list[str]:
    """The actions ``actor`` may apply to ``dispute`` now (for the API and the pages)."""
    if not can_handle(actor):
        return []
    return sorted(a for a in HANDLER_ACTIONS if allowed(dispute, a))


_NOT_CLEANED = ["bureau", "kind", "area", "unit", "handling_unit", "recorded_by", "matter"]


def transition(
    dispute: Dispute,
    *,
    action: str,
    actor,
    note: str = "",
    now: dt.datetime | None = None,
    apply: Callable[[Dispute], None] | None = None,
) -> Dispute:
    """Apply ``action`` to the locked ``dispute``: the table, the guard, the change, the
    timeline row and the audit event. Every change of state goes through here."""
    now = now or timezone.now()
    target = _check_table(dispute, action)
    guard = GUARDS.get(action)
    if guard is not None:
        guard(dispute, now)
    before = audit.snapshot(dispute)
    from_state = dispute.state
    dispute.state = target
    if apply is not None:
        apply(dispute)
    # The constraints are the database's (and what the table and the services keep true).
    dispute.full_clean(exclude=_NOT_CLEANED, validate_constraints=False)
    dispute.save()
    record_event(dispute, actor=actor, action=action, from_state=from_state, note=note, now=now)
    old, new = audit.changed(before, audit.snapshot(dispute))
    audit.record(
        actor=actor, action=f"dispute.{action}", instance=dispute, before=old, after=new or None
    )
    return dispute


def _settled_on(dispute: Dispute, value: dt.date | None) -> dt.date:
    return day(
        value if value is not None else timezone.localdate(),
        "settled_on",
        not_before=reported_on(dispute),
    )


@transaction.atomic
def dispute_mediate(*, actor, dispute: Dispute | int, note: str = "") -> Dispute:
    """Start mediating a reported dispute."""
    dispute = lock_for_handler(actor, dispute)
    _check_table(dispute, Action.MEDIATE)
    return transition(
        dispute, action=Action.MEDIATE, actor=actor, note=text(note, "note", required=False)
    )


@transaction.atomic
def dispute_agree(
    *,
    actor,
    dispute: Dispute | int,
    agreement: str,
    tier: str | None = None,
    settled_on: dt.date | None = None,
) -> Dispute:
    """The parties reached an agreement (its text) on ``settled_on`` (default today): the case
    is settled at ``tier`` (default: by the actor's role — the beat officer's village, a
    leader's township, the commander's escalated), counted, and its follow-up visits are
    scheduled 7 and 30 days after."""
    dispute = lock_for_handler(actor, dispute)
    _check_table(dispute, Action.AGREE)
    agreement = text(agreement, "agreement")
    tier = tier or TIER_OF_ROLE.get(getattr(actor, "role", ""), Tier.VILLAGE)
    if tier not in Tier.values:
        raise refuse("tier", _("Select a valid choice."))
    settled_on = _settled_on(dispute, settled_on)

    def apply(d: Dispute) -> None:
        d.outcome = Outcome.AGREED
        d.agreement = agreement
        d.tier = tier
        d.settled_on = settled_on
        d.resolve_due_at = None

    transition(dispute, action=Action.AGREE, actor=actor, note=agreement, apply=apply)
    count_settlement(dispute)
    for days in FOLLOW_UP_DAYS:
        schedule_follow_up(actor, dispute, settled_on + dt.timedelta(days=days))
    return dispute


def schedule_follow_up(actor, dispute: Dispute, due_on: dt.date) -> DisputeFollowUp:
    follow_up = DisputeFollowUp(bureau_id=dispute.bureau_id, dispute=dispute, due_on=due_on)
    follow_up.save()
    audit.record(
        actor=actor,
        action="dispute.follow_up.schedule",
        instance=follow_up,
        after=audit.snapshot(follow_up),
    )
    return follow_up


@transaction.atomic
def dispute_refer(
    *,
    actor,
    dispute: Dispute | int,
    body: str,
    name: str = "",
    above_county: bool = False,
    settled_on: dt.date | None = None,
    note: str = "",
) -> Dispute:
    """Hand the case to the body that settles it: the township's mediation committee or
    judicial office (settled in the township), a court, a petition office or another body
    (escalated; ``above_county`` when that body is above the county: 矛盾上交). ``name``
    names the body (required for another body)."""
    dispute = lock_for_handler(actor, dispute)
    _check_table(dispute, Action.REFER)
    if body not in ReferralBody.values:
        raise refuse("referred_to", _("Select a valid choice."))
    name = text(name, "referred_to_name", required=body == ReferralBody.OTHER, max_length=100)
    tier = REFERRAL_TIER[body]
    if above_county and tier != Tier.ESCALATED:
        raise refuse("above_county", _("The township's own bodies are not above the county."))
    settled_on = _settled_on(dispute, settled_on)
    note = text(note, "note", required=False)

    def apply(d: Dispute) -> None:
        d.outcome = Outcome.REFERRED
        d.referred_to = body
        d.referred_to_name = name
        d.above_county = bool(above_county)
        d.tier = tier
        d.settled_on = settled_on
        d.resolve_due_at = None

    label = " ".join(p for p in (str(ReferralBody(body).label), name) if p)
    transition(
        dispute,
        action=Action.REFER,
        actor=actor,
        note=f"{label}: {note}" if note else label,
        apply=apply,
    )
    count_settlement(dispute)
    return dispute


@transaction.atomic
def dispute_fail(*, actor, dispute: Dispute | int, reason: str) -> Dispute:
    """Mediation failed (why): no settlement, nothing counted; follow-up visits watch it."""
    dispute = lock_for_handler(actor, dispute)
    _check_table(dispute, Action.FAIL)
    reason = text(reason, "reason")

    def apply(d: Dispute) -> None:
        d.outcome = Outcome.FAILED
        d.resolve_due_at = None

    return transition(dispute, action=Action.FAIL, actor=actor, note=reason, apply=apply)


@transaction.atomic
def dispute_close(*, actor, dispute: Dispute | int, note: str = "") -> Dispute:
    """Close a case in follow-up once no visit is still due; it keeps its outcome."""
    dispute = lock_for_handler(actor, dispute)
    _check_table(dispute, Action.CLOSE)
    note = text(note, "note", required=False)
    now = timezone.now()

    def apply(d: Dispute) -> None:
        d.closed_at = now

    return transition(dispute, action=Action.CLOSE, actor=actor, note=note, now=now, apply=apply)


@transaction.atomic
def dispute_reopen(*, actor, dispute: Dispute | int, reason: str) -> Dispute:
    """The dispute flared up again (relapse): back to mediation. Its settlement is taken back
    from the counters (it did not hold), its outcome cleared, its visits still due cancelled."""
    dispute = lock_for_handler(actor, dispute)
    _check_table(dispute, Action.REOPEN)
    reason = text(reason, "reason")
    today = timezone.localdate()
    count_settlement(dispute, sign=-1)
    for follow_up in pending_follow_ups(dispute).select_for_update().order_by("id"):
        before = audit.snapshot(follow_up)
        follow_up.cancelled_on = today
        follow_up.save(update_fields=["cancelled_on"])
        old, new = audit.changed(before, audit.snapshot(follow_up))
        audit.record(
            actor=actor,
            action="dispute.follow_up.cancel",
            instance=follow_up,
            before=old,
            after=new,
        )

    def apply(d: Dispute) -> None:
        d.outcome = ""
        d.tier = ""
        d.settled_on = None
        d.referred_to = ""
        d.referred_to_name = ""
        d.above_county = False
        d.agreement = ""
        d.closed_at = None
        d.reopen_count += 1

    return transition(dispute, action=Action.REOPEN, actor=actor, note=reason, apply=apply)
