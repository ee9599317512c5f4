"""A synthetic crime generator with the structure of real city records.

- a handful of stable hotspots (long-term concentration) whose intensity drifts slowly over
  years, on top of a lumpy background (broad neighbourhood-scale blobs) and a little uniform noise;
- near-repeat bursts: every event may trigger follow-ups nearby within days (a branching
  process, so follow-ups trigger follow-ups);
- day-resolution dates and locations snapped to a street-intersection lattice, so many events
  share identical coordinates;
- several types with different mixes of these components.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from .events import Events, date_to_day
from .grid import Projection

TYPES = {
    # type: (share of events, share from hotspots, share uniform noise, branching ratio)
    "theft": (0.45, 0.55, 0.05, 0.15),
    "burglary": (0.25, 0.30, 0.10, 0.35),
    "assault": (0.20, 0.45, 0.05, 0.20),
    "vandalism": (0.10, 0.25, 0.20, 0.25),
}


def generate(
    *,
    seed: int = 0,
    years: float = 3.0,
    events_per_year: float = 20_000,
    start: dt.date = dt.date(2021, 1, 4),
    lat0: float = 30.27,
    lon0: float = 120.15,
    extent_m: float = 12_000.0,
    n_hotspots: int = 12,
    n_blobs: int = 40,
    lattice_m: float = 110.0,
    trigger_days: float = 6.0,
    trigger_m: float = 90.0,
) -> Events:
    """Events over ``years`` years from ``start`` (roughly ``events_per_year`` per year)."""
    rng = np.random.default_rng(seed)
    n_days = round(years * 365.25)
    half = extent_m / 2
    hot_xy = rng.uniform(-0.7 * half, 0.7 * half, size=(n_hotspots, 2))
    hot_sd = rng.uniform(60, 250, size=n_hotspots)
    hot_w = rng.lognormal(0, 0.8, size=n_hotspots)
    hot_period = rng.uniform(2.0, 6.0, size=n_hotspots) * 365.25
    hot_phase = rng.uniform(0, 2 * math.pi, size=n_hotspots)
    blob_xy = rng.uniform(-0.9 * half, 0.9 * half, size=(n_blobs, 2))
    blob_sd = rng.uniform(300, 1200, size=n_blobs)
    blob_w = rng.lognormal(0, 0.7, size=n_blobs)
    # street lattice: slightly irregular lines in x and y
    base = np.arange(-half, half + lattice_m, lattice_m)
    xs = np.sort(base + rng.uniform(-25, 25, base.size))
    ys = np.sort(base + rng.uniform(-25, 25, base.size))

    days_all, x_all, y_all, type_all = [], [], [], []
    for t_index, (tname, (share, p_hot, p_noise, alpha)) in enumerate(TYPES.items()):
        n_total = rng.poisson(share * events_per_year * years)
        n0 = rng.poisson(n_total * (1 - alpha))
        comp = rng.choice(3, size=n0, p=[p_hot, 1 - p_hot - p_noise, p_noise])
        day = rng.integers(0, n_days, size=n0)
        x = np.empty(n0)
        y = np.empty(n0)
        # hotspots, thinned by their slowly drifting intensity
        idx = np.flatnonzero(comp == 0)
        which = np.empty(idx.size, dtype=np.int64)
        todo = np.arange(idx.size)
        pw = hot_w / hot_w.sum()
        while todo.size:
            cand = rng.choice(n_hotspots, size=todo.size, p=pw)
            f = np.exp(
                0.6 * np.sin(2 * math.pi * day[idx[todo]] / hot_period[cand] + hot_phase[cand])
            )
            ok = rng.uniform(size=todo.size) < f / math.exp(0.6)
            which[todo[ok]] = cand[ok]
            todo = todo[~ok]
        x[idx] = hot_xy[which, 0] + rng.normal(0, 1, idx.size) * hot_sd[which]
        y[idx] = hot_xy[which, 1] + rng.normal(0, 1, idx.size) * hot_sd[which]
        # background blobs (type-specific mixing of the same neighbourhoods)
        idx = np.flatnonzero(comp == 1)
        bw = blob_w * rng.lognormal(0, 0.3, n_blobs) if t_index else blob_w
        b = rng.choice(n_blobs, size=idx.size, p=bw / bw.sum())
        x[idx] = blob_xy[b, 0] + rng.normal(0, 1, idx.size) * blob_sd[b]
        y[idx] = blob_xy[b, 1] + rng.normal(0, 1, idx.size) * blob_sd[b]
        idx = np.flatnonzero(comp == 2)
        x[idx] = rng.uniform(-half, half, idx.size)
        y[idx] = rng.uniform(-half, half, idx.size)
        # near-repeat branching
        gen_day, gen_x, gen_y = day, x, y
        all_day, all_x, all_y = [day], [x], [y]
        while gen_day.size:
            kids = rng.poisson(alpha, gen_day.size)
            par = np.repeat(np.arange(gen_day.size), kids)
            if par.size == 0:
                break
            gen_day = (
                gen_day[par]
                + 1
                + np.floor(rng.exponential(trigger_days, par.size)).astype(np.int64)
            )
            gen_x = gen_x[par] + rng.normal(0, trigger_m, par.size)
            gen_y = gen_y[par] + rng.normal(0, trigger_m, par.size)
            keep = gen_day < n_days
            gen_day, gen_x, gen_y = gen_day[keep], gen_x[keep], gen_y[keep]
            all_day.append(gen_day)
            all_x.append(gen_x)
            all_y.append(gen_y)
        d = np.concatenate(all_day)
        days_all.append(d)
        x_all.append(np.concatenate(all_x))
        y_all.append(np.concatenate(all_y))
        type_all.append(np.full(d.size, tname, dtype=object))
    day = np.concatenate(days_all)
    x = np.clip(np.concatenate(x_all), -half, half)
    y = np.clip(np.concatenate(y_all), -half, half)
    x = _snap(x, xs)
    y = _snap(y, ys)
    order = np.argsort(day, kind="stable")
    lat, lon = Projection(lat0, lon0).inverse(x[order], y[order])
    return Events.from_arrays(
        date_to_day(start) + day[order],
        np.round(lat, 6),
        np.round(lon, 6),
        np.concatenate(type_all)[order],
    )


def _snap(v: np.ndarray, lines: np.ndarray) -> np.ndarray:
    i = np.clip(np.searchsorted(lines, v), 1, lines.size - 1)
    left, right = lines[i - 1], lines[i]
    return np.where(v - left < right - v, left, right)


def planted(
    *,
    seed: int = 0,
    weeks: int = 60,
    per_week: int = 60,
    hotspot_share: float = 0.5,
    start: dt.date = dt.date(2022, 1, 3),
    lat0: float = 30.0,
    lon0: float = 120.0,
    extent_m: float = 4000.0,
    hotspot_xy: tuple[float, float] = (700.0, -500.0),
    hotspot_sd: float = 40.0,
) -> Events:
    """A uniform background plus one tight planted hotspot (for tests with known answers)."""
    rng = np.random.default_rng(seed)
    n = weeks * per_week
    day = date_to_day(start) + rng.integers(0, weeks * 7, size=n)
    hot = rng.uniform(size=n) < hotspot_share
    half = extent_m / 2
    x = rng.uniform(-half, half, n)
    y = rng.uniform(-half, half, n)
    x[hot] = hotspot_xy[0] + rng.normal(0, hotspot_sd, hot.sum())
    y[hot] = hotspot_xy[1] + rng.normal(0, hotspot_sd, hot.sum())
    lat, lon = Projection(lat0, lon0).inverse(x, y)
    order = np.argsort(day, kind="stable")
    return Events.from_arrays(day[order], lat[order], lon[order])
