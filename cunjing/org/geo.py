"""Where a point or an address falls: the village or community (村社) of a bureau that holds it.

Boundaries are GeoJSON Polygons or MultiPolygons in WGS-84 (``[longitude, latitude]`` pairs) kept
on :class:`~cunjing.org.models.Area` with their bounding box. A point lookup picks its candidates
with an indexed range query on the bounding boxes, then tests them exactly with shapely (GEOS:
polygons, multipolygons and holes handled correctly; the edge counts as inside). When no
boundary holds the point, the village or community whose centre is nearest wins, if it lies
within ``nearest_km``.

An address names its village: the villages and communities whose full name appears in the text
(the longest name wins over a name it contains, e.g. 大刘沟村 over 刘沟村); a name shared by two
areas needs the township's name in the text too.

Reads scoped by bureau only: the callers are public endpoints (Open311, the portal) that have no
user; they never return more than the area found.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import Point, mapping, shape

from cunjing.org.models import BEAT_AREA_KINDS, Area

EARTH_RADIUS_KM = 6371.0088
BOUNDARY_TYPES = frozenset({"Polygon", "MultiPolygon"})
MAX_BOUNDARY_POINTS = 20_000


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _refuse(message: str) -> ValidationError:
    return ValidationError({"boundary": [message]})


def clean_boundary(value: Any) -> tuple[dict | None, tuple[float, float, float, float] | None]:
    """Check a boundary (a GeoJSON dict, its JSON text, or empty) and return it with its bounding
    box ``(min_lat, max_lat, min_lon, max_lon)``. Refuses anything but a valid Polygon or
    MultiPolygon inside WGS-84's ranges, with a field error on ``boundary``."""
    if value in (None, "", {}):
        return None, None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _refuse(_("The boundary is not valid GeoJSON.")) from None
    if not isinstance(value, dict) or value.get("type") not in BOUNDARY_TYPES:
        raise _refuse(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    try:
        geometry = shape(value)
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        shapely.errors.ShapelyError,
    ):
        raise _refuse(_("The boundary is not valid GeoJSON.")) from None
    if geometry.is_empty or shapely.get_num_coordinates(geometry) > MAX_BOUNDARY_POINTS:
        raise _refuse(_("The boundary is not valid GeoJSON."))
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-90 <= min_lat <= max_lat <= 90 and -180 <= min_lon <= max_lon <= 180):
        raise _refuse(_("The boundary must use WGS-84 longitude and latitude."))
    if not geometry.is_valid:
        raise _refuse(_("The boundary crosses itself or is not closed."))
    return mapping_of(geometry), (min_lat, max_lat, min_lon, max_lon)


def mapping_of(geometry) -> dict:
    """A shapely geometry as plain GeoJSON (lists, not tuples: what a JSONField gives back)."""
    return json.loads(json.dumps(mapping(geometry)))


# --- Point lookup -------------------------------------------------------------------------------


def _beat_areas(bureau_id: int):
    return Area.objects.filter(bureau_id=bureau_id, kind__in=BEAT_AREA_KINDS)


def area_at_point(
    *, bureau_id: int, latitude: float, longitude: float, nearest_km: float
) -> Area | None:
    """The village or community of the bureau whose boundary holds the point (on a shared edge,
    the one whose centre is nearest, then the lowest id); else the one whose centre is nearest,
    within ``nearest_km``; else None."""
    point = Point(longitude, latitude)
    candidates = list(
        _beat_areas(bureau_id)
        .filter(
            boundary__isnull=False,
            bbox_min_lat__lte=latitude,
            bbox_max_lat__gte=latitude,
            bbox_min_lon__lte=longitude,
            bbox_max_lon__gte=longitude,
        )
        .order_by("pk")
    )
    holding = [a for a in candidates if shape(a.boundary).covers(point)]
    if holding:
        return min(holding, key=lambda a: (_distance(a, latitude, longitude), a.pk))
    return nearest_centre(
        bureau_id=bureau_id, latitude=latitude, longitude=longitude, within_km=nearest_km
    )


def _distance(area: Area, latitude: float, longitude: float) -> float:
    if area.latitude is None or area.longitude is None:
        return math.inf
    return haversine_km(latitude, longitude, area.latitude, area.longitude)


def nearest_centre(
    *, bureau_id: int, latitude: float, longitude: float, within_km: float
) -> Area | None:
    """The village or community whose centre is nearest the point, if within ``within_km``."""
    if within_km <= 0:
        return None
    dlat = within_km / 111.0 + 1e-9
    dlon = within_km / (111.0 * max(math.cos(math.radians(latitude)), 0.01)) + 1e-9
    rows = _beat_areas(bureau_id).filter(
        latitude__gte=latitude - dlat,
        latitude__lte=latitude + dlat,
        longitude__gte=longitude - dlon,
        longitude__lte=longitude + dlon,
    )
    best = min(
        ((haversine_km(latitude, longitude, a.latitude, a.longitude), a.pk, a) for a in rows),
        default=None,
        key=lambda item: item[:2],
    )
    if best is None or best[0] > within_km:
        return None
    return best[2]


# --- Address lookup -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressMatch:
    """The areas an address names: exactly one in ``area``, or the candidates it could mean."""

    area: Area | None
    candidates: tuple[Area, ...] = ()


def areas_named_in(*, bureau_id: int, text: str) -> AddressMatch:
    """The village or community an address names. ``area`` is set when exactly one fits;
    ``candidates`` lists them when the text is ambiguous; both empty when none is named."""
    text = "".join((text or "").split())
    if not text:
        return AddressMatch(None)
    areas = list(_beat_areas(bureau_id).order_by("path"))
    named = [a for a in areas if a.name and a.name in text]
    # A name inside a longer name also found (刘沟村 in 大刘沟村) is not a second match.
    named = [a for a in named if not any(a.name != b.name and a.name in b.name for b in named)]
    if len(named) <= 1:
        return AddressMatch(named[0] if named else None)
    townships = {
        t.path: t
        for t in Area.objects.filter(
            bureau_id=bureau_id, path__in={a.path[: -Area.steplen] for a in named}
        )
    }
    narrowed = [a for a in named if townships.get(a.path[: -Area.steplen], a).name in text]
    if len(narrowed) == 1:
        return AddressMatch(narrowed[0])
    return AddressMatch(None, tuple(narrowed or named))
