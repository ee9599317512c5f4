"""The organisation API: units, areas (with the contact card), beats, the coverage report, and
the people — officers (民警) and the two kinds of aides (两员).

Every read starts from ``visible_to(request.auth)`` (through the selectors): an id outside the
caller's jurisdiction answers 404 exactly like an id that does not exist. Every endpoint needs
the ``view_org`` capability (the audit admin lacks it: 403); writes go through ``org.services``,
which check the write capability (403) and the jurisdiction again inside their transaction.

The id of a unit or an area in a request *body* that the caller cannot see (or that does not
exist) is a field error (422 on ``unit_id`` / ``area_id``), not a 404: the path names the object
acted on, the body only its input. Services report their errors on the model's field names
(``unit``, ``area``); the people endpoints rename them to the body's (``unit_id``, ``area_id``).

Phones: an officer's phone is their work phone, shown as stored (E.164, unmasked), as the contact
card shows it; an aide's is a personal mobile, always masked (``core.masking.mask_phone``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from cunjing.core.api import ERRORS_READ, ERRORS_WRITE, Id, require
from cunjing.core.masking import mask_phone
from cunjing.core.pagination import offset_page
from cunjing.core.roles import Capability
from cunjing.org import selectors, services
from cunjing.org.filters import AideFilters, AreaFilters, OfficerFilters, UnitFilters
from cunjing.org.models import Aide, Area, Beat, Officer, OrgChange, Unit
from cunjing.org.schemas import (
    AideDetailOut,
    AideFilter,
    AideIn,
    AidePage,
    AidePatchIn,
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
    LeaveIn,
    OfficerDetailOut,
    OfficerFilter,
    OfficerIn,
    OfficerPage,
    OfficerPatchIn,
    OfficerTransferIn,
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


# --- People: officers and aides ------------------------------------------------------------------


@contextmanager
def _body_fields(**renames: str) -> Iterator[None]:
    """Report a service's errors on the body's field names (``unit`` → ``unit_id``)."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {renames.get(field, field): errors for field, errors in exc.error_dict.items()}
        ) from exc


def _body_unit(user, unit_id: int) -> Unit:
    """A unit named in a body, through the caller's scope: else a 422 on ``unit_id`` (the same
    for a unit that does not exist)."""
    unit = Unit.objects.visible_to(user).filter(pk=unit_id).first()
    if unit is None:
        raise ValidationError({"unit_id": [_("This unit is outside your jurisdiction.")]})
    return unit


def _body_area(user, area_id: int) -> Area:
    area = Area.objects.visible_to(user).filter(pk=area_id).first()
    if area is None:
        raise ValidationError({"area_id": [_("This area is outside your jurisdiction.")]})
    return area


def _plain(changes: dict) -> dict:
    """Enum members (kind, subtype) as their plain values."""
    return {k: v.value if isinstance(v, Enum) else v for k, v in changes.items()}


def _open_beat_counts(officers: list[Officer]) -> dict[int, int]:
    """Beats each officer serves today (one query for a page)."""
    if not officers:
        return {}
    rows = (
        Beat.objects.active()
        .filter(bureau_id=officers[0].bureau_id, officer__in=[o.pk for o in officers])
        .values("officer_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["officer_id"]: row["n"] for row in rows}


def _beat_open(beat: Beat, today: dt.date) -> bool:
    return beat.start_date <= today and (beat.end_date is None or beat.end_date > today)


def _change(change: OrgChange) -> dict:
    return {
        "id": change.pk,
        "action": change.action,
        "action_label": str(change.get_action_display()),
        "on": change.on,
        "detail": change.detail,
        "note": change.note,
    }


def _officer(officer: Officer, open_beats: int) -> dict:
    unit = officer.unit
    return {
        "id": officer.pk,
        "name": officer.name,
        "badge_number": officer.badge_number,
        "title": officer.title,
        "phone": officer.phone,  # the work phone, as on the contact card
        "unit": {"id": unit.pk, "kind": unit.kind, "name": unit.name},
        "is_active": officer.is_active,
        "left_on": officer.left_on,
        "open_beat_count": open_beats,
    }


def _officer_detail(user, officer_id: int) -> dict:
    officer = selectors.officer_get(user, officer_id)
    beats = selectors.officer_beats(user, officer)
    today = timezone.localdate()
    history = selectors.org_changes(user, officer=officer)
    return {
        **_officer(officer, sum(1 for b in beats if _beat_open(b, today))),
        "beats": [
            {
                "id": b.pk,
                "area": _area_ref(b.area),
                "start_date": b.start_date,
                "end_date": b.end_date,
                "is_lead": b.is_lead,
                "is_open": _beat_open(b, today),
            }
            for b in beats
        ],
        "history": [_change(c) for c in history],
    }


def _aide(aide: Aide) -> dict:
    return {
        "id": aide.pk,
        "name": aide.name,
        "kind": aide.kind,
        "kind_label": str(aide.get_kind_display()),
        "subtype": aide.subtype or None,
        "subtype_label": str(aide.get_subtype_display()) if aide.subtype else "",
        "phone": mask_phone(aide.phone),  # a personal mobile: masked
        "area": _area_ref(aide.area),
        "is_active": aide.is_active,
        "started_on": aide.started_on,
        "ended_on": aide.ended_on,
    }


def _aide_detail(user, aide_id: int) -> dict:
    aide = selectors.aide_get(user, aide_id)
    history = selectors.org_changes(user, aide=aide)
    return {**_aide(aide), "history": [_change(c) for c in history]}


@router.get(
    "/officers",
    response={200: OfficerPage, **ERRORS_READ},
    summary="List the officers in your jurisdiction",
)
def officer_list(request: HttpRequest, filters: Query[OfficerFilter]):
    """Officers (民警) posted to the units of the caller's subtree, ordered by unit (tree order)
    and name. Search `q` by name, pinyin initials (`zw` → 张伟) or the start of the badge
    number; `unit` keeps that unit and the units under it; `state` is `active` (serving, the
    default) or `inactive` (retired or left); `on_beat` keeps those with (or without) a beat
    today. Paginated by `limit` (≤ 500) and `offset`; `count` is the total after filtering."""
    user = require(request, Capability.VIEW_ORG)
    qs = OfficerFilters.queryset(user, filters)
    page = offset_page(qs, limit=filters.limit, offset=filters.offset)
    counts = _open_beat_counts(page.items)
    return page.as_dict([_officer(o, counts.get(o.pk, 0)) for o in page.items])


@router.post(
    "/officers",
    response={201: OfficerDetailOut, **ERRORS_WRITE},
    summary="Add an officer",
)
def officer_create(request: HttpRequest, payload: OfficerIn):
    """System admins only (`manage_org`; others 403). The officer is posted to `unit_id`, an
    open unit of the caller's jurisdiction at any level; a unit the caller cannot see, or that
    does not exist, is a 422 on `unit_id`. A badge number already used in the bureau is a 422 on
    `badge_number`. Audited (`officer.create`)."""
    user = require(request, Capability.VIEW_ORG)
    require(request, Capability.MANAGE_ORG)
    unit = _body_unit(user, payload.unit_id)
    with _body_fields(unit="unit_id"):
        officer = services.officer_create(
            actor=user,
            unit=unit,
            name=payload.name,
            badge_number=payload.badge_number,
            phone=payload.phone,
            title=payload.title,
        )
    return Status(201, _officer_detail(user, officer.pk))


@router.get(
    "/officers/{officer_id}",
    response={200: OfficerDetailOut, **ERRORS_READ},
    summary="One officer, with their beats and history",
)
def officer_detail(request: HttpRequest, officer_id: Path[Id]):
    """The officer, every beat they have served (open first, then ended ones, newest first)
    and their history: transfers and retirement. An officer outside the caller's jurisdiction
    answers 404."""
    user = require(request, Capability.VIEW_ORG)
    return _officer_detail(user, officer_id)


@router.patch(
    "/officers/{officer_id}",
    response={200: OfficerDetailOut, **ERRORS_WRITE},
    summary="Change an officer's name, badge number, title or work phone",
)
def officer_update(request: HttpRequest, officer_id: Path[Id], payload: OfficerPatchIn):
    """System admins only. Only the fields sent change; any other field is a 422 (the unit
    changes by a transfer). One audit event (`officer.update`, before and after) per request
    that changes something."""
    user = require(request, Capability.VIEW_ORG)
    officer = selectors.officer_get(user, officer_id)
    services.officer_update(actor=user, officer=officer, **payload.model_dump(exclude_unset=True))
    return _officer_detail(user, officer_id)


@router.post(
    "/officers/{officer_id}/transfer",
    response={200: OfficerDetailOut, **ERRORS_WRITE},
    summary="Transfer an officer to another unit",
)
def officer_transfer(request: HttpRequest, officer_id: Path[Id], payload: OfficerTransferIn):
    """System admins only. The officer is posted to `unit_id` from `on` (default today); their
    open beats end that day (new beats start in the new unit's areas). A history row
    (`officer_transfer`) and an audit event (`officer.transfer`) are written. A unit the caller
    cannot see, a closed one or the officer's own is a 422 on `unit_id`; a retired officer
    cannot be transferred."""
    user = require(request, Capability.VIEW_ORG)
    officer = selectors.officer_get(user, officer_id)
    require(request, Capability.MANAGE_ORG)
    unit = _body_unit(user, payload.unit_id)
    with _body_fields(unit="unit_id"):
        services.officer_transfer(
            actor=user, officer=officer, unit=unit, on=payload.on, note=payload.note
        )
    return _officer_detail(user, officer_id)


@router.post(
    "/officers/{officer_id}/leave",
    response={200: OfficerDetailOut, **ERRORS_WRITE},
    summary="Record that an officer retired or left the force",
)
def officer_leave(request: HttpRequest, officer_id: Path[Id], payload: LeaveIn | None = None):
    """System admins only. From `on` (default today) the officer is inactive and every open
    beat of theirs ends; their records stay, and an account linked to them sees nothing any
    more (the security admin disables it). A history row (`officer_leave`) and an audit event
    (`officer.leave`)."""
    user = require(request, Capability.VIEW_ORG)
    officer = selectors.officer_get(user, officer_id)
    payload = payload or LeaveIn()
    services.officer_leave(actor=user, officer=officer, on=payload.on, note=payload.note)
    return _officer_detail(user, officer_id)


@router.get(
    "/aides",
    response={200: AidePage, **ERRORS_READ},
    summary="List the aides in your jurisdiction",
)
def aide_list(request: HttpRequest, filters: Query[AideFilter]):
    """The two kinds of aides (两员: patrollers and security members) of the villages and
    communities the caller may see, ordered by area and name. Search `q` by name, pinyin
    initials or digits of the phone; `area` keeps a village, or every village under a township;
    `kind`, `subtype`; `state` is `active` (serving, the default) or `inactive`. Phones are
    masked. Paginated by `limit` (≤ 500) and `offset`."""
    user = require(request, Capability.VIEW_ORG)
    qs = AideFilters.queryset(user, filters)
    page = offset_page(qs, limit=filters.limit, offset=filters.offset)
    return page.as_dict([_aide(a) for a in page.items])


@router.post(
    "/aides",
    response={201: AideDetailOut, **ERRORS_WRITE},
    summary="Add an aide to a village or community",
)
def aide_create(request: HttpRequest, payload: AideIn):
    """System admins only. A patroller (no subtype) or a security member (with its subtype) in
    the village or community `area_id`; an area the caller cannot see, or that is not a village
    or community, is a 422 on `area_id`. The phone must not be a serving aide's of the bureau
    already. Audited (`aide.create`)."""
    user = require(request, Capability.VIEW_ORG)
    require(request, Capability.MANAGE_ORG)
    area = _body_area(user, payload.area_id)
    with _body_fields(area="area_id"):
        aide = services.aide_create(
            actor=user,
            area=area,
            name=payload.name,
            kind=payload.kind.value,
            subtype=payload.subtype.value if payload.subtype else "",
            phone=payload.phone,
            started_on=payload.started_on,
        )
    return Status(201, _aide_detail(user, aide.pk))


@router.get(
    "/aides/{aide_id}",
    response={200: AideDetailOut, **ERRORS_READ},
    summary="One aide, with their history",
)
def aide_detail(request: HttpRequest, aide_id: Path[Id]):
    """The aide (phone masked) and the end of their service, if it ended. An aide outside the
    caller's jurisdiction answers 404."""
    user = require(request, Capability.VIEW_ORG)
    return _aide_detail(user, aide_id)


@router.patch(
    "/aides/{aide_id}",
    response={200: AideDetailOut, **ERRORS_WRITE},
    summary="Change an aide's name, kind, subtype, phone, area or start date",
)
def aide_update(request: HttpRequest, aide_id: Path[Id], payload: AidePatchIn):
    """System admins only. Only the fields sent change; kind and subtype must agree afterwards
    (a patroller has none, a security member one). `area_id` moves the aide to another village
    or community (a linked account follows at once). An ended aide cannot be changed. One audit
    event (`aide.update`) per request that changes something."""
    user = require(request, Capability.VIEW_ORG)
    aide = selectors.aide_get(user, aide_id)
    changes = _plain(payload.model_dump(exclude_unset=True))
    if "area_id" in changes:
        require(request, Capability.MANAGE_ORG)
        changes["area"] = _body_area(user, changes.pop("area_id"))
    with _body_fields(area="area_id"):
        services.aide_update(actor=user, aide=aide, **changes)
    return _aide_detail(user, aide_id)


@router.post(
    "/aides/{aide_id}/end",
    response={200: AideDetailOut, **ERRORS_WRITE},
    summary="End an aide's service",
)
def aide_end(request: HttpRequest, aide_id: Path[Id], payload: LeaveIn | None = None):
    """System admins only. From `on` (default today, not before the aide started) the aide is
    inactive; their records stay, and an account linked to them sees nothing any more. A
    history row (`aide_end`) and an audit event (`aide.end`)."""
    user = require(request, Capability.VIEW_ORG)
    aide = selectors.aide_get(user, aide_id)
    payload = payload or LeaveIn()
    services.aide_end(actor=user, aide=aide, on=payload.on, note=payload.note)
    return _aide_detail(user, aide_id)
