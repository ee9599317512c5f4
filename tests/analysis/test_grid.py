from __future__ import annotations

import numpy as np

from cunjing.analysis.grid import Projection, load_polygon, make_grid, polygon_grid


def test_projection_round_trip_and_scale():
    p = Projection(30.0, 120.0)
    x, y = p.forward([30.0, 30.01], [120.0, 120.01])
    assert abs(x[0]) < 1e-9 and abs(y[0]) < 1e-9
    assert abs(y[1] - 1111.95) < 1  # 0.01 degree of latitude
    assert abs(x[1] - 1111.95 * np.cos(np.radians(30))) < 1
    lat, lon = p.inverse(x, y)
    assert np.allclose(lat, [30.0, 30.01]) and np.allclose(lon, [120.0, 120.01])


def test_grid_covers_points_and_centres_are_inside_their_cells():
    rng = np.random.default_rng(1)
    lat = 30 + rng.uniform(0, 0.05, 1000)
    lon = 120 + rng.uniform(0, 0.05, 1000)
    g = make_grid(lat, lon, 200)
    idx = g.flat_index(lat, lon)
    assert (idx >= 0).all()
    clat, clon = g.centres(idx)
    assert np.array_equal(g.flat_index(clat, clon), idx)
    # a centre is at most half a diagonal away from its points
    x1, y1 = g.projection.forward(lat, lon)
    x2, y2 = g.projection.forward(clat, clon)
    assert np.hypot(x1 - x2, y1 - y2).max() <= 200 * np.sqrt(2) / 2 + 1e-6
    assert g.flat_index([0.0], [0.0])[0] == -1


def test_polygon_mask(tmp_path):
    path = tmp_path / "area.txt"
    # a ~2 km square
    path.write_text("# lon,lat\n120.0,30.0\n120.02,30.0\n120.02,30.018\n120.0,30.018\n")
    poly = load_polygon(path)
    _, mask = polygon_grid(poly, 200)
    assert 80 <= mask.sum() <= 110  # ~ (2000/200)^2 cells
    gj = tmp_path / "area.geojson"
    gj.write_text(
        '{"type": "Polygon", "coordinates": [[[120.0,30.0],[120.02,30.0],[120.0,30.018],'
        "[120.0,30.0]]]}"
    )
    _, tri = polygon_grid(load_polygon(gj), 200)
    assert 0.35 < tri.sum() / mask.sum() < 0.65


def test_stray_points_do_not_blow_up_the_grid():
    rng = np.random.default_rng(2)
    lat = np.concatenate([30 + rng.uniform(0, 0.05, 5000), [0.5, 45.0]])
    lon = np.concatenate([120 + rng.uniform(0, 0.05, 5000), [100.0, 130.0]])
    g = make_grid(lat, lon, 200)
    assert g.size < 100 * 100
    idx = g.flat_index(lat, lon)
    assert (idx[:-2] >= 0).all() and (idx[-2:] == -1).all()
