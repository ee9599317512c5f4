"""Recording a dispute (one 台账 per case): where, what, how it came in, how risky, who the
parties are — a new case starts ``reported`` at the unit serving its area, with its first
timeline row and its audit event."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import acting_user
from cunjing.core.validators import normalize_phone, validate_id_number
from cunjing.disputes.models import (
    EARLIEST_DAY,
    Action,
    Dispute,
    DisputeKind,
    DisputeParty,
    PartyRole,
    RiskLevel,
    RiskSign,
    Source,
    State,
    sign_field,
)
from cunjing.disputes.services._common import can_record, denied, record_event, refuse, text
from cunjing.disputes.services.screening import link_hazard
from cunjing.org import selectors as org_selectors
from cunjing.org.models import BEAT_AREA_KINDS, Area
from cunjing.registry import selectors as registry_selectors

PARTIES_MAX = 20
# A phone's clock runs a little ahead now and then: a report "from the future" by less than this
# is taken as now.
CLOCK_SKEW = dt.timedelta(minutes=10)
_SET_BY_THE_SERVICE = [
    "bureau",
    "kind",
    "area",
    "unit",
    "handling_unit",
    "recorded_by",
    "matter",
    "client_uuid",
]


def risk_of(level: str, signs: Iterable[str]) -> str:
    """The risk level a dispute gets: high whenever a high-risk sign is present."""
    return RiskLevel.HIGH if list(signs) else level


def _reported_at(value: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if value is None:
        return now
    if not isinstance(value, dt.datetime):
        raise refuse("reported_at", _("Enter a valid date/time."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise refuse("reported_at", _("The time cannot be in the future."))
    if timezone.localdate(value) < EARLIEST_DAY:
        raise refuse("reported_at", _("The date cannot be before 2000-01-01."))
    return min(value, now)


def _party_error(index: int, message: str) -> ValidationError:
    return refuse("parties", _("Party %(n)s: %(message)s") % {"n": index + 1, "message": message})


def _party(actor, index: int, data: Mapping[str, Any]) -> DisputeParty:
    """One party, checked: from the registry (a resident the actor can see: name, ID number and
    phone taken from it where not given) or entered."""
    role = data.get("role") or PartyRole.OTHER
    if role not in PartyRole.values:
        raise _party_error(index, _("Select a valid choice."))
    resident = None
    if data.get("resident") is not None:
        resident = registry_selectors.resident_list(actor).filter(pk=data["resident"]).first()
        if resident is None:
            raise _party_error(index, _("Choose a resident you can see."))
    name = (data.get("name") or "").strip() or (resident.name if resident else "")
    if not name:
        raise _party_error(index, _("Enter the name."))
    if len(name) > 50:
        raise _party_error(index, _("Enter at most %(n)s characters.") % {"n": 50})
    id_number = (data.get("id_number") or "").strip().upper() or (
        resident.id_number if resident else ""
    )
    if id_number:
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            raise _party_error(index, exc.messages[0]) from None
    phone = (data.get("phone") or "").strip()
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValidationError as exc:
            raise _party_error(index, exc.messages[0]) from None
    elif resident is not None:
        phone = resident.phone
    return DisputeParty(role=role, name=name, id_number=id_number, phone=phone, resident=resident)


def _kind(area: Area, kind) -> DisputeKind:
    """An active kind of the area's bureau (a 422 on ``kind`` for anything else)."""
    pk = getattr(kind, "pk", kind)
    found = None
    if isinstance(pk, int) and not isinstance(pk, bool):
        found = DisputeKind.objects.filter(bureau_id=area.bureau_id, pk=pk, active=True).first()
    if found is None:
        raise refuse("kind", _("Choose an active kind of dispute."))
    return found


@transaction.atomic
def dispute_create(
    *,
    actor,
    area: Area,
    kind: DisputeKind | int,
    source: str,
    facts: str,
    client_uuid: uuid.UUID | None = None,
    place: str = "",
    risk_level: str = RiskLevel.LOW,
    risk_signs: Iterable[str] = (),
    reported_at: dt.datetime | None = None,
    parties: Iterable[Mapping[str, Any]] = (),
    hazard: int | None = None,
) -> Dispute:
    """Record a dispute in ``area`` (a village or community the actor can see: 404 otherwise)
    by a beat officer, an aide, a leader or the commander (403 otherwise). A high-risk sign
    makes it high-risk whatever level was sent. ``hazard``: the screening hazard it was found
    as (then its source is the screening), tied to it."""
    area = Area.objects.visible_to(actor).get(pk=area.pk)
    if not can_record(actor):
        raise denied()
    user = acting_user(actor)
    if user is None:
        raise denied()
    if area.kind not in BEAT_AREA_KINDS:
        raise refuse("area", _("Choose a village or community."))
    kind = _kind(area, kind)
    if source not in Source.values:
        raise refuse("source", _("Select a valid choice."))
    if hazard is not None and source != Source.SCREENING:
        raise refuse("source", _("A dispute found on a screening round has the source screening."))
    facts = text(facts, "facts")
    place = text(place, "place", required=False, max_length=200)
    if risk_level not in RiskLevel.values:
        raise refuse("risk_level", _("Select a valid choice."))
    signs = sorted(set(risk_signs or ()))
    if any(sign not in RiskSign.values for sign in signs):
        raise refuse("risk_signs", _("Select a valid choice."))
    now = timezone.now()
    reported_at = _reported_at(reported_at, now)
    parties = list(parties or ())
    if len(parties) > PARTIES_MAX:
        raise refuse("parties", _("Name at most %(n)s parties.") % {"n": PARTIES_MAX})
    found = [_party(actor, i, data) for i, data in enumerate(parties)]
    if (
        client_uuid is not None
        and Dispute.objects.filter(
            bureau_id=area.bureau_id, recorded_by=user, client_uuid=client_uuid
        ).exists()
    ):
        raise refuse("client_uuid", _("This record was already submitted."))
    unit = org_selectors.record_unit(area, actor=actor)
    dispute = Dispute(
        bureau_id=area.bureau_id,
        kind=kind,
        area=area,
        unit=unit,
        place=place,
        source=source,
        facts=facts,
        risk_level=risk_of(risk_level, signs),
        **{sign_field(s): s in signs for s in RiskSign.values},
        state=State.REPORTED,
        reported_at=reported_at,
        recorded_by=user,
        client_uuid=client_uuid,
        created_at=now,
        level=unit.kind,
        handling_unit=unit,
    )
    dispute.full_clean(exclude=_SET_BY_THE_SERVICE, validate_constraints=False)
    dispute.save()
    record_event(dispute, actor=actor, action=Action.CREATE, from_state="", note="", now=now)
    audit.record(
        actor=actor, action="dispute.create", instance=dispute, after=audit.snapshot(dispute)
    )
    for party in found:
        party.bureau_id = dispute.bureau_id
        party.dispute = dispute
        party.created_at = now
        party.save()
        audit.record(
            actor=actor,
            action="dispute.party.create",
            instance=party,
            after=audit.snapshot(party),
        )
    if hazard is not None:
        link_hazard(actor, hazard, dispute)
    return dispute
