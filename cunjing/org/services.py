"""Writes to the organisation: one function per use case, each atomic and audited.

``actor`` is the acting user, or ``None`` for the system itself (demo, import command), which
is audited as such. Permission and scope are checked here, so pages, the API and commands share
one rule; a write that would leave the actor's jurisdiction is refused inside the transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from cunjing.core import audit
from cunjing.core.roles import Capability, is_system, require
from cunjing.core.validators import normalize_phone
from cunjing.core.writes import audited_update, check_editable, lock_visible
from cunjing.org import geo
from cunjing.org.models import (
    AREA_PARENT_KINDS,
    COVERAGE_KINDS,
    UNIT_PARENT_KIND,
    Aide,
    AideKind,
    Area,
    AreaKind,
    Beat,
    Bureau,
    Coverage,
    Officer,
    Unit,
    UnitKind,
)

_TREE_FIELDS = ["path", "depth", "numchild"]


def _require_area_in_scope(actor, area: Area) -> None:
    if not is_system(actor) and not Area.objects.filter(pk=area.pk).visible_to(actor).exists():
        raise PermissionDenied(_("This area is outside your jurisdiction."))


def _lock_area(actor, area: Area) -> Area:
    denied = PermissionDenied(_("This area is outside your jurisdiction."))
    return lock_visible(actor, Area, area.pk, denied=denied)


def pinyin_of(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a Chinese name: 瓦房沟村 → ("wafanggoucun", "wfgc")."""
    full = "".join(lazy_pinyin(name)).lower()
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()
    return full[:300], initials[:100]


def _phone(value: str, field: str) -> str:
    if not value:
        return ""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


# --- Bureau and units ----------------------------------------------------------------------


@transaction.atomic
def bureau_create(*, actor, name: str, code: str, unit_name: str | None = None) -> Bureau:
    """Create a bureau (tenant) with the root unit of its tree."""
    if not is_system(actor):
        raise PermissionDenied(_("Only the system creates bureaus."))
    bureau = Bureau(name=name, code=code)
    bureau.full_clean()
    bureau.save()
    root = Unit(bureau=bureau, kind=UnitKind.BUREAU, name=unit_name or name)
    root.full_clean(exclude=_TREE_FIELDS)
    Unit.add_root(instance=root)
    audit.record(
        actor=actor,
        action="bureau.create",
        instance=bureau,
        bureau_id=bureau.pk,
        after=audit.snapshot(bureau),
    )
    audit.record(actor=actor, action="unit.create", instance=root, after=audit.snapshot(root))
    return bureau


# The bureau's rules a commander or the system admin sets.
BUREAU_RULES = ("correction_window_days",)


@transaction.atomic
def bureau_rules_update(*, actor, **changes: Any) -> Bureau:
    """Set the actor's bureau's rules (:data:`BUREAU_RULES`): audited with before and after.
    A new correction window applies at once to every record, older ones included."""
    require(actor, Capability.MANAGE_RULES)
    check_editable(changes, BUREAU_RULES)
    bureau = Bureau.objects.select_for_update().get(pk=actor.bureau_id)
    return audited_update(
        actor=actor,
        instance=bureau,
        action="bureau.rules.update",
        changes=changes,
        snapshot=lambda b: audit.snapshot(b, fields=list(BUREAU_RULES)),
    )


def bureau_root_unit(bureau: Bureau) -> Unit:
    return Unit.objects.get(bureau=bureau, depth=1)


@transaction.atomic
def unit_create(
    *,
    actor,
    parent: Unit,
    kind: str,
    name: str,
    code: str = "",
    address: str = "",
    phone: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Unit:
    """Add a unit under ``parent``; its kind must be the one below the parent's."""
    require(actor, Capability.MANAGE_ORG)
    if not is_system(actor) and not Unit.objects.filter(pk=parent.pk).visible_to(actor).exists():
        raise PermissionDenied(_("This unit is outside your jurisdiction."))
    if kind not in UNIT_PARENT_KIND or kind == UnitKind.BUREAU:
        raise ValidationError({"kind": [_("Choose a station, office or workstation.")]})
    if UNIT_PARENT_KIND[kind] != parent.kind:
        raise ValidationError(
            {
                "parent": [
                    _("A %(kind)s must sit under a %(parent)s.")
                    % {
                        "kind": UnitKind(kind).label,
                        "parent": UnitKind(UNIT_PARENT_KIND[kind]).label,
                    }
                ]
            }
        )
    if code and Unit.objects.filter(bureau_id=parent.bureau_id, code=code).exists():
        raise ValidationError({"code": [_("A unit with this code already exists.")]})
    unit = Unit(
        bureau_id=parent.bureau_id,
        kind=kind,
        name=name,
        code=code,
        address=address,
        phone=_phone(phone, "phone"),
        latitude=latitude,
        longitude=longitude,
    )
    unit.full_clean(exclude=_TREE_FIELDS)
    unit = parent.add_child(instance=unit)
    parent.refresh_from_db(fields=["numchild"])
    audit.record(actor=actor, action="unit.create", instance=unit, after=audit.snapshot(unit))
    return unit


UNIT_EDITABLE = ("name", "code", "address", "phone", "latitude", "longitude")


@transaction.atomic
def unit_update(*, actor, unit: Unit, **changes: Any) -> Unit:
    require(actor, Capability.MANAGE_ORG)
    unit = lock_visible(
        actor, Unit, unit.pk, denied=PermissionDenied(_("This unit is outside your jurisdiction."))
    )
    check_editable(changes, UNIT_EDITABLE)
    if "phone" in changes:
        changes["phone"] = _phone(changes["phone"] or "", "phone")

    def code_unique(unit: Unit) -> None:
        if (
            changes.get("code")
            and Unit.objects.filter(bureau_id=unit.bureau_id, code=unit.code)
            .exclude(pk=unit.pk)
            .exists()
        ):
            raise ValidationError({"code": [_("A unit with this code already exists.")]})

    return audited_update(
        actor=actor, instance=unit, action="unit.update", changes=changes, prepare=code_unique
    )


# --- Areas ---------------------------------------------------------------------------------


def _area_code_taken(bureau_id: int, code: str, exclude_pk: int | None = None) -> bool:
    qs = Area.objects.filter(bureau_id=bureau_id, division_code=code)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


@transaction.atomic
def area_create(
    *,
    actor,
    bureau: Bureau,
    parent: Area | None,
    kind: str,
    name: str,
    division_code: str,
    latitude: float | None = None,
    longitude: float | None = None,
    boundary: dict | str | None = None,
) -> Area:
    """Add an area; a county is a root, townships sit under it, villages/communities under
    townships. The division code is unique within the bureau. ``boundary``: GeoJSON Polygon or
    MultiPolygon (WGS-84), its bounding box kept beside it."""
    require(actor, Capability.MANAGE_ORG)
    if kind not in AREA_PARENT_KINDS:
        raise ValidationError({"kind": [_("Choose a valid area kind.")]})
    allowed = AREA_PARENT_KINDS[kind]
    if parent is None and allowed:
        raise ValidationError({"parent": [_("This kind of area needs a parent area.")]})
    if parent is not None:
        if parent.bureau_id != bureau.pk:
            raise ValidationError({"parent": [_("The parent area belongs to another bureau.")]})
        if parent.kind not in allowed:
            raise ValidationError(
                {
                    "parent": [
                        _("A %(kind)s cannot sit under a %(parent)s.")
                        % {"kind": AreaKind(kind).label, "parent": AreaKind(parent.kind).label}
                    ]
                }
            )
    elif Area.objects.filter(bureau=bureau, depth=1).exists():
        raise ValidationError({"kind": [_("This bureau already has its county area.")]})
    full, initials = pinyin_of(name)
    area = Area(
        bureau=bureau,
        kind=kind,
        name=name,
        division_code=division_code,
        pinyin=full,
        pinyin_initials=initials,
        latitude=latitude,
        longitude=longitude,
    )
    _set_boundary(area, boundary)
    if _area_code_taken(bureau.pk, division_code):
        raise ValidationError(
            {"division_code": [_("An area with this division code already exists.")]}
        )
    area.full_clean(exclude=_TREE_FIELDS)
    if parent is None:
        area = Area.add_root(instance=area)
    else:
        area = parent.add_child(instance=area)
        parent.refresh_from_db(fields=["numchild"])
    audit.record(actor=actor, action="area.create", instance=area, after=audit.snapshot(area))
    return area


AREA_EDITABLE = ("name", "division_code", "latitude", "longitude")


@transaction.atomic
def area_update(*, actor, area: Area, **changes: Any) -> Area:
    """Change an area's name, division code or position; pinyin follows the name."""
    require(actor, Capability.MANAGE_ORG)
    area = _lock_area(actor, area)
    check_editable(changes, AREA_EDITABLE)

    def derive(area: Area) -> None:
        if "name" in changes:
            area.pinyin, area.pinyin_initials = pinyin_of(area.name)
        if "division_code" in changes and _area_code_taken(
            area.bureau_id, area.division_code, area.pk
        ):
            raise ValidationError(
                {"division_code": [_("An area with this division code already exists.")]}
            )

    return audited_update(
        actor=actor, instance=area, action="area.update", changes=changes, prepare=derive
    )


def _set_boundary(area: Area, boundary: dict | str | None) -> None:
    area.boundary, bbox = geo.clean_boundary(boundary)
    area.bbox_min_lat, area.bbox_max_lat, area.bbox_min_lon, area.bbox_max_lon = bbox or (
        None,
        None,
        None,
        None,
    )


@transaction.atomic
def area_set_boundary(*, actor, area: Area, boundary: dict | str | None) -> Area:
    """Set (or clear, with ``None``) an area's boundary; the bounding box follows it."""
    require(actor, Capability.MANAGE_ORG)
    area = _lock_area(actor, area)
    # The boundary is checked by ``geo.clean_boundary``; the trail shows the boundary alone.
    return audited_update(
        actor=actor,
        instance=area,
        action="area.boundary",
        changes={},
        prepare=lambda area: _set_boundary(area, boundary),
        snapshot=lambda area: audit.snapshot(area, ["boundary"]),
        clean=False,
    )


BBOX_FIELDS = ("bbox_min_lat", "bbox_max_lat", "bbox_min_lon", "bbox_max_lon")


@transaction.atomic
def coverage_create(*, actor, unit: Unit, area: Area) -> Coverage:
    """Record that ``unit`` serves ``area`` (kinds must match, e.g. workstation ↔ village)."""
    require(actor, Capability.MANAGE_ORG)
    if unit.bureau_id != area.bureau_id:
        raise ValidationError({"area": [_("The area belongs to another bureau.")]})
    if area.kind not in COVERAGE_KINDS[unit.kind]:
        raise ValidationError(
            {
                "area": [
                    _("A %(unit)s cannot serve a %(area)s.")
                    % {"unit": UnitKind(unit.kind).label, "area": AreaKind(area.kind).label}
                ]
            }
        )
    if Coverage.objects.filter(bureau_id=unit.bureau_id, unit=unit, area=area).exists():
        raise ValidationError({"area": [_("This unit already serves this area.")]})
    coverage = Coverage(bureau_id=unit.bureau_id, unit=unit, area=area)
    coverage.full_clean()
    coverage.save()
    audit.record(
        actor=actor, action="coverage.create", instance=coverage, after=audit.snapshot(coverage)
    )
    return coverage


# --- Officers, beats, aides --------------------------------------------------------------


@transaction.atomic
def officer_create(
    *, actor, unit: Unit, name: str, badge_number: str, phone: str, title: str = ""
) -> Officer:
    require(actor, Capability.MANAGE_ORG)
    if Officer.objects.filter(bureau_id=unit.bureau_id, badge_number=badge_number).exists():
        raise ValidationError({"badge_number": [_("An officer with this badge number exists.")]})
    officer = Officer(
        bureau_id=unit.bureau_id,
        unit=unit,
        name=name,
        badge_number=badge_number,
        phone=_phone(phone, "phone"),
        title=title,
    )
    officer.full_clean()
    officer.save()
    audit.record(
        actor=actor, action="officer.create", instance=officer, after=audit.snapshot(officer)
    )
    return officer


OFFICER_EDITABLE = ("name", "title", "phone", "is_active")


@transaction.atomic
def officer_update(*, actor, officer: Officer, **changes: Any) -> Officer:
    require(actor, Capability.MANAGE_ORG)
    denied = PermissionDenied(_("This officer is outside your jurisdiction."))
    officer = lock_visible(actor, Officer, officer.pk, denied=denied)
    check_editable(changes, OFFICER_EDITABLE)
    if "phone" in changes:
        changes["phone"] = _phone(changes["phone"] or "", "phone")
    return audited_update(actor=actor, instance=officer, action="officer.update", changes=changes)


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


@transaction.atomic
def aide_create(*, actor, area: Area, name: str, kind: str, phone: str, subtype: str = "") -> Aide:
    require(actor, Capability.MANAGE_ORG)
    if kind == AideKind.PATROLLER and subtype:
        raise ValidationError({"subtype": [_("Patrollers have no subtype.")]})
    if kind == AideKind.SECURITY_MEMBER and not subtype:
        raise ValidationError({"subtype": [_("Choose the security member's subtype.")]})
    aide = Aide(
        bureau_id=area.bureau_id,
        area=area,
        name=name,
        kind=kind,
        subtype=subtype,
        phone=_phone(phone, "phone"),
    )
    aide.full_clean()
    aide.save()
    audit.record(actor=actor, action="aide.create", instance=aide, after=audit.snapshot(aide))
    return aide
