"""The state machine of matters: the handlers' actions at each level and the reporter's actions.

Every change of a matter goes through :func:`transition`, which looks the ``(state, action)``
pair up in :data:`TRANSITIONS` (anything else is refused with a field error on ``state``), runs
the action's guard (:data:`GUARDS`), then writes the matter, one :class:`MatterEvent` (the
timeline row) and one audit event in the caller's transaction. Levels move only by
:func:`escalate_one_level`: exactly one step up, never past the bureau.

Who acts (403 otherwise; a matter outside the actor's scope is a 404 before that):

* beat officers while the matter is at the unit it entered (their workstation, or the office
  serving a community without one);
* office leaders, station leaders and the commander on matters handled by their unit or a unit
  below it (a higher leader may act on matters below them);
* the reporter (no account: identified by the tracking code) confirms, reopens and rates;
* the system closes resolved matters 7 days after resolution and escalates breached deadlines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import RESIDENT, Capability, NonUserActor, Role, has_capability
from cunjing.core.writes import clean_text, refuse
from cunjing.matters.models import (
    LEVEL_ORDER,
    PUBLICLY_TRACKABLE,
    Action,
    Level,
    Matter,
    MatterKind,
    MatterReply,
    ReplyChannel,
    State,
)
from cunjing.matters.services._common import matter_snapshot, record_event
from cunjing.matters.services.codes import normalize_tracking_code
from cunjing.matters.services.merging import check_merge_target, survivor
from cunjing.matters.services.sla import start_clocks, stop_clocks
from cunjing.org.models import Unit

# --- The transition table ---------------------------------------------------------------------

# (state, action) → the state after it. Anything not listed is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (State.NEW, Action.ACCEPT): State.ACCEPTED,
    (State.NEW, Action.REPLY): State.NEW,
    (State.ACCEPTED, Action.REPLY): State.ACCEPTED,
    (State.RESOLVED, Action.REPLY): State.RESOLVED,
    (State.REFERRED, Action.REPLY): State.REFERRED,
    (State.ACCEPTED, Action.RESOLVE): State.RESOLVED,
    (State.NEW, Action.ESCALATE): State.NEW,
    (State.ACCEPTED, Action.ESCALATE): State.NEW,  # the level above must accept it anew
    (State.NEW, Action.REFER): State.REFERRED,
    (State.ACCEPTED, Action.REFER): State.REFERRED,
    (State.NEW, Action.MERGE): State.MERGED,
    (State.ACCEPTED, Action.MERGE): State.MERGED,
    (State.RESOLVED, Action.CONFIRM): State.CLOSED,
    (State.RESOLVED, Action.REOPEN): State.ACCEPTED,  # back to work at the same level
    (State.RESOLVED, Action.CLOSE): State.CLOSED,  # the system, 7 days after resolution
    (State.RESOLVED, Action.RATE): State.RESOLVED,
    (State.CLOSED, Action.RATE): State.CLOSED,
    # The reporter of a merged matter follows the matter it was merged into: once that one is
    # resolved they may rate the handling, or reopen theirs (it works again on its own).
    (State.MERGED, Action.RATE): State.MERGED,
    (State.MERGED, Action.REOPEN): State.ACCEPTED,
    (State.NEW, Action.OVERDUE): State.NEW,  # the system, at the bureau (nothing above it)
    (State.ACCEPTED, Action.OVERDUE): State.ACCEPTED,
    **{
        (state, Action.CASE): state
        for state in (State.NEW, State.ACCEPTED, State.RESOLVED, State.CLOSED, State.REFERRED)
    },
}
HANDLER_ACTIONS = frozenset(
    {
        Action.ACCEPT,
        Action.REPLY,
        Action.RESOLVE,
        Action.ESCALATE,
        Action.REFER,
        Action.MERGE,
        Action.CASE,
    }
)
REPORTER_ACTIONS = frozenset({Action.CONFIRM, Action.REOPEN, Action.RATE})
SYSTEM_ACTIONS = frozenset({Action.CLOSE, Action.OVERDUE, Action.ESCALATE})

REOPEN_DAYS = 7  # the reporter may reopen within 7 days of the resolution
AUTO_CLOSE_DAYS = 7  # a resolved matter nobody reopened closes itself after 7 days


def _needs_reply(matter: Matter, now: dt.datetime) -> None:
    if matter.has_reporter and matter.first_reply_at is None:
        raise refuse("state", _("Reply to the reporter before the matter is closed."))


def _below_bureau(matter: Matter, now: dt.datetime) -> None:
    if matter.level == Level.BUREAU:
        raise refuse("level", _("The bureau is the highest level: it cannot escalate."))


def _resolved_at(matter: Matter) -> dt.datetime | None:
    """When the handling that answers for ``matter`` was resolved (for a merged matter, the
    resolution of the matter it was merged into)."""
    if matter.state == State.MERGED:
        return survivor(matter).resolved_at
    return matter.resolved_at


def _reopen_window(matter: Matter, now: dt.datetime) -> None:
    resolved_at = _resolved_at(matter)
    if resolved_at is None or now > resolved_at + dt.timedelta(days=REOPEN_DAYS):
        raise refuse("state", _("A matter can be reopened only within 7 days of its resolution."))


def _not_rated(matter: Matter, now: dt.datetime) -> None:
    if matter.rating is not None:
        raise refuse("rating", _("This matter has already been rated."))
    if matter.state == State.MERGED and _resolved_at(matter) is None:
        raise refuse("rating", _("The handling can be rated once the matter is resolved."))


def _lead_without_case(matter: Matter, now: dt.datetime) -> None:
    if matter.kind != MatterKind.LEAD:
        raise refuse("kind", _("Only a crime lead can lead to a case."))
    if matter.case_number:
        raise refuse("case_number", _("This lead is already marked with a case."))


def _auto_close_due(matter: Matter, now: dt.datetime) -> None:
    if matter.resolved_at is None or now < matter.resolved_at + dt.timedelta(days=AUTO_CLOSE_DAYS):
        raise refuse("state", _("The matter was resolved less than 7 days ago."))


# Guards: the conditions an allowed (state, action) pair must also meet.
GUARDS: dict[str, Callable[[Matter, dt.datetime], None]] = {
    Action.ESCALATE: _below_bureau,
    Action.CONFIRM: _needs_reply,
    Action.CLOSE: _auto_close_due,
    Action.REOPEN: _reopen_window,
    Action.RATE: _not_rated,
    Action.CASE: _lead_without_case,
}


def allowed(matter: Matter, action: str, now: dt.datetime | None = None) -> bool:
    """Whether ``action`` may be applied to ``matter`` now (table and guard; not who acts)."""
    if (matter.state, action) not in TRANSITIONS:
        return False
    guard = GUARDS.get(action)
    if guard is not None:
        try:
            guard(matter, now or timezone.now())
        except ValidationError:
            return False
    return True


# --- Handlers' actions --------------------------------------------------------------------------


def can_handle(actor, matter: Matter) -> bool:
    """Whether ``actor`` may act on ``matter`` at its current level (scope checked before)."""
    if not has_capability(actor, Capability.HANDLE_MATTERS):
        return False
    if actor.bureau_id != matter.bureau_id or not actor.unit_id:
        return False
    if actor.role == Role.BEAT_OFFICER:
        return matter.handling_unit_id == matter.entry_unit_id
    return matter.handling_unit.path.startswith(actor.unit.path)


def handler_actions(actor, matter: Matter) -> list[str]:
    """The handler actions ``actor`` may apply to ``matter`` now (for the forms and the API)."""
    if not can_handle(actor, matter):
        return []
    return sorted(a for a in HANDLER_ACTIONS if allowed(matter, a))


def _lock(actor, matter: Matter) -> Matter:
    """The matter, locked for the write, fetched again through ``actor``'s scope."""
    qs = Matter.objects.select_for_update()
    if not isinstance(actor, NonUserActor):
        qs = qs.filter(pk__in=Matter.objects.visible_to(actor).values("pk"))
    return qs.select_related("handling_unit").get(pk=matter.pk)


def _handler(actor, matter: Matter) -> Matter:
    matter = _lock(actor, matter)
    if not can_handle(actor, matter):
        raise PermissionDenied(_("You do not have permission to do this."))
    return matter


def transition(
    matter: Matter,
    *,
    action: str,
    actor,
    note: str = "",
    now: dt.datetime | None = None,
    apply: Callable[[Matter], None] | None = None,
) -> Matter:
    """Apply ``action`` to the locked ``matter``: the table, the guard, the change, the
    timeline row and the audit event. Every action goes through here, the system's too
    (:mod:`.escalation`)."""
    now = now or timezone.now()
    target = TRANSITIONS.get((matter.state, action))
    if target is None:
        raise refuse(
            "state",
            _("This cannot be done to a matter in the state “%(state)s”.")
            % {"state": matter.get_state_display()},
        )
    guard = GUARDS.get(action)
    if guard is not None:
        guard(matter, now)
    if target == State.CLOSED:
        _needs_reply(matter, now)  # the rule holds whatever the path to closed
    before = matter_snapshot(matter)
    from_state, from_level = matter.state, matter.level
    matter.state = target
    if apply is not None:
        apply(matter)
    matter.full_clean()
    matter.save()
    record_event(
        matter,
        actor=actor,
        action=action,
        from_state=from_state,
        from_level=from_level,
        note=note,
        now=now,
    )
    old, new = audit.changed(before, matter_snapshot(matter))
    audit.record(
        actor=actor, action=f"matter.{action}", instance=matter, before=old, after=new or None
    )
    return matter


@transaction.atomic
def matter_accept(*, actor, matter: Matter, note: str = "") -> Matter:
    matter = _handler(actor, matter)
    return transition(
        matter, action=Action.ACCEPT, actor=actor, note=clean_text(note, "note", required=False)
    )


@transaction.atomic
def matter_reply(*, actor, matter: Matter, channel: str, text: str) -> MatterReply:
    """An answer to the reporter (channel and text): stops the reply clock of the level."""
    matter = _handler(actor, matter)
    if channel not in ReplyChannel.values:
        raise refuse("channel", _("Select a valid choice."))
    text = clean_text(text, "text")
    now = timezone.now()

    def apply(m: Matter) -> None:
        m.first_reply_at = m.first_reply_at or now
        m.replied_at_level = True
        m.reply_due_at = None

    transition(matter, action=Action.REPLY, actor=actor, note=text, now=now, apply=apply)
    reply = MatterReply(
        bureau_id=matter.bureau_id,
        matter=matter,
        channel=channel,
        text=text,
        unit_id=matter.handling_unit_id,
        replied_by=actor,
        created_at=now,
    )
    reply.full_clean()
    reply.save()
    return reply


@transaction.atomic
def matter_resolve(*, actor, matter: Matter, resolution: str) -> Matter:
    matter = _handler(actor, matter)
    resolution = clean_text(resolution, "resolution")
    now = timezone.now()

    def apply(m: Matter) -> None:
        m.resolution = resolution
        m.resolved_at = now
        stop_clocks(m)

    return transition(
        matter, action=Action.RESOLVE, actor=actor, note=resolution, now=now, apply=apply
    )


def _parent_level_unit(unit: Unit) -> Unit:
    parent = unit.get_parent()
    if parent is None:  # pragma: no cover - guarded by _below_bureau
        raise refuse("level", _("The bureau is the highest level: it cannot escalate."))
    return parent


def escalate_one_level(matter: Matter, *, actor, reason: str, now: dt.datetime) -> Matter:
    """The locked ``matter`` one level up, to the parent of its handling unit, with the new
    level's clocks (a handler's escalation, or the system's on a missed deadline)."""
    level_index = LEVEL_ORDER.index(matter.level)

    def apply(m: Matter) -> None:
        parent = _parent_level_unit(m.handling_unit)
        m.level = LEVEL_ORDER[level_index + 1]
        m.handling_unit = parent
        m.replied_at_level = False
        start_clocks(m, now)

    return transition(
        matter, action=Action.ESCALATE, actor=actor, note=reason, now=now, apply=apply
    )


@transaction.atomic
def matter_escalate(*, actor, matter: Matter, reason: str) -> Matter:
    """Pass the matter exactly one level up (workstation → office → station → bureau)."""
    matter = _handler(actor, matter)
    return escalate_one_level(
        matter, actor=actor, reason=clean_text(reason, "reason"), now=timezone.now()
    )


@transaction.atomic
def matter_refer(*, actor, matter: Matter, body: str, note: str = "") -> Matter:
    """Hand the matter to a named non-police body (a township office, a utility, …)."""
    matter = _handler(actor, matter)
    body = clean_text(body, "body", max_length=100)
    note = clean_text(note, "note", required=False)

    def apply(m: Matter) -> None:
        m.referred_to = body
        stop_clocks(m)

    return transition(
        matter,
        action=Action.REFER,
        actor=actor,
        note=f"{body}: {note}" if note else body,
        apply=apply,
    )


@transaction.atomic
def matter_merge(*, actor, matter: Matter, target_id: int, note: str = "") -> Matter:
    """Merge the matter into a duplicate: the same bureau, visible to the actor, not itself
    merged, not the matter itself."""
    matter = _handler(actor, matter)
    target = (
        Matter.objects.visible_to(actor)
        .filter(bureau_id=matter.bureau_id, pk=target_id)
        .exclude(pk=matter.pk)
        .first()
    )
    if target is None:
        raise refuse("target", _("Choose another matter you can see."))
    check_merge_target(matter, target)
    note = clean_text(note, "note", required=False)

    def apply(m: Matter) -> None:
        m.merged_into = target
        stop_clocks(m)

    return transition(
        matter,
        action=Action.MERGE,
        actor=actor,
        note=f"→ {target.tracking_code} {note}".strip(),
        apply=apply,
    )


@transaction.atomic
def matter_mark_case(*, actor, matter: Matter, case_number: str) -> Matter:
    """Mark a crime lead as having led to a case (一案一奖), with the case number."""
    matter = _handler(actor, matter)
    case_number = clean_text(case_number, "case_number", max_length=50)

    def apply(m: Matter) -> None:
        m.case_number = case_number

    return transition(matter, action=Action.CASE, actor=actor, note=case_number, apply=apply)


# --- The reporter's actions (by tracking code) ---------------------------------------------------


def _by_code(bureau_id: int, tracking_code: str) -> Matter:
    code = normalize_tracking_code(tracking_code)
    return Matter.objects.select_for_update().get(
        PUBLICLY_TRACKABLE, bureau_id=bureau_id, tracking_code=code
    )


@transaction.atomic
def matter_confirm(*, bureau_id: int, tracking_code: str, note: str = "") -> Matter:
    """The reporter confirms the resolution: the matter closes (only after a reply)."""
    matter = _by_code(bureau_id, tracking_code)
    now = timezone.now()

    def apply(m: Matter) -> None:
        m.closed_at = now

    return transition(
        matter,
        action=Action.CONFIRM,
        actor=RESIDENT,
        note=clean_text(note, "note", required=False),
        now=now,
        apply=apply,
    )


@transaction.atomic
def matter_reopen(*, bureau_id: int, tracking_code: str, reason: str) -> Matter:
    """The reporter reopens a resolved matter within 7 days: it goes back to work at the same
    level, with a new resolution deadline. The reporter of a merged matter may do so within 7
    days of the resolution of the matter it was merged into: theirs then works on its own."""
    matter = _by_code(bureau_id, tracking_code)
    reason = clean_text(reason, "reason")
    now = timezone.now()

    def apply(m: Matter) -> None:
        # A merged matter works again on its own, at the level it had when it was merged;
        # its reporter may never have had an answer of their own.
        m.merged_into = None
        m.resolved_at = None
        m.reopen_count += 1
        start_clocks(m, now, reply=m.first_reply_at is None)

    return transition(
        matter, action=Action.REOPEN, actor=RESIDENT, note=reason, now=now, apply=apply
    )


@transaction.atomic
def matter_rate(*, bureau_id: int, tracking_code: str, score: int, comment: str = "") -> Matter:
    """The reporter rates the handling once (1–5, with a comment), after the resolution."""
    matter = _by_code(bureau_id, tracking_code)
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise refuse("rating", _("Give a rating from 1 to 5."))
    comment = clean_text(comment, "comment", required=False, max_length=1000)

    def apply(m: Matter) -> None:
        m.rating = score
        m.rating_comment = comment

    return transition(
        matter, action=Action.RATE, actor=RESIDENT, note=f"{score} {comment}".strip(), apply=apply
    )
