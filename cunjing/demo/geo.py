"""Stand-in boundaries for the demo county, whose real village boundaries are not known: each
village's and community's Voronoi cell around its centre, so that a point always finds one area
(``cunjing.org.geo``)."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import MultiPoint, Point

from cunjing.org.geo import mapping_of


def voronoi_boundaries(
    centres: dict[Any, tuple[float, float]], *, margin_deg: float = 0.02
) -> dict[Any, dict]:
    """Non-overlapping boundaries for points ``{key: (latitude, longitude)}``: each point's
    Voronoi cell, clipped to the points' convex hull grown by ``margin_deg``. A stand-in where
    real boundaries are not known (the demo county)."""
    keys = list(centres)
    if not keys:
        return {}
    points = [Point(centres[k][1], centres[k][0]) for k in keys]
    hull = MultiPoint(points).convex_hull.buffer(margin_deg)
    if len(points) == 1:
        return {keys[0]: mapping_of(shapely.set_precision(hull, 1e-6))}
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=hull)
    result: dict[Any, dict] = {}
    for cell in cells.geoms:
        clipped = shapely.set_precision(cell.intersection(hull), 1e-6)
        for key, point in zip(keys, points, strict=True):
            if key not in result and cell.covers(point):
                result[key] = mapping_of(clipped)
                break
    return result
