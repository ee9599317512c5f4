"""Writes to the organisation's structure: the bureau and its rules, units (create, edit, move,
close), areas and their boundaries, coverage. Renames, moves and closures of units also leave an
:class:`OrgChange` row, the history the unit's page shows.

Moving a unit keeps the roll-up counters as they were counted: past figures stay with the
station the unit belonged to when the work was done, new ones go to the new parent. (A
``stats_rebuild`` recounts every figure by today's tree.)
"""

from __future__ import annotations

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
    Area,
    AreaKind,
    Bureau,
    Coverage,
    OrgChange,
    OrgChangeAction,
    Unit,
    UnitKind,
)
from cunjing.org.selectors import unit_close_blockers

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
    if parent.closed_on is not None:
        raise ValidationError({"parent": [_("This unit has been closed.")]})
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
    if unit.closed_on is not None:
        raise ValidationError({"name": [_("This unit has been closed.")]})
    if "phone" in changes:
        changes["phone"] = _phone(changes["phone"] or "", "phone")
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    old_name = unit.name

    def code_unique(unit: Unit) -> None:
        if (
            changes.get("code")
            and Unit.objects.filter(bureau_id=unit.bureau_id, code=unit.code)
            .exclude(pk=unit.pk)
            .exists()
        ):
            raise ValidationError({"code": [_("A unit with this code already exists.")]})

    unit = audited_update(
        actor=actor, instance=unit, action="unit.update", changes=changes, prepare=code_unique
    )
    if unit.name != old_name:
        _change(unit, OrgChangeAction.UNIT_RENAME, {"from": old_name, "to": unit.name})
    return unit


def record_change(*, bureau_id: int, unit_id: int, action: str, on=None, **fields) -> OrgChange:
    """One row of the organisation's history (``OrgChange``), dated ``on`` (today)."""
    change = OrgChange(
        bureau_id=bureau_id,
        unit_id=unit_id,
        action=action,
        on=on or timezone.localdate(),
        **fields,
    )
    change.save()
    return change


def _change(unit: Unit, action: str, detail: dict, on=None, note: str = "") -> OrgChange:
    return record_change(
        bureau_id=unit.bureau_id, unit_id=unit.pk, action=action, on=on, detail=detail, note=note
    )


def open_unit(actor, unit: Unit, field: str, *, bureau_id: int | None = None) -> Unit:
    """``unit`` read again through the actor's scope (and within ``bureau_id`` when given),
    open (not closed): else a field error on ``field``. The target of a transfer, a move, a
    successor or a reassignment."""
    qs = Unit.objects.all() if is_system(actor) else Unit.objects.visible_to(actor)
    if bureau_id is not None:
        qs = qs.filter(bureau_id=bureau_id)
    found = qs.filter(pk=unit.pk).first()
    if found is None:
        raise ValidationError({field: [_("This unit is outside your jurisdiction.")]})
    if found.closed_on is not None:
        raise ValidationError({field: [_("This unit has been closed.")]})
    return found


def _lock_unit(actor, unit: Unit) -> Unit:
    denied = PermissionDenied(_("This unit is outside your jurisdiction."))
    return lock_visible(actor, Unit, unit.pk, denied=denied)


@transaction.atomic
def unit_move(*, actor, unit: Unit, parent: Unit, note: str = "") -> Unit:
    """Move ``unit`` (with everything under it) under another ``parent`` of the kind above it:
    an office to another station, a workstation to another office. Its records, officers and
    areas stay with it; the jurisdictions of the two parents follow at once."""
    require(actor, Capability.MANAGE_ORG)
    unit = _lock_unit(actor, unit)
    if unit.kind == UnitKind.BUREAU:
        raise ValidationError({"parent": [_("The bureau cannot be moved.")]})
    if unit.closed_on is not None:
        raise ValidationError({"parent": [_("This unit has been closed.")]})
    target = open_unit(actor, parent, "parent", bureau_id=unit.bureau_id)
    if UNIT_PARENT_KIND[unit.kind] != target.kind:
        raise ValidationError(
            {
                "parent": [
                    _("A %(kind)s must sit under a %(parent)s.")
                    % {
                        "kind": UnitKind(unit.kind).label,
                        "parent": UnitKind(UNIT_PARENT_KIND[unit.kind]).label,
                    }
                ]
            }
        )
    old_parent = unit.get_parent()
    if old_parent is not None and old_parent.pk == target.pk:
        raise ValidationError({"parent": [_("The unit already sits under this unit.")]})
    before = {"parent_id": old_parent.pk if old_parent else None, "path": unit.path}
    unit.move(target, pos="last-child")
    unit.refresh_from_db()
    note = (note or "").strip()[:200]
    _change(
        unit,
        OrgChangeAction.UNIT_MOVE,
        {
            "from": old_parent.name if old_parent else "",
            "to": target.name,
            "to_id": target.pk,
        },
        note=note,
    )
    audit.record(
        actor=actor,
        action="unit.move",
        instance=unit,
        before=before,
        after={"parent_id": target.pk, "path": unit.path, "note": note},
    )
    return unit


@transaction.atomic
def unit_close(
    *, actor, unit: Unit, successor: Unit | None = None, on=None, note: str = ""
) -> Unit:
    """Close (撤销) ``unit`` on ``on``. Its child units must be moved and its officers transferred
    first; the areas it serves go to ``successor`` (a unit of the same kind) when given, else
    they must have been reassigned too. The unit stays as history."""
    require(actor, Capability.MANAGE_ORG)
    unit = _lock_unit(actor, unit)
    if unit.kind == UnitKind.BUREAU:
        raise ValidationError({"successor": [_("The bureau cannot be closed.")]})
    if unit.closed_on is not None:
        raise ValidationError({"successor": [_("This unit has been closed.")]})
    on = on or timezone.localdate()
    if successor is not None:
        successor = open_unit(actor, successor, "successor", bureau_id=unit.bureau_id)
        if successor.pk == unit.pk:
            raise ValidationError({"successor": [_("Choose another open unit in your bureau.")]})
        if successor.kind != unit.kind:
            raise ValidationError({"successor": [_("The areas go to a unit of the same kind.")]})
        for coverage in Coverage.objects.select_for_update().filter(
            bureau_id=unit.bureau_id, unit=unit
        ):
            _coverage_move(actor, coverage, successor)
    blockers = unit_close_blockers(unit)
    errors = []
    if blockers["children"]:
        errors.append(_("Move or close its %(n)d units first.") % {"n": blockers["children"]})
    if blockers["officers"]:
        errors.append(_("Transfer its %(n)d officers first.") % {"n": blockers["officers"]})
    if blockers["areas"]:
        errors.append(_("Hand its %(n)d areas to another unit first.") % {"n": blockers["areas"]})
    if errors:
        raise ValidationError({"successor": errors})
    note = (note or "").strip()[:200]
    unit.closed_on = on
    unit.save(update_fields=["closed_on"])
    _change(
        unit,
        OrgChangeAction.UNIT_CLOSE,
        {
            "successor": successor.name if successor else "",
            "successor_id": getattr(successor, "pk", None),
        },
        on=on,
        note=note,
    )
    audit.record(
        actor=actor,
        action="unit.close",
        instance=unit,
        before={"closed_on": None},
        after={"closed_on": on, "successor_id": getattr(successor, "pk", None), "note": note},
    )
    return unit


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
    if unit.closed_on is not None:
        raise ValidationError({"unit": [_("This unit has been closed.")]})
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


def _coverage_move(actor, coverage: Coverage, unit: Unit) -> Coverage:
    before = audit.snapshot(coverage)
    if Coverage.objects.filter(
        bureau_id=unit.bureau_id, unit=unit, area_id=coverage.area_id
    ).exists():
        # The new unit serves the area already: the old service simply ends.
        audit.record(actor=actor, action="coverage.end", instance=coverage, before=before)
        coverage.delete()
        return coverage
    coverage.unit = unit
    coverage.save(update_fields=["unit"])
    old, new = audit.changed(before, audit.snapshot(coverage))
    audit.record(actor=actor, action="coverage.reassign", instance=coverage, before=old, after=new)
    return coverage


@transaction.atomic
def coverage_reassign(*, actor, coverage: Coverage, unit: Unit) -> Coverage:
    """Hand an area ``coverage`` serves to another ``unit`` of the same kind (a workstation's
    village to another workstation) — e.g. before the first closes."""
    require(actor, Capability.MANAGE_ORG)
    denied = PermissionDenied(_("This unit is outside your jurisdiction."))
    coverage = lock_visible(actor, Coverage, coverage.pk, denied=denied, related=["unit"])
    target = open_unit(actor, unit, "unit", bureau_id=coverage.bureau_id)
    if target.kind != coverage.unit.kind:
        raise ValidationError({"unit": [_("The areas go to a unit of the same kind.")]})
    if target.pk == coverage.unit_id:
        raise ValidationError({"unit": [_("This unit already serves this area.")]})
    return _coverage_move(actor, coverage, target)
