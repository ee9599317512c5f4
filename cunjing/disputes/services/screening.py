"""Screening (每周半天排查): a round in one village or community, with the hazards it found, and
the closing of a hazard once it is dealt with."""

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
from cunjing.core.roles import Role, acting_user
from cunjing.core.writes import lock_visible
from cunjing.disputes.models import (
    VISITS_MAX,
    Dispute,
    Hazard,
    HazardOutcome,
    RiskFlag,
    ScreeningRound,
    flag_field,
)
from cunjing.disputes.services._common import (
    can_handle,
    can_screen,
    day,
    denied,
    refuse,
    text,
)
from cunjing.disputes.services.figures import count_screening
from cunjing.matters import selectors as matter_selectors
from cunjing.org import selectors as org_selectors
from cunjing.org.models import BEAT_AREA_KINDS, Area

HAZARDS_MAX = 50
_SET_BY_THE_SERVICE = ["bureau", "area", "unit", "officer", "recorded_by", "client_uuid"]


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= VISITS_MAX:
        raise refuse(field, _("Enter a whole number from 0 to %(max)s.") % {"max": f"{VISITS_MAX}"})
    return value


def _hazard_error(index: int, message: str) -> ValidationError:
    return refuse("hazards", _("Hazard %(n)s: %(message)s") % {"n": index + 1, "message": message})


def _hazard(actor, area: Area, index: int, data: Mapping[str, Any]) -> Hazard:
    """One hazard of the round, checked: its text, its outcome and the link that goes with it
    (a dispute or a matter of the same area the actor can see), its flags."""
    try:
        description = text(data.get("description"), "description", max_length=1000)
    except ValidationError as exc:
        raise _hazard_error(index, exc.message_dict["description"][0]) from None
    outcome = data.get("outcome") or HazardOutcome.NONE
    if outcome not in HazardOutcome.values:
        raise _hazard_error(index, _("Select a valid choice."))
    flags = list(data.get("flags") or ())
    if any(flag not in RiskFlag.values for flag in flags):
        raise _hazard_error(index, _("Select a valid choice."))
    hazard = Hazard(
        bureau_id=area.bureau_id,
        description=description,
        outcome=outcome,
        **{flag_field(f): f in flags for f in RiskFlag.values},
    )
    dispute_id, matter_id = data.get("dispute"), data.get("matter")
    if dispute_id is not None:
        found = Dispute.objects.visible_to(actor).filter(pk=dispute_id, area=area).first()
        if outcome != HazardOutcome.DISPUTE or found is None:
            raise _hazard_error(index, _("Choose a dispute of this area you can see."))
        hazard.dispute = found
    if matter_id is not None:
        found = matter_selectors.visible(actor).filter(pk=matter_id, area=area).first()
        if outcome != HazardOutcome.MATTER or found is None:
            raise _hazard_error(index, _("Choose a matter of this area you can see."))
        hazard.matter = found
    return hazard


@transaction.atomic
def screening_create(
    *,
    actor,
    area: Area,
    screened_on: dt.date,
    households_visited: int,
    places_visited: int,
    client_uuid: uuid.UUID,
    note: str = "",
    hazards: Iterable[Mapping[str, Any]] = (),
) -> ScreeningRound:
    """A screening round in ``area`` on ``screened_on``: the actor's own when they are a beat
    officer (their week is screened), with its hazards; counts one ``screenings`` for the unit
    serving the area. 404 for an area outside the actor's scope, 403 for a role that does not
    screen, 422 for a second round of the same area and day."""
    area = Area.objects.visible_to(actor).get(pk=area.pk)
    if not can_screen(actor):
        raise denied()
    if area.kind not in BEAT_AREA_KINDS:
        raise refuse("area", _("Choose a village or community."))
    screened_on = day(screened_on, "screened_on")
    households_visited = _count(households_visited, "households_visited")
    places_visited = _count(places_visited, "places_visited")
    note = text(note, "note", required=False)
    hazards = list(hazards or ())
    if len(hazards) > HAZARDS_MAX:
        raise refuse(
            "hazards", _("Record at most %(n)s hazards in one round.") % {"n": HAZARDS_MAX}
        )
    found = [_hazard(actor, area, i, data) for i, data in enumerate(hazards)]
    user = acting_user(actor)
    if user is None:  # a round is somebody's: the system records none
        raise denied()
    mine = ScreeningRound.objects.filter(bureau_id=area.bureau_id, recorded_by=user)
    if mine.filter(client_uuid=client_uuid).exists():
        raise refuse("client_uuid", _("This record was already submitted."))
    if mine.filter(area=area, screened_on=screened_on).exists():
        raise refuse(
            "screened_on", _("A screening round of this area on this day is already recorded.")
        )
    round_ = ScreeningRound(
        bureau_id=area.bureau_id,
        area=area,
        unit=org_selectors.record_unit(area, actor=actor),
        officer_id=actor.officer_id if getattr(actor, "role", "") == Role.BEAT_OFFICER else None,
        recorded_by=user,
        screened_on=screened_on,
        households_visited=households_visited,
        places_visited=places_visited,
        note=note,
        client_uuid=client_uuid,
        created_at=timezone.now(),
    )
    round_.full_clean(exclude=_SET_BY_THE_SERVICE, validate_constraints=False)
    round_.save()
    audit.record(
        actor=actor,
        action="dispute.screening.create",
        instance=round_,
        after=audit.snapshot(round_),
    )
    for hazard in found:
        hazard.round = round_
        hazard.created_at = round_.created_at
        hazard.save()
        audit.record(
            actor=actor,
            action="dispute.hazard.create",
            instance=hazard,
            after=audit.snapshot(hazard),
        )
    count_screening(round_)
    return round_


@transaction.atomic
def hazard_close(*, actor, hazard: Hazard | int, note: str = "") -> Hazard:
    """Close a hazard once it is dealt with: it leaves the risk list. Officers and leaders in
    whose scope it is (404 outside it, 403 for aides and inspectors)."""
    hazard = lock_visible(actor, Hazard, getattr(hazard, "pk", hazard))
    if not can_handle(actor):
        raise denied()
    if hazard.closed_at is not None:
        raise refuse("state", _("This hazard is already closed."))
    before = audit.snapshot(hazard)
    hazard.closed_at = timezone.now()
    hazard.closed_by = acting_user(actor)
    hazard.close_note = text(note, "note", required=False, max_length=1000)
    hazard.save()
    old, new = audit.changed(before, audit.snapshot(hazard))
    audit.record(actor=actor, action="dispute.hazard.close", instance=hazard, before=old, after=new)
    return hazard


def link_hazard(actor, hazard_id: int, dispute: Dispute) -> None:
    """Tie a screening hazard of the dispute's area to the dispute recorded from it (in the
    caller's transaction): a 422 on ``hazard`` unless it is one the actor can see, in that
    area, not already tied to something else."""
    seen = Hazard.objects.visible_to(actor).filter(pk=hazard_id, round__area_id=dispute.area_id)
    hazard = None
    if seen.exists():
        hazard = Hazard.objects.select_for_update().get(pk=hazard_id)
    if (
        hazard is None
        or hazard.matter_id is not None
        or hazard.dispute_id is not None
        or hazard.outcome == HazardOutcome.MATTER
    ):
        raise refuse("hazard", _("Choose a hazard of this area not yet tied to a record."))
    before = audit.snapshot(hazard)
    hazard.outcome = HazardOutcome.DISPUTE
    hazard.dispute = dispute
    hazard.save(update_fields=["outcome", "dispute"])
    old, new = audit.changed(before, audit.snapshot(hazard))
    audit.record(actor=actor, action="dispute.hazard.link", instance=hazard, before=old, after=new)
