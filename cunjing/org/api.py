"""The organisation API: units, areas (with the contact card), beats and the coverage report.

Every read starts from ``visible_to(request.auth)`` (through the selectors): an id outside the
caller's jurisdiction answers 404 exactly like an id that does not exist. Every endpoint needs
the ``view_org`` capability (the audit admin lacks it: 403); writes go through ``org.services``,
which check the write capability (403) and the jurisdiction again inside their transaction.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from cunjing.core.api import ERRORS_READ, ERRORS_WRITE, Id, require
from cunjing.core.pagination import offset_page
from cunjing.core.roles import Capability
from cunjing.org import selectors, services
from cunjing.org.filters import AreaFilters, UnitFilters
from cunjing.org.models import Area, Beat, Officer, Unit
from cunjing.org.schemas import (
    AreaDetailOut,
    AreaFilter,
    AreaPage,
    AreaPatchIn,
    BeatAssignIn,
    BeatEndIn,
    BeatOut,
    BureauRulesIn,
    BureauRulesOut,
    CoverageFilter,
    CoverageOut,
    UnitDetailOut,
    UnitFilter,
    UnitPage,
)

router = Router(tags=["org"])


# --- Presenters ----------------------------------------------------------------------------------


def _unit(unit: Unit, parents: dict[str, int]) -> dict:
    return {
        "id": unit.pk,
        "kind": unit.kind,
        "kind_label": str(unit.get_kind_display()),
        "name": unit.name,
        "code": unit.code,
        "address": unit.address,
        "phone": unit.phone,
        "latitude": unit.latitude,
        "longitude": unit.longitude,
        "depth": unit.depth,
        "parent_id": parents.get(unit.path[: -Unit.steplen]),
    }


def _area_ref(area: Area) -> dict:
    return {
        "id": area.pk,
        "kind": area.kind,
        "name": area.name,
        "division_code": area.division_code,
    }


def _area(area: Area, parents: dict[str, int]) -> dict:
    return {
        **_area_ref(area),
        "kind_label": str(area.get_kind_display()),
        "pinyin_initials": area.pinyin_initials,
        "latitude": area.latitude,
        "longitude": area.longitude,
        "depth": area.depth,
        "parent_id": parents.get(area.path[: -Area.steplen]),
    }


def _officer_card(officer: Officer) -> dict:
    return {
        "id": officer.pk,
        "name": officer.name,
        "badge_number": officer.badge_number,
        "title": officer.title,
        "phone": officer.phone,
    }


def _beat(beat: Beat) -> dict:
    officer = beat.officer
    return {
        "id": beat.pk,
        "officer": {"id": officer.pk, "name": officer.name, "badge_number": officer.badge_number},
        "area": _area_ref(beat.area),
        "start_date": beat.start_date,
        "end_date": beat.end_date,
        "is_lead": beat.is_lead,
    }


# --- Units ---------------------------------------------------------------------------------------


@router.get(
    "/units",
    response={200: UnitPage, **ERRORS_READ},
    summary="List the units in your jurisdiction",
)
def unit_list(request: HttpRequest, filters: Query[UnitFilter]):
    """Units of the caller's subtree in tree order, filtered by kind, direct parent or text.
    Paginated by `limit` (≤ 500) and `offset`; `count` is the total after filtering."""
    user = require(request, Capability.VIEW_ORG)
    qs = UnitFilters.queryset(user, filters)
    page = offset_page(qs, limit=filters.limit, offset=filters.offset)
    parents = selectors.visible_parent_ids(user, page.items)
    return page.as_dict([_unit(u, parents) for u in page.items])


@router.get(
    "/units/{unit_id}",
    response={200: UnitDetailOut, **ERRORS_READ},
    summary="One unit, with its child units and the areas it serves",
)
def unit_detail(request: HttpRequest, unit_id: Path[Id]):
    user = require(request, Capability.VIEW_ORG)
    unit = selectors.unit_get(user, unit_id)
    children = selectors.unit_children(user, unit).order_by("path")
    areas = selectors.unit_areas(user, unit)
    return {
        **_unit(unit, selectors.visible_parent_ids(user, [unit])),
        "children": [{"id": c.pk, "kind": c.kind, "name": c.name} for c in children],
        "areas": [_area_ref(a) for a in areas],
    }


# --- Areas ---------------------------------------------------------------------------------------


@router.get(
    "/areas",
    response={200: AreaPage, **ERRORS_READ},
    summary="List the areas in your jurisdiction",
)
def area_list(request: HttpRequest, filters: Query[AreaFilter]):
    """Areas the caller may see in tree order (a beat officer: only their beat's villages),
    filtered by kind, direct parent or text — Chinese name, pinyin, pinyin initials (`wfg` →
    瓦房沟村) or division code. Paginated by `limit` (≤ 500) and `offset`."""
    user = require(request, Capability.VIEW_ORG)
    qs = AreaFilters.queryset(user, filters)
    page = offset_page(qs, limit=filters.limit, offset=filters.offset)
    parents = selectors.visible_parent_ids(user, page.items)
    return page.as_dict([_area(a, parents) for a in page.items])


def _area_detail(user, area: Area) -> dict:
    card = selectors.contact_card(area)
    return {
        **_area(area, selectors.visible_parent_ids(user, [area])),
        "contact_card": {
            "officer": _officer_card(card.officer) if card.officer else None,
            "unit": (
                {
                    "id": card.unit.pk,
                    "name": card.unit.name,
                    "address": card.unit.address,
                    "phone": card.unit.phone,
                }
                if card.unit
                else None
            ),
            "address": card.address,
            "others": [_officer_card(o) for o in card.others],
        },
    }


@router.get(
    "/areas/{area_id}",
    response={200: AreaDetailOut, **ERRORS_READ},
    summary="One area, with its contact card",
)
def area_detail(request: HttpRequest, area_id: Path[Id]):
    """The area and its contact card (警民联系卡): the lead beat officer's name, badge number
    and phone, the serving workstation or office with its address, and the other officers."""
    user = require(request, Capability.VIEW_ORG)
    return _area_detail(user, selectors.area_get(user, area_id))


@router.patch(
    "/areas/{area_id}",
    response={200: AreaDetailOut, **ERRORS_WRITE},
    summary="Change an area's name, division code or position",
)
def area_update(request: HttpRequest, area_id: Path[Id], payload: AreaPatchIn):
    """System admins only. Only the fields sent change; the pinyin follows the name. One audit
    event (with the values before and after) per request that changes something."""
    user = require(request, Capability.VIEW_ORG)
    area = selectors.area_get(user, area_id)
    area = services.area_update(actor=user, area=area, **payload.model_dump(exclude_unset=True))
    return _area_detail(user, area)


# --- Beats ---------------------------------------------------------------------------------------


@router.post(
    "/beats",
    response={201: BeatOut, **ERRORS_WRITE},
    summary="Put an officer on an area's beat",
)
def beat_assign(request: HttpRequest, payload: BeatAssignIn):
    """Station leaders (their station), commanders and system admins. With `is_lead` the area's
    previous lead is ended and reopened as a non-lead beat. An officer or area outside the
    caller's jurisdiction answers 404."""
    user = require(request, Capability.VIEW_ORG)
    officer = Officer.objects.visible_to(user).get(pk=payload.officer)
    area = Area.objects.visible_to(user).get(pk=payload.area)
    beat = services.beat_assign(
        actor=user,
        officer=officer,
        area=area,
        start_date=payload.start_date,
        is_lead=payload.is_lead,
    )
    return Status(201, _beat(beat))


@router.post(
    "/beats/{beat_id}/end",
    response={200: BeatOut, **ERRORS_WRITE},
    summary="End a beat",
)
def beat_end(request: HttpRequest, beat_id: Path[Id], payload: BeatEndIn | None = None):
    """The officer leaves the area on `end_date` (default today); the beat stays as history."""
    user = require(request, Capability.VIEW_ORG)
    beat = Beat.objects.visible_to(user).select_related("officer", "area").get(pk=beat_id)
    end_date = payload.end_date if payload is not None else None
    beat = services.beat_end(actor=user, beat=beat, end_date=end_date)
    return _beat(beat)


# --- Coverage ------------------------------------------------------------------------------------


@router.get(
    "/coverage",
    response={200: CoverageOut, **ERRORS_READ},
    summary="Villages and communities with a beat officer and both aides (村社有警, 一警两员)",
)
def coverage(request: HttpRequest, filters: Query[CoverageFilter]):
    user = require(request, Capability.VIEW_ORG)
    report = selectors.coverage_report(user, kind=filters.kind)
    return {
        "areas_total": report.areas_total,
        "areas_covered": report.areas_covered,
        "areas_complete": report.areas_complete,
        "uncovered": [_area_ref(a) for a in report.uncovered],
        "without_patroller": [_area_ref(a) for a in report.without_patroller],
        "without_security_member": [_area_ref(a) for a in report.without_security_member],
    }


@router.get(
    "/rules",
    response={200: BureauRulesOut, **ERRORS_READ},
    summary="The bureau's rules",
    operation_id="org_rules_get",
)
def rules_get(request: HttpRequest):
    """The commander and the system admin: the rules they set."""
    user = require(request, Capability.MANAGE_RULES)
    return selectors.bureau_rules(user)


@router.put(
    "/rules",
    response={200: BureauRulesOut, **ERRORS_WRITE},
    summary="Set the bureau's rules",
    operation_id="org_rules_set",
)
def rules_set(request: HttpRequest, payload: BureauRulesIn):
    """The commander and the system admin; audited with before and after."""
    user = require(request, Capability.MANAGE_RULES)
    services.bureau_rules_update(actor=user, **payload.model_dump())
    return selectors.bureau_rules(user)
