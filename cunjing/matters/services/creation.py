"""Creation of matters: collected by staff (their own, or a hotline call, WeChat or SMS message
entered at a desk) or submitted by a resident (portal, Open311). A new matter starts at the unit
serving its area (the workstation, else the office), with its deadlines, its first timeline row
and its audit event, and counts one matter collected for that unit today. A photo or PDF sent
with it is stored in the same transaction: both or neither."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core import audit
from cunjing.core.roles import RESIDENT, Capability, Role, acting_user, has_capability
from cunjing.core.validators import normalize_phone
from cunjing.core.writes import refuse
from cunjing.matters.models import (
    PUBLIC_SOURCES,
    Action,
    Matter,
    MatterCategory,
    MatterKind,
    Source,
    State,
)
from cunjing.matters.services._common import matter_snapshot, record_event
from cunjing.matters.services.attachments import attachment_add
from cunjing.matters.services.codes import new_tracking_code
from cunjing.matters.services.sla import start_clocks
from cunjing.org import selectors as org_selectors
from cunjing.org.models import BEAT_AREA_KINDS, Area
from cunjing.stats.services import figures_add

STAFF_SOURCES = {
    Role.BEAT_OFFICER: frozenset({Source.OFFICER, Source.HOTLINE, Source.WECHAT, Source.SMS}),
    Role.AIDE: frozenset({Source.AIDE}),
}
_DESK_SOURCES = frozenset({Source.HOTLINE, Source.WECHAT, Source.SMS})


def sources_for(actor) -> list[str]:
    """The sources ``actor`` may give a matter, their default first."""
    allowed_sources = STAFF_SOURCES.get(getattr(actor, "role", ""), _DESK_SOURCES)
    first = default_source(actor)
    return [first, *sorted(s for s in allowed_sources if s != first)]


def default_source(actor) -> str:
    role = getattr(actor, "role", "")
    return {Role.BEAT_OFFICER: Source.OFFICER, Role.AIDE: Source.AIDE}.get(role, Source.HOTLINE)


class AlreadySubmitted(ValidationError):
    """Refused on ``client_uuid``: the actor already stored a matter under this key (a form
    posted twice, a request replayed). ``matter_id`` is that first matter when the actor may
    read it — what a retry is answered with — else None."""

    def __init__(self, matter_id: int | None):
        super().__init__({"client_uuid": [_("This record was already submitted.")]})
        self.matter_id = matter_id


def _phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError({"reporter_phone": exc.messages}) from exc


def _create(
    *,
    actor,
    area: Area,
    kind: str,
    source: str,
    description: str,
    category: MatterCategory | None,
    latitude: float | None,
    longitude: float | None,
    reporter_name: str,
    reporter_phone: str,
    client_uuid: uuid.UUID | None,
    attachment=None,
) -> Matter:
    """The matter, its timeline row, its audit event, its count and (when given) its attachment,
    in the caller's transaction: staff's and residents' matters alike."""
    if area.kind not in BEAT_AREA_KINDS:
        raise refuse("area", _("Choose a village or community."))
    if (latitude is None) != (longitude is None):
        raise refuse("latitude", _("Give both latitude and longitude, or neither."))
    if category is not None and (
        category.bureau_id != area.bureau_id or category.kind != kind or not category.active
    ):
        raise refuse("category", _("Choose an active category of this kind."))
    unit = org_selectors.record_unit(area, actor=actor)
    now = timezone.now()
    matter = Matter(
        bureau_id=area.bureau_id,
        tracking_code=new_tracking_code(area.bureau_id),
        kind=kind,
        category=category,
        source=source,
        area=area,
        latitude=latitude,
        longitude=longitude,
        description=(description or "").strip(),
        reporter_name=(reporter_name or "").strip(),
        reporter_phone=_phone(reporter_phone),
        state=State.NEW,
        level=unit.kind,
        entry_unit=unit,
        handling_unit=unit,
        created_by=acting_user(actor),
        client_uuid=client_uuid,
        created_at=now,
    )
    if kind in MatterKind.values:
        start_clocks(matter, now)
    matter.full_clean()
    matter.save()
    record_event(
        matter, actor=actor, action=Action.CREATE, from_state="", from_level="", note="", now=now
    )
    audit.record(
        actor=actor, action="matter.create", instance=matter, after=matter_snapshot(matter)
    )
    figures_add(unit=unit, day=timezone.localdate(now), deltas={"matters": 1})
    if attachment is not None:
        _attach(actor=actor, matter=matter, attachment=attachment)
    return matter


def _attach(*, actor, matter: Matter, attachment) -> None:
    """The file sent with a new matter; its refusals are on ``attachment``, the field the
    file came in."""
    try:
        attachment_add(actor=actor, matter=matter, upload=attachment)
    except ValidationError as exc:
        errors = exc.message_dict
        if "file" in errors:
            errors["attachment"] = errors.pop("file")
        raise ValidationError(errors) from exc


@transaction.atomic
def matter_create(
    *,
    actor,
    area: Area,
    kind: str,
    description: str,
    source: str | None = None,
    category: MatterCategory | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    client_uuid: uuid.UUID | None = None,
    attachment=None,
) -> Matter:
    """A matter collected by staff: a beat officer's or an aide's own, or a hotline call,
    WeChat or SMS message entered at a desk. Created at the workstation (else office) serving
    ``area``, with its deadlines; counts one matter collected for that unit today.

    ``client_uuid`` stores it once: the same key again is :class:`AlreadySubmitted`.
    ``attachment`` (an uploaded file) is stored with it, or the whole is refused."""
    area = Area.objects.visible_to(actor).get(pk=area.pk)
    if not has_capability(actor, Capability.REPORT_MATTERS):
        raise PermissionDenied(_("You do not have permission to do this."))
    source = source or default_source(actor)
    allowed_sources = STAFF_SOURCES.get(actor.role, _DESK_SOURCES)
    if source not in allowed_sources:
        raise refuse("source", _("This source cannot be chosen by your role."))
    if client_uuid is not None:
        first = (
            Matter.objects.filter(
                bureau_id=area.bureau_id, created_by=actor, client_uuid=client_uuid
            )
            .values_list("pk", flat=True)
            .first()
        )
        if first is not None:
            readable = Matter.objects.visible_to(actor).filter(pk=first).exists()
            raise AlreadySubmitted(first if readable else None)
    return _create(
        actor=actor,
        area=area,
        kind=kind,
        source=source,
        description=description,
        category=category,
        latitude=latitude,
        longitude=longitude,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        client_uuid=client_uuid,
        attachment=attachment,
    )


@transaction.atomic
def matter_submit(
    *,
    area: Area,
    kind: str,
    description: str,
    source: str = Source.PORTAL,
    category: MatterCategory | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    attachment=None,
) -> Matter:
    """A matter submitted by a resident (portal or Open311; no account). The caller resolves
    the area (from the village chosen, a point or an address) and gives the tracking code of
    the result to the resident: it is their only key to the matter. ``attachment`` (an
    uploaded file) is stored with it, or the whole is refused."""
    if source not in PUBLIC_SOURCES:
        raise refuse("source", _("Select a valid choice."))
    return _create(
        actor=RESIDENT,
        area=area,
        kind=kind,
        source=source,
        description=description,
        category=category,
        latitude=latitude,
        longitude=longitude,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        client_uuid=None,
        attachment=attachment,
    )
