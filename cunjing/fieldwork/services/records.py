"""Field records (五项基本任务): one ``<kind>_create`` per record kind, each atomic, audited and
counted.

Every ``<kind>_create(*, actor, area, occurred_on, client_uuid, ...)``:

1. checks the actor may see ``area`` (``Area.DoesNotExist`` otherwise: a 404, no existence
   leak) and may write this kind (beat officers and office / station leaders; aides only
   prevention activities: ``PermissionDenied`` otherwise);
2. derives the serving unit from ``org.Coverage`` (the workstation, else the office, serving the
   village or community) — never from input;
3. validates (``full_clean``: every field's error at once), saves, writes one audit event and
   adds :func:`record_figures` to the roll-up counters of the serving unit and its ancestors for
   ``occurred_on`` — all in one transaction.

What a record adds to the results table is said once, by :func:`record_figures`: creation adds
it, a correction moves it (:mod:`.corrections`), voiding takes it back, and the recount of
``stats`` counts the same amounts from the rows (:func:`register_figure_sources`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import Role
from cunjing.fieldwork.models import (
    FOLLOW_UP_DUE_DAYS,
    Assistance,
    FieldRecord,
    FloatingResident,
    FollowUp,
    FollowUpState,
    HouseholdVisit,
    OutreachEvent,
    PreventionActivity,
    Service,
    VisitPurpose,
    Volunteer,
)
from cunjing.fieldwork.services._common import (
    Refused,
    can_record,
    checked_phone,
    record_snapshot,
)
from cunjing.fieldwork.services.follow_ups import (
    follow_up_close,
    follow_up_open,
    lock_open_follow_up,
)
from cunjing.org import selectors as org_selectors
from cunjing.org.models import BEAT_AREA_KINDS, Area
from cunjing.registry import selectors as registry_selectors
from cunjing.stats.services import FigureSource, figures_add, register_source

# What one record of each kind adds to the results table (stats.Figure → amount). A kind not
# named here (legal education, prevention) is counted by no figure.
_FIGURES: dict[type, Callable[[Any], dict[str, int]]] = {
    HouseholdVisit: lambda r: {"visits": 1, "contact_cards": int(r.contact_card_given)},
    FloatingResident: lambda r: {"floating_residents": 1},
    Service: lambda r: {"services": 1},
    Assistance: lambda r: {"assisted_households": 1, "assisted_people": r.people},
    Volunteer: lambda r: {"volunteers": 1},
}

# The same amounts as aggregates over the rows, for the recount.
_AGGREGATES = {
    HouseholdVisit: {
        "visits": Count("id"),
        "contact_cards": Count("id", filter=Q(contact_card_given=True)),
    },
    FloatingResident: {"floating_residents": Count("id")},
    Service: {"services": Count("id")},
    Assistance: {"assisted_households": Count("id"), "assisted_people": Sum("people")},
    Volunteer: {"volunteers": Count("id")},
}


# The audit trail's name of each kind: ``<stem>.create``, ``.correct``, ``.void``.
_ACTION_STEMS = {
    HouseholdVisit: "fieldwork.visit",
    FloatingResident: "fieldwork.floating_resident",
    Service: "fieldwork.service",
    Assistance: "fieldwork.assistance",
    OutreachEvent: "fieldwork.outreach",
    Volunteer: "fieldwork.volunteer",
    PreventionActivity: "fieldwork.prevention",
}


def action_stem(model: type[FieldRecord]) -> str:
    return _ACTION_STEMS[model]


def record_figures(record: FieldRecord) -> dict[str, int]:
    """What ``record`` adds to the results table: nothing once it is voided."""
    if record.voided_at is not None:
        return {}
    figures = _FIGURES.get(type(record))
    return figures(record) if figures is not None else {}


def register_figure_sources() -> None:
    """Declare to ``stats`` what each record kind adds to the results table, for a recount
    (``stats.services.rebuild``): the amounts of :func:`record_figures`, over the records not
    voided. Called from ``FieldworkConfig.ready``."""
    for model, figures in _AGGREGATES.items():
        register_source(
            FigureSource(
                model=model,
                day_field="occurred_on",
                figures=figures,
                counted=Q(voided_at__isnull=True),
            )
        )


def _check_area(actor, area: Area, model: type[FieldRecord]) -> Area:
    # Scope first (404 for what the actor cannot see), then the role (403), then the kind (422).
    area = Area.objects.visible_to(actor).get(pk=area.pk)
    if not can_record(actor, model):
        raise PermissionDenied(_("You do not have permission to do this."))
    if area.kind not in BEAT_AREA_KINDS:
        raise ValidationError({"area": [_("Choose a village or community.")]})
    return area


_SET_BY_THE_SERVICE = [
    "bureau",
    "area",
    "unit",
    "recorded_by",
    "officer",
    "client_uuid",
    "voided_by",
]


def _create(
    model: type[FieldRecord],
    *,
    actor,
    area: Area,
    occurred_on: dt.date,
    client_uuid: uuid.UUID,
    fields: Mapping[str, Any],
    volunteers: list | None = None,
):
    area = _check_area(actor, area, model)
    refused = {name: value.messages for name, value in fields.items() if isinstance(value, Refused)}
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
    after = record_snapshot(record)
    if volunteers:
        record.volunteers.set(volunteers)
        after["volunteers"] = [v.pk for v in volunteers]
    audit.record(actor=actor, action=f"{action_stem(model)}.create", instance=record, after=after)
    figures_add(unit=unit, day=occurred_on, deltas=record_figures(record))
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
    )
    if visit.follow_up_needed:
        follow_up_open(
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
            "phone": checked_phone(phone, required=False),
            "origin": origin,
            "arrived_on": arrived_on,
            "residence": residence,
            "employer": employer,
            "expected_stay_days": expected_stay_days,
            "departed_on": departed_on,
        },
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
    )
    if assistance.next_revisit_on is not None:
        follow_up_open(actor, assistance, due_on=assistance.next_revisit_on)
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
        fields={"name": name, "phone": checked_phone(phone, required=True), "skills": skills},
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
    counted = Volunteer.objects.visible_to(actor).filter(voided_at__isnull=True)
    joined = list(counted.filter(pk__in=ids)) if ids else []
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
        volunteers=joined,
    )
    return record


# --- The return visit that closes a follow-up ------------------------------------------------


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
    follow_up = lock_open_follow_up(actor, follow_up)
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
    return follow_up_close(
        actor, follow_up, "fieldwork.follow_up.done", FollowUpState.DONE, return_visit=visit
    )
