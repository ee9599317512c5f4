"""Writes of field work: one function per record kind, each atomic, audited and counted.

Every ``<kind>_create(*, actor, area, occurred_on, client_uuid, ...)``:

1. checks the actor may see ``area`` (``Area.DoesNotExist`` otherwise: a 404, no existence
   leak) and may write this kind (beat officers and office / station leaders; aides only
   prevention activities: ``PermissionDenied`` otherwise);
2. derives the serving unit from ``org.Coverage`` (the workstation, else the office, serving the
   village or community) — never from input;
3. validates (``full_clean``: field-level errors), saves, writes one audit event and adds the
   record's figures to the roll-up counters of the serving unit and its ancestors for
   ``occurred_on`` — all in one transaction.

``worklog_upsert`` writes the beat officer's own log of a day: a new time-stamped entry, or an
explicit edit of the whole text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.masking import mask_id_number, mask_phone
from cunjing.core.roles import Role
from cunjing.core.validators import normalize_phone
from cunjing.core.writes import audited_update, lock_visible
from cunjing.fieldwork.models import (
    FOLLOW_UP_DUE_DAYS,
    Assistance,
    FieldRecord,
    FloatingResident,
    FollowUp,
    FollowUpState,
    HouseholdVisit,
    OfficerReport,
    OutreachEvent,
    PreventionActivity,
    ReportKind,
    Service,
    Supervision,
    VisitPurpose,
    Volunteer,
    WorkLog,
)
from cunjing.org import selectors as org_selectors
from cunjing.org.models import BEAT_AREA_KINDS, Area
from cunjing.registry import selectors as registry_selectors
from cunjing.stats.services import FigureSource, figures_add, register_source

# Who may write field records; aides only the kinds in AIDE_KINDS.
RECORDER_ROLES = frozenset({Role.BEAT_OFFICER, Role.OFFICE_LEADER, Role.STATION_LEADER})
AIDE_KINDS = frozenset({PreventionActivity})
# Who supervises beat officers' logs and reports (督导).
SUPERVISOR_ROLES = frozenset(
    {Role.OFFICE_LEADER, Role.STATION_LEADER, Role.COMMANDER, Role.INSPECTOR}
)

# Personal data kept out of the audit trail in clear.
_MASKED_IN_AUDIT = {"id_number": mask_id_number, "phone": mask_phone}


def register_figure_sources() -> None:
    """Declare to ``stats`` what each record kind adds to the results table, for a recount
    (``stats.services.rebuild``): exactly the amounts the ``*_create`` functions below pass to
    ``figures_add`` record by record. Called from ``FieldworkConfig.ready``."""
    for model, figures in (
        (
            HouseholdVisit,
            {
                "visits": Count("id"),
                "contact_cards": Count("id", filter=Q(contact_card_given=True)),
            },
        ),
        (FloatingResident, {"floating_residents": Count("id")}),
        (Service, {"services": Count("id")}),
        (Assistance, {"assisted_households": Count("id"), "assisted_people": Sum("people")}),
        (Volunteer, {"volunteers": Count("id")}),
    ):
        register_source(FigureSource(model=model, day_field="occurred_on", figures=figures))


class _Refused:
    """A field's value the service itself refused (a phone that is no number): its messages are
    reported with every other field's errors at once, by :func:`_create`."""

    def __init__(self, messages: list[str]):
        self.messages = messages


def _phone(value: str, field: str, *, required: bool) -> str | _Refused:
    value = (value or "").strip()
    if not value:
        return _Refused([_("This field cannot be blank.")]) if required else ""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        return _Refused(exc.messages)


def can_record(actor, model: type[FieldRecord]) -> bool:
    role = getattr(actor, "role", "")
    return role in RECORDER_ROLES or (role == Role.AIDE and model in AIDE_KINDS)


def _check_area(actor, area: Area, model: type[FieldRecord]) -> Area:
    # Scope first (404 for what the actor cannot see), then the role (403), then the kind (422).
    area = Area.objects.visible_to(actor).get(pk=area.pk)
    if not can_record(actor, model):
        raise PermissionDenied(_("You do not have permission to do this."))
    if area.kind not in BEAT_AREA_KINDS:
        raise ValidationError({"area": [_("Choose a village or community.")]})
    return area


def _snapshot(record) -> dict[str, Any]:
    data = audit.snapshot(record)
    for name, mask in _MASKED_IN_AUDIT.items():
        if data.get(name):
            data[name] = mask(data[name])
    return data


_SET_BY_THE_SERVICE = ["bureau", "area", "unit", "recorded_by", "officer", "client_uuid"]


def _create(
    model: type[FieldRecord],
    *,
    actor,
    area: Area,
    occurred_on: dt.date,
    client_uuid: uuid.UUID,
    fields: Mapping[str, Any],
    figures: Mapping[str, int],
    action: str,
    volunteers: list | None = None,
):
    area = _check_area(actor, area, model)
    refused = {
        name: value.messages for name, value in fields.items() if isinstance(value, _Refused)
    }
    fields = {name: ("" if name in refused else value) for name, value in fields.items()}
    unit = org_selectors.record_unit(area, actor=actor)
    if model.objects.filter(
        bureau_id=area.bureau_id, recorded_by=actor, client_uuid=client_uuid
    ).exists():
        raise ValidationError({"client_uuid": [_("This record was already submitted.")]})
    record = model(
        bureau_id=area.bureau_id,
        area=area,
        unit=unit,
        recorded_by=actor,
        officer_id=actor.officer_id if actor.role == Role.BEAT_OFFICER else None,
        occurred_on=occurred_on,
        client_uuid=client_uuid,
        **fields,
    )
    # The fields set above come from objects already read through the scoping layer (and the
    # client key was checked just now): validating them again would cost six queries per record
    # (a SELECT per foreign key, and the unique key again). The user's fields are all validated.
    # Every field's error in one answer: what the service refused and what the model refuses.
    try:
        record.full_clean(exclude=[*_SET_BY_THE_SERVICE, *refused])
    except ValidationError as exc:
        raise ValidationError({**refused, **exc.message_dict}) from None
    if refused:
        raise ValidationError(refused)
    record.save()
    after = _snapshot(record)
    if volunteers:
        record.volunteers.set(volunteers)
        after["volunteers"] = [v.pk for v in volunteers]
    audit.record(actor=actor, action=action, instance=record, after=after)
    figures_add(unit=unit, day=occurred_on, deltas=figures)
    return record


@transaction.atomic
def visit_create(
    *,
    actor,
    area: Area,
    occurred_on: dt.date,
    client_uuid: uuid.UUID,
    household: str,
    purpose: str,
    notes: str = "",
    contact_card_given: bool = False,
    follow_up_needed: bool = False,
    dwelling=None,
) -> HouseholdVisit:
    """A household visit; counts one visit, and one contact card when one was handed over.
    ``dwelling`` (optional) is the registry's dwelling visited: it must be in ``area`` and
    visible to the actor (``Dwelling.DoesNotExist`` otherwise: a 404)."""
    if dwelling is not None:
        dwelling = registry_selectors.dwelling_get(actor, getattr(dwelling, "pk", dwelling))
        if dwelling.area_id != area.pk:
            raise ValidationError({"dwelling": [_("The dwelling is not in this area.")]})
    visit = _create(
        HouseholdVisit,
        actor=actor,
        area=area,
        occurred_on=occurred_on,
        client_uuid=client_uuid,
        fields={
            "household": household,
            "purpose": purpose,
            "notes": notes,
            "contact_card_given": contact_card_given,
            "follow_up_needed": follow_up_needed,
            "dwelling": dwelling,
        },
        figures={"visits": 1, "contact_cards": 1 if contact_card_given else 0},
        action="fieldwork.visit.create",
    )
    if visit.follow_up_needed:
        _follow_up_open(
            actor, visit, due_on=visit.occurred_on + dt.timedelta(days=FOLLOW_UP_DUE_DAYS)
        )
    return visit


@transaction.atomic
def floating_resident_create(
    *,
    actor,
    area: Area,
    occurred_on: dt.date,
    client_uuid: uuid.UUID,
    name: str,
    id_number: str,
    origin: str,
    arrived_on: dt.date,
    residence: str,
    phone: str = "",
    employer: str = "",
    expected_stay_days: int | None = None,
    departed_on: dt.date | None = None,
) -> FloatingResident:
    """Register a floating resident; counts one floating resident."""
    return _create(
        FloatingResident,
        actor=actor,
        area=area,
        occurred_on=occurred_on,
        client_uuid=client_uuid,
        fields={
            "name": name,
            "id_number": (id_number or "").strip().upper(),
            "phone": _phone(phone, "phone", required=False),
            "origin": origin,
            "arrived_on": arrived_on,
            "residence": residence,
            "employer": employer,
            "expected_stay_days": expected_stay_days,
            "departed_on": departed_on,
        },
        figures={"floating_residents": 1},
        action="fieldwork.floating_resident.create",
    )


@transaction.atomic
def service_create(
    *,
    actor,
    area: Area,
    occurred_on: dt.date,
    client_uuid: uuid.UUID,
    kind: str,
    beneficiary: str,
    description: str,
    outcome: str = "",
) -> Service:
    """A service, a good deed; counts one."""
    return _create(
        Service,
        actor=actor,
        area=area,
        occurred_on=occurred_on,
        client_uuid=client_uuid,
        fields={
            "kind": kind,
            "beneficiary": beneficiary,
            "description": description,
            "outcome": outcome,
        },
        figures={"services": 1},
        action="fieldwork.service.create",
    )


@transaction.atomic
def assistance_create(
    *,
    actor,
    area: Area,
    occurred_on: dt.date,
    client_uuid: uuid.UUID,
    household: str,
    people: int,
    hardship_kind: str,
    help_given: str,
    next_revisit_on: dt.date | None = None,
) -> Assistance:
    """Help to a hardship household; counts one household and its people."""
    valid_people = isinstance(people, int) and 1 <= people <= 50
    assistance = _create(
        Assistance,
        actor=actor,
        area=area,
        occurred_on=occurred_on,
        client_uuid=client_uuid,
        fields={
            "household": household,
            "people": people,
            "hardship_kind": hardship_kind,
            "help_given": help_given,
            "next_revisit_on": next_revisit_on,
        },
        # full_clean refuses an invalid ``people`` before the counters are touched.
        figures={"assisted_households": 1, "assisted_people": people if valid_people else 0},
        action="fieldwork.assistance.create",
    )
    if assistance.next_revisit_on is not None:
        _follow_up_open(actor, assistance, due_on=assistance.next_revisit_on)
    return assistance


@transaction.atomic
def outreach_create(
    *,
    actor,
    area: Area,
    occurred_on: dt.date,
    client_uuid: uuid.UUID,
    venue_kind: str,
    venue: str,
    topic: str,
    audience_size: int,
) -> OutreachEvent:
    """A legal-education event; no figure of the results table counts it."""
    return _create(
        OutreachEvent,
        actor=actor,
        area=area,
        occurred_on=occurred_on,
        client_uuid=client_uuid,
        fields={
            "venue_kind": venue_kind,
            "venue": venue,
            "topic": topic,
            "audience_size": audience_size,
        },
        figures={},
        action="fieldwork.outreach.create",
    )


@transaction.atomic
def volunteer_create(
    *,
    actor,
    area: Area,
    occurred_on: dt.date,
    client_uuid: uuid.UUID,
    name: str,
    phone: str,
    skills: str = "",
) -> Volunteer:
    """A volunteer who joined on ``occurred_on``; counts one volunteer."""
    return _create(
        Volunteer,
        actor=actor,
        area=area,
        occurred_on=occurred_on,
        client_uuid=client_uuid,
        fields={"name": name, "phone": _phone(phone, "phone", required=True), "skills": skills},
        figures={"volunteers": 1},
        action="fieldwork.volunteer.create",
    )


@transaction.atomic
def prevention_create(
    *,
    actor,
    area: Area,
    occurred_on: dt.date,
    client_uuid: uuid.UUID,
    kind: str,
    description: str,
    participants: int,
    volunteers=(),
) -> PreventionActivity:
    """A prevention activity (aides may record it too); no figure counts it. ``volunteers``
    (ids or instances) are the registered volunteers who took part: each must be visible to the
    actor, and there cannot be more of them than ``participants``."""
    ids = sorted({getattr(v, "pk", v) for v in volunteers or ()})
    joined = list(Volunteer.objects.visible_to(actor).filter(pk__in=ids)) if ids else []
    if len(joined) != len(ids):
        raise ValidationError({"volunteers": [_("Choose volunteers of your own areas.")]})
    if isinstance(participants, int) and len(joined) > participants:
        raise ValidationError(
            {"participants": [_("There cannot be fewer participants than volunteers named.")]}
        )
    record = _create(
        PreventionActivity,
        actor=actor,
        area=area,
        occurred_on=occurred_on,
        client_uuid=client_uuid,
        fields={"kind": kind, "description": description, "participants": participants},
        figures={},
        action="fieldwork.prevention.create",
        volunteers=joined,
    )
    return record


class WorklogMode:
    APPEND = "append"  # a new time-stamped entry after what is written
    REPLACE = "replace"  # the whole text, edited explicitly


WORKLOG_MAX = 5000


def worklog_version(log: WorkLog | None) -> str:
    """What an explicit edit started from (the log's last change), to refuse an edit of a text
    that changed meanwhile instead of overwriting it."""
    return "" if log is None else log.updated_at.astimezone(dt.UTC).isoformat()


def _entry(text: str, day: dt.date) -> str:
    """One entry of the log: the time it was written (Asia/Shanghai), with the date when it is
    written later than the day it is about, then the text."""
    now = timezone.localtime()
    stamp = now.strftime("%H:%M") if now.date() == day else now.strftime("%Y-%m-%d %H:%M")
    return f"{stamp} {text.strip()}"


@transaction.atomic
def worklog_upsert(
    *,
    actor,
    day: dt.date,
    text: str,
    client_uuid: uuid.UUID,
    mode: str = WorklogMode.APPEND,
    base: str | None = None,
) -> tuple[WorkLog, bool]:
    """Write the beat officer's own log of ``day`` (beat officers only). Returns
    ``(log, created)``.

    ``append`` (the default) adds ``text`` as a new time-stamped entry: nothing written earlier
    is touched. ``replace`` sets the whole text — an explicit edit of what the officer sees;
    with ``base`` (:func:`worklog_version` of the log it started from) it is refused when the
    log changed meanwhile. The day's log holds at most 5000 characters."""
    _officer_only(actor)
    if mode not in (WorklogMode.APPEND, WorklogMode.REPLACE):
        raise ValidationError({"mode": [_("Select a valid choice.")]})
    if not (text or "").strip():
        raise ValidationError({"text": [_("This field cannot be blank.")]})
    log = (
        WorkLog.objects.select_for_update()
        .filter(bureau_id=actor.bureau_id, officer_id=actor.officer_id, day=day)
        .first()
    )
    if mode == WorklogMode.REPLACE:
        if base is not None and base != worklog_version(log):
            raise ValidationError(
                {
                    "text": [
                        _(
                            "The log was changed meanwhile (on another device?). Your text is "
                            "kept below: copy what you need and edit the log again."
                        )
                    ]
                }
            )
        full = text.strip()
    else:
        entry = _entry(text, day)
        full = entry if log is None or not log.text.strip() else f"{log.text.rstrip()}\n{entry}"
    if len(full) > WORKLOG_MAX:
        raise ValidationError(
            {"text": [_("The day's log would exceed %(limit)s characters.") % {"limit": 5000}]}
        )
    if log is None:
        log = WorkLog(
            bureau_id=actor.bureau_id,
            officer_id=actor.officer_id,
            unit_id=actor.unit_id,
            day=day,
            text=full,
            client_uuid=client_uuid,
            recorded_by=actor,
        )
        log.full_clean()
        log.save()
        audit.record(
            actor=actor, action="fieldwork.worklog.create", instance=log, after=_snapshot(log)
        )
        return log, True
    changes = {"text": full, "client_uuid": client_uuid, "recorded_by": actor}
    log = audited_update(
        actor=actor, instance=log, action="fieldwork.worklog.update", changes=changes
    )
    return log, False


def _officer_only(actor) -> None:
    if getattr(actor, "role", "") != Role.BEAT_OFFICER or not actor.officer_id:
        raise PermissionDenied(_("Only beat officers keep work logs and reports."))


@transaction.atomic
def report_upsert(
    *,
    actor,
    kind: str,
    period_start: dt.date,
    situation: str,
    problems: str = "",
    measures: str = "",
    client_uuid: uuid.UUID,
) -> tuple[OfficerReport, bool]:
    """Write the beat officer's weekly analysis or monthly summary of a period: created the
    first time, rewritten afterwards (until a leader has supervised it). Returns
    ``(report, created)``."""
    _officer_only(actor)
    if kind not in ReportKind.values:
        raise ValidationError({"kind": [_("Select a valid choice.")]})
    report = (
        OfficerReport.objects.select_for_update()
        .filter(
            bureau_id=actor.bureau_id,
            officer_id=actor.officer_id,
            kind=kind,
            period_start=period_start,
        )
        .first()
    )
    fields = {"situation": situation, "problems": problems, "measures": measures}
    if report is None:
        report = OfficerReport(
            bureau_id=actor.bureau_id,
            officer_id=actor.officer_id,
            unit_id=actor.unit_id,
            kind=kind,
            period_start=period_start,
            client_uuid=client_uuid,
            recorded_by=actor,
            **fields,
        )
        report.full_clean()
        report.save()
        audit.record(
            actor=actor, action="fieldwork.report.create", instance=report, after=_snapshot(report)
        )
        return report, True
    if report.supervisions.exists():
        raise ValidationError(
            {"period_start": [_("This report has been supervised and can no longer change.")]}
        )
    report = audited_update(
        actor=actor,
        instance=report,
        action="fieldwork.report.update",
        changes={**fields, "client_uuid": client_uuid},
    )
    return report, False


@transaction.atomic
def supervise(
    *,
    actor,
    worklog_id: int | None = None,
    report_id: int | None = None,
    verdict: str,
    comment: str,
) -> Supervision:
    """A leader's supervision (督导) of a work log or a report in their jurisdiction. The target
    is fetched through the actor's scope: out of scope answers 404 like a missing one."""
    if (worklog_id is None) == (report_id is None):
        raise ValidationError({"target": [_("Choose a work log or a report.")]})
    from cunjing.fieldwork import selectors  # reads go through the one scoping rule

    if worklog_id is not None:
        target = selectors.worklog_get(actor, worklog_id)
    else:
        target = selectors.report_get(actor, report_id)
    if getattr(actor, "role", "") not in SUPERVISOR_ROLES:
        raise PermissionDenied(_("You do not have permission to do this."))
    supervision = Supervision(
        bureau_id=target.bureau_id,
        officer_id=target.officer_id,
        unit_id=target.unit_id,
        worklog=target if worklog_id is not None else None,
        report=target if report_id is not None else None,
        verdict=verdict,
        comment=(comment or "").strip(),
        supervised_by=actor,
    )
    supervision.full_clean()
    supervision.save()
    audit.record(
        actor=actor,
        action="fieldwork.supervision.create",
        instance=supervision,
        after=audit.snapshot(supervision),
    )
    return supervision


# --- Follow-ups (待跟进) -----------------------------------------------------------------------


def _follow_up_open(actor, record, *, due_on: dt.date) -> FollowUp:
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


def _lock_open_follow_up(actor, follow_up: FollowUp) -> FollowUp:
    """The follow-up, locked and read again through the actor's scope (a 404 otherwise); the
    actor must be one who records visits there (403), and it must still be open (422)."""
    locked = lock_visible(actor, FollowUp, follow_up.pk, related=("area",))
    if not can_record(actor, HouseholdVisit):
        raise PermissionDenied(_("You do not have permission to do this."))
    if locked.state != FollowUpState.OPEN:
        raise ValidationError({"state": [_("This follow-up is already closed.")]})
    return locked


@transaction.atomic
def follow_up_done(
    *,
    actor,
    follow_up: FollowUp,
    occurred_on: dt.date,
    client_uuid: uuid.UUID,
    notes: str,
    contact_card_given: bool = False,
) -> FollowUp:
    """Close a follow-up with its return visit: a household visit record (purpose "return
    visit", counted like any visit) and the follow-up done, in one transaction."""
    follow_up = _lock_open_follow_up(actor, follow_up)
    if not (notes or "").strip():
        raise ValidationError({"notes": [_("Write what the return visit found.")]})
    dwelling = follow_up.visit.dwelling_id if follow_up.visit_id else None
    visit = visit_create(
        actor=actor,
        area=follow_up.area,
        occurred_on=occurred_on,
        client_uuid=client_uuid,
        household=follow_up.household,
        purpose=VisitPurpose.RETURN_VISIT,
        notes=notes.strip(),
        contact_card_given=contact_card_given,
        dwelling=dwelling,
    )
    return _close(
        actor, follow_up, "fieldwork.follow_up.done", FollowUpState.DONE, return_visit=visit
    )


def _close(actor, follow_up: FollowUp, action: str, state: str, **changes) -> FollowUp:
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
    follow_up = _lock_open_follow_up(actor, follow_up)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why it is no longer needed.")]})
    if len(reason) > 500:
        raise ValidationError(
            {"reason": [_("Ensure this value has at most %(limit)s characters.") % {"limit": 500}]}
        )
    return _close(
        actor, follow_up, "fieldwork.follow_up.drop", FollowUpState.DROPPED, reason=reason
    )
