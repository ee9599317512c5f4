"""A local metric projection and a square grid over it."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
MAX_CELLS = 4_000_000
OUTLIER_MARGIN_M = 5_000.0


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection about (lat0, lon0), in metres. Over a county (tens of km) the
    distortion is well under 1 %."""

    lat0: float
    lon0: float

    @property
    def _kx(self) -> float:
        return EARTH_RADIUS_M * math.cos(math.radians(self.lat0)) * math.pi / 180.0

    @property
    def _ky(self) -> float:
        return EARTH_RADIUS_M * math.pi / 180.0

    def forward(self, lat, lon) -> tuple[np.ndarray, np.ndarray]:
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        return (lon - self.lon0) * self._kx, (lat - self.lat0) * self._ky

    def inverse(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        return self.lat0 + y / self._ky, self.lon0 + x / self._kx


@dataclass(frozen=True)
class Grid:
    """Square cells of ``cell`` metres; cell (row, col) covers
    x in [x0 + col*cell, x0 + (col+1)*cell), y in [y0 + row*cell, ...)."""

    projection: Projection
    x0: float
    y0: float
    cell: float
    ny: int
    nx: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.ny, self.nx)

    @property
    def size(self) -> int:
        return self.ny * self.nx

    def flat_index(self, lat, lon) -> np.ndarray:
        """Flat cell index per point, -1 outside the grid."""
        x, y = self.projection.forward(lat, lon)
        col = np.floor((x - self.x0) / self.cell)
        row = np.floor((y - self.y0) / self.cell)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        idx = np.full(col.shape, -1, dtype=np.int64)
        idx[inside] = row[inside].astype(np.int64) * self.nx + col[inside].astype(np.int64)
        return idx

    def centres(self, flat=None) -> tuple[np.ndarray, np.ndarray]:
        """(lat, lon) of cell centres, for the given flat indices (default: all)."""
        if flat is None:
            flat = np.arange(self.size)
        flat = np.asarray(flat)
        row, col = np.divmod(flat, self.nx)
        x = self.x0 + (col + 0.5) * self.cell
        y = self.y0 + (row + 0.5) * self.cell
        return self.projection.inverse(x, y)


def make_grid(lat, lon, cell: float = 200.0) -> Grid:
    """A grid covering the points (one cell of margin), projected about their bounding box's
    centre. Points more than OUTLIER_MARGIN_M beyond the 0.05–99.95 percentile box are left
    outside the grid (and reported as such by the callers)."""
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    if lat.size == 0:
        raise ValueError("no points to build a grid from")
    if cell <= 0:
        raise ValueError("cell size must be positive")
    proj = Projection(float(np.median(lat)), float(np.median(lon)))
    x, y = proj.forward(lat, lon)
    # stray points (mis-geocoded far away) must not blow up the grid: the extent is the
    # 0.05–99.95 percentile box plus a margin of OUTLIER_MARGIN_M, cut to the full box
    qx = np.percentile(x, [0.05, 99.95])
    qy = np.percentile(y, [0.05, 99.95])
    xmin = max(x.min(), qx[0] - OUTLIER_MARGIN_M)
    xmax = min(x.max(), qx[1] + OUTLIER_MARGIN_M)
    ymin = max(y.min(), qy[0] - OUTLIER_MARGIN_M)
    ymax = min(y.max(), qy[1] + OUTLIER_MARGIN_M)
    x0 = (math.floor(xmin / cell) - 1) * cell
    y0 = (math.floor(ymin / cell) - 1) * cell
    nx = math.floor((xmax - x0) / cell) + 2
    ny = math.floor((ymax - y0) / cell) + 2
    if nx * ny > MAX_CELLS:
        raise ValueError(f"grid of {ny}x{nx} cells is too large; use a larger --cell")
    return Grid(proj, float(x0), float(y0), float(cell), int(ny), int(nx))


def load_polygon(path: str | Path) -> np.ndarray:
    """Read a polygon as an (n, 2) array of (lon, lat). Accepts a text file with one
    ``lon,lat`` (or ``lon lat``) per line, or GeoJSON (Polygon / Feature / first feature of a
    FeatureCollection; the outer ring is used)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    if text.lstrip().startswith(("{", "[")):
        obj = json.loads(text)
        if isinstance(obj, dict):
            if obj.get("type") == "FeatureCollection":
                obj = obj["features"][0]
            if obj.get("type") == "Feature":
                obj = obj["geometry"]
            coords = obj["coordinates"]
            if obj.get("type") == "MultiPolygon":
                coords = coords[0]
            ring = coords[0]
        else:
            ring = obj
        pts = np.asarray(ring, dtype=np.float64)[:, :2]
    else:
        rows = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.replace(",", " ").split()
            rows.append((float(parts[0]), float(parts[1])))
        pts = np.asarray(rows, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] < 3:
        raise ValueError("a polygon needs at least 3 vertices")
    return pts


def points_in_polygon(x, y, px, py) -> np.ndarray:
    """Even-odd rule, vectorised over points (loops over polygon edges)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    inside = np.zeros(x.shape, dtype=bool)
    n = len(px)
    for i in range(n):
        x1, y1, x2, y2 = px[i], py[i], px[(i + 1) % n], py[(i + 1) % n]
        if y1 == y2:
            continue
        crosses = (y1 > y) != (y2 > y)
        xint = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < xint)
    return inside


def polygon_grid(polygon_lonlat: np.ndarray, cell: float = 200.0) -> tuple[Grid, np.ndarray]:
    """A grid over the polygon's bounding box and the mask of cells whose centre is inside."""
    lon, lat = polygon_lonlat[:, 0], polygon_lonlat[:, 1]
    grid = make_grid(lat, lon, cell)
    px, py = grid.projection.forward(lat, lon)
    row, col = np.divmod(np.arange(grid.size), grid.nx)
    cx = grid.x0 + (col + 0.5) * grid.cell
    cy = grid.y0 + (row + 0.5) * grid.cell
    return grid, points_in_polygon(cx, cy, px, py).reshape(grid.shape)
