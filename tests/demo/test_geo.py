"""The demo county's stand-in boundaries (``cunjing.demo.geo``): Voronoi cells of the area
centres."""

from __future__ import annotations

from cunjing.demo import geo
from cunjing.org.geo import clean_boundary


def test_voronoi_boundaries_hold_their_centres_and_do_not_overlap():
    from shapely.geometry import Point, shape

    centres = {"a": (33.0, 113.0), "b": (33.0, 113.1), "c": (33.1, 113.05), "d": (32.95, 113.2)}
    cells = geo.voronoi_boundaries(centres)
    shapes = {k: shape(v) for k, v in cells.items()}
    for key, (lat, lon) in centres.items():
        assert shapes[key].covers(Point(lon, lat))
        assert clean_boundary(cells[key])[0] is not None
    keys = list(shapes)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            assert shapes[a].intersection(shapes[b]).area < 1e-9
