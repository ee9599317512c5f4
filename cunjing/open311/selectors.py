"""Reads of Open311: the bureau's services, a client list of keys, and service requests as the
spec shows them — public fields only.

Public means what the reporter reads on the portal (``matters.selectors.ReporterView``, one rule
for both): the matter's service, status, the handling unit's name, the deadline, times, the
village, and in ``status_notes`` the outcome (the resolution, where it was referred, that it is
handled together with another report) and every reply to the reporter. Never the reporter's name
or phone, the staff who handled it, the timeline's internal notes, or the outcome of a crime
lead; a lead (kind ``lead``) also shows no description and no location to anyone reading it
back: a tip is not repeated outward.

Status (the spec has two): ``open`` while the matter is new or accepted (``OPEN_STATES``);
``closed`` once resolved, closed or referred elsewhere. A matter merged into another reads the
status of that one. A resolved matter the reporter reopens is ``open`` again.

Which requests a caller may read:

* by service request id (the matter's tracking code, 60 random bits) or by token: anybody, with
  or without a key — the code is the reporter's key to their matter, as on the portal; only
  matters from the public channels (Open311, portal), never a matter staff entered;
* the list without ids: only with an API key, and only that client's own requests.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from cunjing.core.validators import ascii_int
from cunjing.matters.models import (
    OPEN_STATES,
    PUBLICLY_TRACKABLE,
    Matter,
    MatterCategory,
    MatterEvent,
    MatterKind,
    State,
)
from cunjing.matters.selectors import ReporterView, reporter_views
from cunjing.matters.services import normalize_tracking_code
from cunjing.open311.models import Open311Client, Open311Request
from cunjing.org import geo
from cunjing.org.models import Area

OPEN, CLOSED = "open", "closed"
OPEN311_STATUS = {state: (OPEN if state in OPEN_STATES else CLOSED) for state in State.values}
LIST_LIMIT = 1000
DEFAULT_DAYS = 90


def status_of(state: str) -> str:
    return OPEN311_STATUS.get(state, CLOSED)


def states_for(statuses: set[str]) -> list[str]:
    return [s for s, status in OPEN311_STATUS.items() if status in statuses]


# --- Services -------------------------------------------------------------------------------


def services(bureau_id: int) -> list[MatterCategory]:
    """The services: the bureau's active matter categories, by kind then name."""
    return list(
        MatterCategory.objects.filter(bureau_id=bureau_id, active=True).order_by(
            "kind", "name", "pk"
        )
    )


def service_get(bureau_id: int, code: str) -> MatterCategory | None:
    """The active service of ``code`` (the category's id as text), else None."""
    pk = ascii_int(code)
    if pk is None:
        return None
    return MatterCategory.objects.filter(bureau_id=bureau_id, active=True, pk=pk).first()


def client_get(bureau_id: int, pk: int) -> Open311Client | None:
    """One client of the bureau (None for another bureau's or a missing one: a 404)."""
    return Open311Client.objects.filter(bureau_id=bureau_id, pk=pk).first()


def clients(bureau_id: int) -> list[Open311Client]:
    return list(
        Open311Client.objects.filter(bureau_id=bureau_id).order_by("-active", "-created_at", "-id")
    )


# --- Service requests ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRequest:
    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str
    service_notice: str | None
    requested_datetime: dt.datetime
    updated_datetime: dt.datetime
    expected_datetime: dt.datetime | None
    address: str
    address_id: None
    zipcode: None
    lat: float | None
    long: float | None
    media_url: None
    token: str | None


def _annotated(qs: QuerySet) -> QuerySet:
    latest_event = MatterEvent.objects.filter(matter=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        qs.filter(PUBLICLY_TRACKABLE)
        .select_related("area", "handling_unit", "category")
        .annotate(updated=Subquery(latest_event.values("created_at")[:1]))
    )


def _public(
    matter: Matter, tokens: dict[int, uuid.UUID], view: ReporterView, carrier_updated
) -> PublicRequest:
    secret = matter.kind == MatterKind.LEAD
    category = matter.category
    token = tokens.get(matter.pk)
    carrier = view.carrier  # a merged request reads the handling of the one it joined
    updated = max(
        (t for t in (matter.updated, carrier_updated) if t is not None),
        default=matter.created_at,
    )
    return PublicRequest(
        service_request_id=matter.tracking_code,
        status=status_of(carrier.state),
        status_notes=view.status_notes or None,
        service_name=category.name if category else matter.get_kind_display(),
        service_code=str(category.pk) if category else "",
        description=None if secret else matter.description,
        agency_responsible=carrier.handling_unit.name,
        service_notice=None,
        requested_datetime=matter.created_at,
        updated_datetime=updated,
        expected_datetime=carrier.resolve_due_at,
        address="" if secret else matter.area.name,
        address_id=None,
        zipcode=None,
        lat=None if secret else matter.latitude,
        long=None if secret else matter.longitude,
        media_url=None,
        token=str(token) if token else None,
    )


def _with_tokens(matters: list[Matter]) -> list[PublicRequest]:
    """The public requests of ``matters``: a fixed number of queries for any number of them
    (tokens, the reporter's views, the latest change of the matters merged ones joined)."""
    tokens = dict(
        Open311Request.objects.filter(matter_id__in=[m.pk for m in matters]).values_list(
            "matter_id", "token"
        )
    )
    views = reporter_views(matters)
    joined = {v.carrier.pk for v in views.values() if v.carrier.pk != v.matter.pk}
    latest = (
        dict(
            MatterEvent.objects.filter(matter_id__in=joined)
            .values("matter_id")
            .annotate(at=Max("created_at"))
            .values_list("matter_id", "at")
        )
        if joined
        else {}
    )
    return [_public(m, tokens, views[m.pk], latest.get(views[m.pk].carrier.pk)) for m in matters]


def requests_by_codes(bureau_id: int, codes: list[str]) -> list[PublicRequest]:
    """The public requests of these tracking codes (unknown codes are left out), newest first."""
    codes = [normalize_tracking_code(c) for c in codes if c.strip()][:LIST_LIMIT]
    qs = Matter.objects.filter(PUBLICLY_TRACKABLE, bureau_id=bureau_id, tracking_code__in=codes)
    return _with_tokens(list(_annotated(qs).order_by("-created_at", "-id")))


def request_by_token(bureau_id: int, token: str) -> Open311Request | None:
    try:
        value = uuid.UUID(token)
    except (ValueError, AttributeError, TypeError):
        return None
    return (
        Open311Request.objects.filter(bureau_id=bureau_id, token=value)
        .select_related("matter")
        .first()
    )


def client_requests(
    client: Open311Client,
    *,
    service_codes: list[int] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    statuses: set[str] | None = None,
    now: dt.datetime | None = None,
) -> list[PublicRequest]:
    """The client's own requests requested within [start, end] (default: the last 90 days),
    of these services and statuses, newest first, at most 1000."""
    now = now or timezone.now()
    if start is None and end is None:
        start = now - dt.timedelta(days=DEFAULT_DAYS)
    mine = Open311Request.objects.filter(bureau_id=client.bureau_id, client=client).values(
        "matter_id"
    )
    qs = Matter.objects.filter(bureau_id=client.bureau_id, pk__in=mine)
    if service_codes is not None:
        qs = qs.filter(category_id__in=service_codes)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if statuses:
        qs = qs.filter(state__in=states_for(statuses))
    return _with_tokens(list(_annotated(qs).order_by("-created_at", "-id")[:LIST_LIMIT]))


def request_area(
    bureau_id: int, *, lat: float | None, long: float | None, address_string: str = ""
) -> Area:
    """The village or community a request is about: the area at its point (or the nearest
    within ``OPEN311_NEAREST_KM``), else the one area its address names. Otherwise a
    ``ValidationError`` on ``lat`` (a point outside the bureau and no address) or on
    ``address_string`` (no village named, or several: their full names listed)."""
    if lat is not None:
        area = geo.area_at_point(
            bureau_id=bureau_id,
            latitude=lat,
            longitude=long,
            nearest_km=settings.OPEN311_NEAREST_KM,
        )
        if area is not None:
            return area
        if not address_string:
            raise ValidationError({"lat": _("The location is outside the bureau’s villages.")})
    found = geo.areas_named_in(bureau_id=bureau_id, text=address_string)
    if found.area is not None:
        return found.area
    if found.candidates:
        names = "、".join(_full_name(a) for a in found.candidates)
        message = _("The address could mean several villages: %(names)s.") % {"names": names}
    else:
        message = _("The address names no village or community of this bureau.")
    raise ValidationError({"address_string": message})


def _full_name(area: Area) -> str:
    township = area.get_parent()
    return f"{township.name}{area.name}" if township else area.name
