"""Writes to the people of the organisation: officers (create, edit, transfer, retire), their
beats, and the two kinds of aides (add, edit, end). Each function is one transaction with its
audit event; transfers, retirements and ends also leave an :class:`OrgChange` row (the history
the pages show).

Accounts are not touched here (``org`` sits below ``accounts``, and accounts are the security
admin's, 三权分立): an account linked to a retired officer or an ended aide sees nothing from
that moment (``org.jurisdiction``), and the security admin's to-do list shows the accounts
whose person changed, to disable them or move them to the officer's new unit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import Capability, require
from cunjing.core.writes import audited_update, check_editable, lock_visible
from cunjing.org.models import (
    Aide,
    AideKind,
    AideSubtype,
    Area,
    Beat,
    Officer,
    OrgChangeAction,
    Unit,
    UnitKind,
)
from cunjing.org.selectors import serving_unit
from cunjing.org.services.structure import (
    _phone,
    _require_area_in_scope,
    open_unit,
    pinyin_of,
    record_change,
)

# How far from today a transfer, retirement or end may be dated: recorded late (a month and
# more is common when paperwork arrives), or announced a little ahead.
PAST_DAYS = 366
FUTURE_DAYS = 31


def _check_day(on: dt.date | None, field: str) -> dt.date:
    today = timezone.localdate()
    on = on or today
    if on < today - dt.timedelta(days=PAST_DAYS):
        raise ValidationError({field: [_("The date is more than a year ago.")]})
    if on > today + dt.timedelta(days=FUTURE_DAYS):
        raise ValidationError({field: [_("The date is more than a month ahead.")]})
    return on


# --- Officers ------------------------------------------------------------------------------


def _badge_taken(bureau_id: int, badge: str, exclude_pk: int | None = None) -> bool:
    qs = Officer.objects.filter(bureau_id=bureau_id, badge_number=badge)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


@transaction.atomic
def officer_create(
    *, actor, unit: Unit, name: str, badge_number: str, phone: str, title: str = ""
) -> Officer:
    """A new officer posted to ``unit`` (any level: bureau staff are officers too)."""
    require(actor, Capability.MANAGE_ORG)
    unit = open_unit(actor, unit, "unit")
    badge_number = (badge_number or "").strip()
    name = (name or "").strip()
    if _badge_taken(unit.bureau_id, badge_number):
        raise ValidationError({"badge_number": [_("An officer with this badge number exists.")]})
    officer = Officer(
        bureau_id=unit.bureau_id,
        unit=unit,
        name=name,
        badge_number=badge_number,
        phone=_phone(phone, "phone"),
        title=(title or "").strip(),
        pinyin_initials=pinyin_of(name)[1][:50],
    )
    # The constraints are checked above (badge) and by the database; full_clean's own check of
    # each constraint would cost a query apiece (a bulk import of hundreds of officers).
    officer.full_clean(validate_constraints=False)
    officer.save()
    audit.record(
        actor=actor, action="officer.create", instance=officer, after=audit.snapshot(officer)
    )
    return officer


OFFICER_EDITABLE = ("name", "badge_number", "title", "phone")


def _lock_officer(actor, officer: Officer) -> Officer:
    denied = PermissionDenied(_("This officer is outside your jurisdiction."))
    return lock_visible(actor, Officer, officer.pk, denied=denied)


@transaction.atomic
def officer_update(*, actor, officer: Officer, **changes: Any) -> Officer:
    """Change an officer's name, badge (police) number, title or work phone."""
    require(actor, Capability.MANAGE_ORG)
    officer = _lock_officer(actor, officer)
    check_editable(changes, OFFICER_EDITABLE)
    for key in ("name", "badge_number", "title"):
        if key in changes:
            changes[key] = (changes[key] or "").strip()
    if "phone" in changes:
        changes["phone"] = _phone(changes["phone"] or "", "phone")

    def prepare(officer: Officer) -> None:
        if "badge_number" in changes and _badge_taken(
            officer.bureau_id, officer.badge_number, officer.pk
        ):
            raise ValidationError(
                {"badge_number": [_("An officer with this badge number exists.")]}
            )
        officer.pinyin_initials = pinyin_of(officer.name)[1][:50]

    return audited_update(
        actor=actor, instance=officer, action="officer.update", changes=changes, prepare=prepare
    )


def _end_open_beats(actor, officer: Officer, on: dt.date) -> int:
    """End every open beat of ``officer`` on ``on`` (a beat that has not started by then is
    cut to nothing: it ends the day after it starts, the shortest a beat can be)."""
    ended = 0
    for beat in Beat.objects.select_for_update().filter(
        bureau_id=officer.bureau_id, officer=officer, end_date__isnull=True
    ):
        _beat_close(actor=actor, beat=beat, end_date=max(on, beat.start_date + dt.timedelta(1)))
        ended += 1
    return ended


@transaction.atomic
def officer_transfer(
    *, actor, officer: Officer, unit: Unit, on: dt.date | None = None, note: str = ""
) -> Officer:
    """Post ``officer`` to ``unit`` from ``on`` (today by default): their open beats end on that
    day (new ones can start in the new unit's areas). Their records stay theirs: they keep
    seeing what they wrote (``org.jurisdiction``); leaders see by jurisdiction."""
    require(actor, Capability.MANAGE_ORG)
    officer = _lock_officer(actor, officer)
    on = _check_day(on, "on")
    if not officer.is_active:
        raise ValidationError({"unit": [_("This officer is no longer active.")]})
    target = open_unit(actor, unit, "unit")
    if target.bureau_id != officer.bureau_id:
        raise ValidationError({"unit": [_("This unit belongs to another bureau.")]})
    if target.pk == officer.unit_id:
        raise ValidationError({"unit": [_("The officer already works in this unit.")]})
    old_unit = Unit.objects.get(pk=officer.unit_id)
    beats = _end_open_beats(actor, officer, on)
    officer.unit = target
    officer.save(update_fields=["unit"])
    note = (note or "").strip()[:200]
    record_change(
        unit_id=old_unit.pk,
        bureau_id=officer.bureau_id,
        action=OrgChangeAction.OFFICER_TRANSFER,
        on=on,
        officer=officer,
        detail={"from": old_unit.name, "to": target.name, "to_id": target.pk, "beats": beats},
        note=note,
    )
    audit.record(
        actor=actor,
        action="officer.transfer",
        instance=officer,
        before={"unit_id": old_unit.pk},
        after={"unit_id": target.pk, "on": on, "beats_ended": beats, "note": note},
    )
    return officer


@transaction.atomic
def officer_leave(*, actor, officer: Officer, on: dt.date | None = None, note: str = "") -> Officer:
    """The officer retires or leaves the force on ``on``: inactive, every open beat ended. Their
    records stay; an account linked to them sees nothing any more."""
    require(actor, Capability.MANAGE_ORG)
    officer = _lock_officer(actor, officer)
    on = _check_day(on, "on")
    if not officer.is_active:
        raise ValidationError({"on": [_("This officer is no longer active.")]})
    note = (note or "").strip()[:200]
    beats = _end_open_beats(actor, officer, on)
    officer.is_active = False
    officer.left_on = on
    officer.save(update_fields=["is_active", "left_on"])
    record_change(
        unit_id=officer.unit_id,
        bureau_id=officer.bureau_id,
        action=OrgChangeAction.OFFICER_LEAVE,
        on=on,
        officer=officer,
        detail={"beats": beats},
        note=note,
    )
    audit.record(
        actor=actor,
        action="officer.leave",
        instance=officer,
        before={"is_active": True},
        after={"is_active": False, "left_on": on, "beats_ended": beats, "note": note},
    )
    return officer


# --- Beats ---------------------------------------------------------------------------------


@transaction.atomic
def beat_assign(
    *,
    actor,
    officer: Officer,
    area: Area,
    start_date: dt.date | None = None,
    is_lead: bool = False,
) -> Beat:
    """Put ``officer`` on a beat in ``area`` from ``start_date``. Making them lead hands the
    lead over: the previous lead's beat is ended and reopened as a non-lead beat."""
    require(actor, Capability.MANAGE_BEATS)
    _require_area_in_scope(actor, area)
    start_date = start_date or timezone.localdate()
    if officer.bureau_id != area.bureau_id:
        raise ValidationError({"officer": [_("The officer belongs to another bureau.")]})
    if not area.is_beat_area:
        raise ValidationError({"area": [_("Beats are only for villages and communities.")]})
    if not officer.is_active:
        raise ValidationError({"officer": [_("This officer is no longer active.")]})
    if start_date > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationError({"start_date": [_("The start date is too far in the future.")]})
    open_beats = Beat.objects.select_for_update().filter(
        bureau_id=area.bureau_id, area=area, end_date__isnull=True
    )
    if open_beats.filter(officer=officer).exists():
        raise ValidationError({"officer": [_("This officer is already on this area's beat.")]})
    if is_lead:
        for previous in open_beats.filter(is_lead=True):
            _beat_close(actor=actor, beat=previous, end_date=start_date)
            reopened = Beat(
                bureau_id=previous.bureau_id,
                officer_id=previous.officer_id,
                area_id=previous.area_id,
                start_date=start_date,
                is_lead=False,
            )
            reopened.full_clean()
            reopened.save()
            audit.record(
                actor=actor,
                action="beat.create",
                instance=reopened,
                after=audit.snapshot(reopened),
            )
    beat = Beat(
        bureau_id=area.bureau_id,
        officer=officer,
        area=area,
        start_date=start_date,
        is_lead=is_lead,
    )
    beat.full_clean()
    beat.save()
    audit.record(actor=actor, action="beat.create", instance=beat, after=audit.snapshot(beat))
    return beat


def _beat_close(*, actor, beat: Beat, end_date: dt.date) -> Beat:
    if end_date <= beat.start_date:
        raise ValidationError({"end_date": [_("The end date must be after the start date.")]})
    before = audit.snapshot(beat)
    beat.end_date = end_date
    beat.full_clean()
    beat.save(update_fields=["end_date"])
    old, new = audit.changed(before, audit.snapshot(beat))
    audit.record(actor=actor, action="beat.end", instance=beat, before=old, after=new)
    return beat


@transaction.atomic
def beat_end(*, actor, beat: Beat, end_date: dt.date | None = None) -> Beat:
    """End a beat (the officer leaves the area on ``end_date``); it stays as history."""
    require(actor, Capability.MANAGE_BEATS)
    denied = PermissionDenied(_("This area is outside your jurisdiction."))
    beat = lock_visible(actor, Beat, beat.pk, denied=denied, related=["area"])
    if beat.end_date is not None:
        raise ValidationError({"end_date": [_("This beat has already ended.")]})
    return _beat_close(actor=actor, beat=beat, end_date=end_date or timezone.localdate())


# --- Aides (两员) ----------------------------------------------------------------------------


def _check_aide_kind(kind: str, subtype: str) -> None:
    if kind not in AideKind.values:
        raise ValidationError({"kind": [_("Choose a patroller or a security member.")]})
    if kind == AideKind.PATROLLER and subtype:
        raise ValidationError({"subtype": [_("Patrollers have no subtype.")]})
    if kind == AideKind.SECURITY_MEMBER and subtype not in AideSubtype.values:
        raise ValidationError({"subtype": [_("Choose the security member's subtype.")]})


def _check_started_on(started_on: dt.date | None) -> None:
    """An aide's first day: not before 1980 (the mechanism's aides are recent), not more than a
    month ahead."""
    if started_on is None:
        return
    if started_on < dt.date(1980, 1, 1):
        raise ValidationError({"started_on": [_("The date is too far in the past.")]})
    if started_on > timezone.localdate() + dt.timedelta(days=FUTURE_DAYS):
        raise ValidationError({"started_on": [_("The date is more than a month ahead.")]})


def _aide_phone_taken(bureau_id: int, phone: str, exclude_pk: int | None = None) -> bool:
    qs = Aide.objects.filter(bureau_id=bureau_id, phone=phone, is_active=True)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _check_aide_area(actor, area: Area) -> None:
    _require_area_in_scope(actor, area)
    if not area.is_beat_area:
        raise ValidationError({"area": [_("Aides work in a village or community.")]})


@transaction.atomic
def aide_create(
    *,
    actor,
    area: Area,
    name: str,
    kind: str,
    phone: str,
    subtype: str = "",
    started_on: dt.date | None = None,
) -> Aide:
    """Add an aide to a village or community: a patroller, or a security member with its
    subtype. The (mobile) phone identifies an active aide within the bureau."""
    require(actor, Capability.MANAGE_ORG)
    _check_aide_area(actor, area)
    name = (name or "").strip()
    subtype = subtype or ""
    _check_started_on(started_on)
    _check_aide_kind(kind, subtype)
    phone = _phone(phone, "phone")
    if phone and _aide_phone_taken(area.bureau_id, phone):
        raise ValidationError({"phone": [_("An active aide already has this phone number.")]})
    aide = Aide(
        bureau_id=area.bureau_id,
        area=area,
        name=name,
        kind=kind,
        subtype=subtype,
        phone=phone,
        started_on=started_on,
        pinyin_initials=pinyin_of(name)[1][:50],
    )
    # Kind/subtype and the active phone are checked above and by the database constraints.
    aide.full_clean(validate_constraints=False)
    aide.save()
    audit.record(actor=actor, action="aide.create", instance=aide, after=audit.snapshot(aide))
    return aide


AIDE_EDITABLE = ("name", "kind", "subtype", "phone", "area", "started_on")


def _lock_aide(actor, aide: Aide) -> Aide:
    denied = PermissionDenied(_("This aide is outside your jurisdiction."))
    return lock_visible(actor, Aide, aide.pk, denied=denied)


@transaction.atomic
def aide_update(*, actor, aide: Aide, **changes: Any) -> Aide:
    """Change an aide's name, kind and subtype, phone, village or start date. A linked account
    follows the aide to a new village at once (an aide's scope is their area)."""
    require(actor, Capability.MANAGE_ORG)
    aide = _lock_aide(actor, aide)
    check_editable(changes, AIDE_EDITABLE)
    if not aide.is_active:
        raise ValidationError({"name": [_("This aide's service has ended.")]})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    if "phone" in changes:
        changes["phone"] = _phone(changes["phone"] or "", "phone")
    if "subtype" in changes:
        changes["subtype"] = changes["subtype"] or ""
    if "area" in changes:
        _check_aide_area(actor, changes["area"])
    if "started_on" in changes:
        _check_started_on(changes["started_on"])

    def prepare(aide: Aide) -> None:
        _check_aide_kind(aide.kind, aide.subtype)
        if aide.phone and _aide_phone_taken(aide.bureau_id, aide.phone, aide.pk):
            raise ValidationError({"phone": [_("An active aide already has this phone number.")]})
        aide.pinyin_initials = pinyin_of(aide.name)[1][:50]

    return audited_update(
        actor=actor, instance=aide, action="aide.update", changes=changes, prepare=prepare
    )


def _aide_unit_id(aide: Aide) -> int:
    """The unit an aide's history is kept under: the one serving their area, else the bureau."""
    unit = serving_unit(aide.area)
    if unit is not None:
        return unit.pk
    return Unit.objects.get(bureau_id=aide.bureau_id, kind=UnitKind.BUREAU).pk


@transaction.atomic
def aide_end(*, actor, aide: Aide, on: dt.date | None = None, note: str = "") -> Aide:
    """End an aide's service on ``on``: inactive from then; their records stay. An account
    linked to them sees nothing any more."""
    require(actor, Capability.MANAGE_ORG)
    aide = _lock_aide(actor, aide)
    on = _check_day(on, "on")
    if not aide.is_active:
        raise ValidationError({"on": [_("This aide's service has ended.")]})
    if aide.started_on and on < aide.started_on:
        raise ValidationError({"on": [_("The end is before the aide started.")]})
    note = (note or "").strip()[:200]
    aide.is_active = False
    aide.ended_on = on
    aide.save(update_fields=["is_active", "ended_on"])
    record_change(
        unit_id=_aide_unit_id(aide),
        bureau_id=aide.bureau_id,
        action=OrgChangeAction.AIDE_END,
        on=on,
        aide=aide,
        detail={"area": aide.area.name},
        note=note,
    )
    audit.record(
        actor=actor,
        action="aide.end",
        instance=aide,
        before={"is_active": True},
        after={"is_active": False, "ended_on": on, "note": note},
    )
    return aide
