"""A saved record corrected or voided (更正、作废), never deleted.

Within the bureau's correction window (``Bureau.correction_window_days`` after the record was
saved, 7 days unless the bureau set another) the recorder — or an office or station leader
above the record — corrects its fields (:func:`record_correct`) or voids it with a reason
(:func:`record_void`). Each is one transaction: the record changed, one audit event holding
the fields before and after (ID numbers and phones masked) and the reason, the roll-up counters
moved by exactly what the record's figures changed (:func:`.records.record_figures`), and the
record's follow-up kept in step.

After the window the same people file a correction request (:func:`correction_request`) with
the changes or the voiding they ask for; an office or station leader above the record, never
the requester, approves it — applied at once, in the decision's transaction — or rejects it
with the reason (:func:`correction_decide`).

The area, the unit and who recorded a record cannot be corrected (a record in the wrong
village is voided and recorded again), nor the volunteers of a prevention activity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.masking import mask_id_number, mask_phone
from cunjing.core.roles import Role
from cunjing.core.writes import audited_update, check_editable, lock_visible
from cunjing.fieldwork.models import (
    FOLLOW_UP_DUE_DAYS,
    KIND_OF_MODEL,
    RECORD_MODELS,
    Assistance,
    CorrectionAction,
    CorrectionRequest,
    CorrectionState,
    FieldRecord,
    FloatingResident,
    FollowUp,
    FollowUpState,
    HouseholdVisit,
    OutreachEvent,
    PreventionActivity,
    Service,
    Volunteer,
)
from cunjing.fieldwork.services._common import (
    Refused,
    can_record,
    checked_phone,
    record_snapshot,
)
from cunjing.fieldwork.services.follow_ups import follow_up_close, follow_up_open
from cunjing.fieldwork.services.records import action_stem, record_figures
from cunjing.org.models import Bureau
from cunjing.registry import selectors as registry_selectors
from cunjing.stats.services import figures_add

# What can be corrected, per kind: the fields the recorder entered (the date included).
CORRECTABLE_FIELDS: dict[type[FieldRecord], tuple[str, ...]] = {
    HouseholdVisit: (
        "occurred_on",
        "household",
        "dwelling",
        "purpose",
        "notes",
        "contact_card_given",
        "follow_up_needed",
    ),
    FloatingResident: (
        "occurred_on",
        "name",
        "id_number",
        "phone",
        "origin",
        "arrived_on",
        "residence",
        "employer",
        "expected_stay_days",
        "departed_on",
    ),
    Service: ("occurred_on", "kind", "beneficiary", "description", "outcome"),
    Assistance: (
        "occurred_on",
        "household",
        "people",
        "hardship_kind",
        "help_given",
        "next_revisit_on",
    ),
    OutreachEvent: ("occurred_on", "venue_kind", "venue", "topic", "audience_size"),
    Volunteer: ("occurred_on", "name", "phone", "skills"),
    PreventionActivity: ("occurred_on", "kind", "description", "participants"),
}

# Leaders who correct what they oversee, and decide the correction requests of others.
LEADER_ROLES = frozenset({Role.OFFICE_LEADER, Role.STATION_LEADER})

REASON_MAX = 500

# Set by the services, never by a correction: not validated again.
_NOT_CORRECTED = ["bureau", "area", "unit", "recorded_by", "officer", "client_uuid", "voided_by"]


def may_correct(actor, record: FieldRecord) -> bool:
    """Whether ``actor`` may correct or void ``record`` (within the window) or ask to (after
    it): its recorder, while still one who records that kind, or an office or station leader
    (the record must be in their jurisdiction: the services fetch it through their scope)."""
    role = getattr(actor, "role", "")
    if role in LEADER_ROLES:
        return True
    return record.recorded_by_id == getattr(actor, "pk", None) and can_record(actor, type(record))


def _window_days(record: FieldRecord) -> int:
    return (
        Bureau.objects.values_list("correction_window_days", flat=True)
        .filter(pk=record.bureau_id)
        .get()
    )


def correction_window_open(
    record: FieldRecord, *, window_days: int | None = None, now: dt.datetime | None = None
) -> bool:
    """Whether ``record`` is still within its bureau's correction window."""
    if window_days is None:
        window_days = _window_days(record)
    return (now or timezone.now()) < record.created_at + dt.timedelta(days=window_days)


def _check_window_open(record: FieldRecord) -> None:
    """422 (``window_closed``) once the record's correction window has passed."""
    days = _window_days(record)
    if not correction_window_open(record, window_days=days):
        raise _refuse(
            _(
                "The correction window (%(days)s days after the record was saved) has passed: "
                "send a correction request to your leader."
            )
            % {"days": days},
            "window_closed",
        )


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: [_("Say why.")]})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {
                field: [
                    _("Ensure this value has at most %(limit)s characters.") % {"limit": REASON_MAX}
                ]
            }
        )
    return reason


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({NON_FIELD_ERRORS: [ValidationError(message, code=code)]})


def _lock_record(actor, record: FieldRecord) -> FieldRecord:
    """The record, locked and read again through the actor's scope (404 otherwise); the actor
    must be one who may correct it (403), and it must not be voided (422)."""
    locked = lock_visible(actor, type(record), record.pk)
    if not may_correct(actor, locked):
        raise PermissionDenied(_("You do not have permission to do this."))
    if locked.voided_at is not None:
        raise _refuse(_("This record has been voided."), "voided")
    return locked


# --- The changes: typed, checked, applied ------------------------------------------------------


def _typed(actor, record: FieldRecord, changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` as the model's values (from a form, the API or a stored request alike), with
    what the service refuses (a phone that is no number …) as :class:`Refused`."""
    model = type(record)
    check_editable(changes, CORRECTABLE_FIELDS[model])
    if not changes:
        raise _refuse(_("Nothing to change."), "no_change")
    values: dict[str, Any] = {}
    for name, value in changes.items():
        field = model._meta.get_field(name)
        if name == "phone":
            values[name] = checked_phone(value, required=model is Volunteer)
        elif name == "id_number":
            values[name] = (value or "").strip().upper()
        elif name == "dwelling":
            values[name] = _dwelling(actor, record, value)
        else:
            try:
                values[name] = field.to_python(value)
            except ValidationError as exc:
                values[name] = Refused(exc.messages)
    return values


def _dwelling(actor, record: FieldRecord, value):
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    try:
        dwelling = registry_selectors.dwelling_get(actor, int(pk))
    except (TypeError, ValueError, models.ObjectDoesNotExist):
        return Refused([_("Choose a dwelling of your own areas.")])
    if dwelling.area_id != record.area_id:
        return Refused([_("The dwelling is not in this area.")])
    return dwelling


def _set_and_validate(record: FieldRecord, values: Mapping[str, Any]) -> None:
    """Put ``values`` on ``record`` and validate it: every field's error at once."""
    refused = {n: v.messages for n, v in values.items() if isinstance(v, Refused)}
    for name, value in values.items():
        if name not in refused:
            setattr(record, name, value)
    try:
        record.full_clean(exclude=[*_NOT_CORRECTED, *refused])
    except ValidationError as exc:
        raise ValidationError({**refused, **exc.message_dict}) from None
    if refused:
        raise ValidationError(refused)


def _move_figures(record: FieldRecord, before_day: dt.date, before: dict[str, int]) -> None:
    """Take back what the record added before and add what it adds now."""
    after = record_figures(record)
    if record.occurred_on == before_day:
        delta = {n: after.get(n, 0) - before.get(n, 0) for n in {*before, *after}}
        figures_add(unit=record.unit, day=before_day, deltas=delta)
        return
    figures_add(unit=record.unit, day=before_day, deltas={n: -v for n, v in before.items()})
    figures_add(unit=record.unit, day=record.occurred_on, deltas=after)


def _open_follow_up(record: FieldRecord) -> FollowUp | None:
    if not isinstance(record, HouseholdVisit | Assistance):
        return None
    return record.follow_ups.select_for_update().filter(state=FollowUpState.OPEN).first()


def _keep_follow_up_in_step(actor, record: FieldRecord, reason: str) -> None:
    """A visit no longer flagged drops its open follow-up, one newly flagged opens one; an
    assistance's next revisit moves, opens or drops it; the household's name follows."""
    open_one = _open_follow_up(record)
    if isinstance(record, HouseholdVisit):
        wanted = record.follow_up_needed
        due_on = record.occurred_on + dt.timedelta(days=FOLLOW_UP_DUE_DAYS)
    elif isinstance(record, Assistance):
        wanted = record.next_revisit_on is not None
        due_on = record.next_revisit_on
    else:
        return
    if not wanted:
        if open_one is not None:
            note = _("No longer needed after a correction of the record: %(reason)s")
            follow_up_close(
                actor,
                open_one,
                "fieldwork.follow_up.drop",
                FollowUpState.DROPPED,
                reason=(note % {"reason": reason})[:500],
            )
        return
    if open_one is None:
        if not record.follow_ups.exists():  # one done or dropped already stays so
            follow_up_open(actor, record, due_on=due_on)
        return
    changes = {"household": record.household}
    if isinstance(record, Assistance):
        changes["due_on"] = due_on
    audited_update(
        actor=actor, instance=open_one, action="fieldwork.follow_up.update", changes=changes
    )


def _apply_correction(
    actor, record: FieldRecord, changes: Mapping[str, Any], reason: str, note: dict
) -> FieldRecord:
    values = _typed(actor, record, changes)
    before_day, before = record.occurred_on, record_figures(record)
    record = audited_update(
        actor=actor,
        instance=record,
        action=f"{action_stem(type(record))}.correct",
        changes={},
        prepare=lambda r: _set_and_validate(r, values),
        snapshot=record_snapshot,
        clean=False,
        note=note,
    )
    _move_figures(record, before_day, before)
    _keep_follow_up_in_step(actor, record, reason)
    return record


def _apply_void(actor, record: FieldRecord, reason: str, note: dict) -> FieldRecord:
    day, before = record.occurred_on, record_figures(record)
    record = audited_update(
        actor=actor,
        instance=record,
        action=f"{action_stem(type(record))}.void",
        changes={"voided_at": timezone.now(), "voided_by": actor, "void_reason": reason},
        snapshot=record_snapshot,
        clean=False,
        note=note,
    )
    figures_add(unit=record.unit, day=day, deltas={n: -v for n, v in before.items()})
    open_one = _open_follow_up(record)
    if open_one is not None:
        follow_up_close(
            actor,
            open_one,
            "fieldwork.follow_up.drop",
            FollowUpState.DROPPED,
            reason=(_("The record was voided: %(reason)s") % {"reason": reason})[:500],
        )
    if isinstance(record, HouseholdVisit):
        # The return visit of a follow-up voided: what it closed is open again.
        for done in FollowUp.objects.select_for_update().filter(return_visit=record):
            audited_update(
                actor=actor,
                instance=done,
                action="fieldwork.follow_up.reopen",
                changes={
                    "state": FollowUpState.OPEN,
                    "closed_at": None,
                    "closed_by": None,
                    "return_visit": None,
                },
                clean=False,
            )
    return record


# --- Within the window -------------------------------------------------------------------------


@transaction.atomic
def record_correct(
    *, actor, record: FieldRecord, changes: Mapping[str, Any], reason: str
) -> FieldRecord:
    """Correct ``changes`` (field → new value, only fields of :data:`CORRECTABLE_FIELDS`) of
    ``record`` within the correction window, with the reason. After the window: 422
    (``window_closed``), the caller offers a correction request."""
    reason = _reason(reason)
    record = _lock_record(actor, record)
    _check_window_open(record)
    return _apply_correction(actor, record, changes, reason, {"reason": reason})


@transaction.atomic
def record_void(*, actor, record: FieldRecord, reason: str) -> FieldRecord:
    """Void ``record`` within the correction window, with the reason: it stays, marked, and
    counts for nothing; its open follow-up is dropped. After the window: 422."""
    reason = _reason(reason)
    record = _lock_record(actor, record)
    _check_window_open(record)
    return _apply_void(actor, record, reason, {"reason": reason})


# --- After the window: the request and the leader's decision ----------------------------------


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in values.items():
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, models.Model):
            value = value.pk
        out[name] = value
    return out


_MASKED = {"id_number": mask_id_number, "phone": mask_phone}


def masked_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """A request's changes as the trail and the pages show them: ID numbers and phones
    masked."""
    return {
        name: (_MASKED[name](value) if name in _MASKED and value else value)
        for name, value in changes.items()
    }


def _request_snapshot(request: CorrectionRequest) -> dict[str, Any]:
    data = audit.snapshot(request)
    data["changes"] = masked_changes(data.get("changes") or {})
    return data


@transaction.atomic
def correction_request(
    *,
    actor,
    record: FieldRecord,
    action: str,
    reason: str,
    changes: Mapping[str, Any] | None = None,
) -> CorrectionRequest:
    """Ask a leader to correct (``changes``) or void ``record`` after the correction window.
    The changes are checked now, as a correction would check them; one request per record
    waits at a time."""
    if action not in CorrectionAction.values:
        raise ValidationError({"action": [_("Select a valid choice.")]})
    reason = _reason(reason)
    record = _lock_record(actor, record)
    if correction_window_open(record):
        raise _refuse(
            _("The record is still within its correction window: correct it directly."),
            "window_open",
        )
    kind = KIND_OF_MODEL[type(record)]
    if CorrectionRequest.objects.filter(
        bureau_id=record.bureau_id,
        record_kind=kind,
        record_id=record.pk,
        state=CorrectionState.PENDING,
    ).exists():
        raise _refuse(_("A correction request of this record is already waiting."), "pending")
    stored: dict[str, Any] = {}
    if action == CorrectionAction.CORRECT:
        values = _typed(actor, record, changes or {})
        _set_and_validate(record, values)  # refused now rather than at the decision
        stored = _jsonable(values)
    elif changes:
        raise ValidationError({"changes": [_("A record to void takes no changes.")]})
    request = CorrectionRequest(
        bureau_id=record.bureau_id,
        area_id=record.area_id,
        unit_id=record.unit_id,
        record_kind=kind,
        record_id=record.pk,
        action=action,
        changes=stored,
        reason=reason,
        requested_by=actor,
    )
    request.save()
    audit.record(
        actor=actor,
        action="fieldwork.correction.request",
        instance=request,
        after=_request_snapshot(request),
    )
    return request


@transaction.atomic
def correction_decide(
    *, actor, request: CorrectionRequest, approve: bool, note: str = ""
) -> CorrectionRequest:
    """An office or station leader above the record, not the requester, decides ``request``:
    approved, the correction or the voiding is applied at once (audited as the leader's, with
    the request's reason); rejected, with the reason (``note``) the requester reads."""
    request = lock_visible(actor, CorrectionRequest, request.pk)
    if getattr(actor, "role", "") not in LEADER_ROLES:
        raise PermissionDenied(_("You do not have permission to do this."))
    if request.requested_by_id == actor.pk:
        raise PermissionDenied(_("You cannot decide your own request."))
    if request.state != CorrectionState.PENDING:
        raise _refuse(_("This request has already been decided."), "decided")
    note = (note or "").strip()
    if not approve or len(note) > REASON_MAX:
        note = _reason(note, "note")
    if approve:
        model = RECORD_MODELS[request.record_kind]
        record = lock_visible(actor, model, request.record_id)
        if record.voided_at is not None:
            raise _refuse(_("This record has been voided."), "voided")
        trail = {"reason": request.reason, "correction_request": request.pk}
        if request.action == CorrectionAction.VOID:
            _apply_void(actor, record, request.reason, trail)
        else:
            _apply_correction(actor, record, request.changes, request.reason, trail)
    return audited_update(
        actor=actor,
        instance=request,
        action="fieldwork.correction.approve" if approve else "fieldwork.correction.reject",
        changes={
            "state": CorrectionState.APPROVED if approve else CorrectionState.REJECTED,
            "decided_by": actor,
            "decided_at": timezone.now(),
            "decision_note": note,
        },
        snapshot=_request_snapshot,
        clean=False,
    )
