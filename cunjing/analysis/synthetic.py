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


# variant: (micro-place drift sd, drift time scale in weeks, hotspot births per year,
#           branching ratio, mean trigger delay in days, trigger distance in metres)
CITY_VARIANTS = {
    "stable": (0.15, 156.0, 2.0, 0.10, 7.0, 120.0),
    "drifting": (0.45, 52.0, 12.0, 0.12, 7.0, 120.0),
    "bursty": (0.20, 104.0, 4.0, 0.35, 4.0, 100.0),
    "shift": (0.15, 156.0, 2.0, 0.10, 7.0, 120.0),  # stable, plus a regime shift (see city())
}


def city(
    *,
    seed: int = 0,
    variant: str = "stable",
    years: float = 4.0,
    events_per_year: float = 30_000,
    start: dt.date = dt.date(2020, 1, 6),
    lat0: float = 34.75,
    lon0: float = 113.65,
    extent_m: float = 14_000.0,
    lattice_m: float = 120.0,
    micro_sd: float = 1.3,
    season: float = 0.2,
    shift_at: float = 0.7,
) -> Events:
    """Events shaped like a city's public crime records, snapped to street intersections.

    Every intersection of an irregular street lattice (a quarter of it vacant: parks, water,
    fields) is a micro-place with its own rate: a neighbourhood surface (lognormal-weighted broad
    blobs) times a heavy-tailed lognormal micro-place factor (sd ``micro_sd``), so a few per cent
    of the intersections carry half the events. Each place's log-rate drifts as an
    Ornstein–Uhlenbeck process (the variant's sd and time scale); new hotspots are born and fade
    (births per year, each lasting about a year); a yearly seasonal swing of ``season``; near-
    repeat follow-ups (a branching process with the variant's ratio, delay and distance), snapped
    to the nearest intersection. Dates have day resolution; there is one type, ``"crime"``.
    ``variant`` is one of ``CITY_VARIANTS``; "shift" adds an abrupt regime change (as in spring
    2020) at ``shift_at`` of the span: every place's rate is multiplied, for good, by a factor
    from a broad random field (whole districts up or down) times a per-place one."""
    drift_sd, drift_weeks, births, alpha, delay, spread = CITY_VARIANTS[variant]
    rng = np.random.default_rng(seed)
    half = extent_m / 2
    base = np.arange(-half, half + lattice_m, lattice_m)
    xs = np.sort(base + rng.uniform(-0.3, 0.3, base.size) * lattice_m)
    ys = np.sort(base + rng.uniform(-0.3, 0.3, base.size) * lattice_m)
    px, py = (a.ravel() for a in np.meshgrid(xs, ys))
    n_blobs = 30
    bxy = rng.uniform(-0.85 * half, 0.85 * half, size=(n_blobs, 2))
    bsd = rng.uniform(500, 2000, n_blobs)
    bw = rng.lognormal(0, 0.8, n_blobs)
    hood = np.zeros(px.size)
    for (bx, by), s, w in zip(bxy, bsd, bw, strict=True):
        hood += w * np.exp(-((px - bx) ** 2 + (py - by) ** 2) / (2 * s * s))
    # vacant land: a smooth random field thresholded at its 25th percentile
    vac = np.zeros(px.size)
    for _ in range(20):
        cx, cy = rng.uniform(-half, half, 2)
        s = rng.uniform(400, 1500)
        vac += rng.normal() * np.exp(-((px - cx) ** 2 + (py - cy) ** 2) / (2 * s * s))
    live = vac > np.percentile(vac, 25)
    px, py, hood = px[live], py[live], hood[live]
    n_places = px.size
    log_rate = np.log(hood + 0.05 * hood.mean()) + rng.normal(0, micro_sd, n_places)
    n_weeks = round(years * 365.25 / 7)
    # OU drift per place, weekly steps, started from its stationary distribution
    phi = math.exp(-1.0 / drift_weeks)
    step_sd = drift_sd * math.sqrt(1 - phi * phi)
    drift = rng.normal(0, drift_sd, n_places)
    # hotspot births: a place jumps by a large factor for a lifetime, then fades
    n_births = rng.poisson(births * years)
    b_place = rng.integers(0, n_places, n_births)
    b_week = rng.integers(0, n_weeks, n_births)
    b_life = rng.exponential(52.0, n_births) + 8
    b_gain = rng.uniform(1.0, 3.0, n_births)  # log factor
    rate = np.exp(log_rate)
    scale = None
    week_counts = []
    t_weeks = np.arange(n_weeks)
    seasonal = 1 + season * np.sin(2 * math.pi * t_weeks * 7 / 365.25 + rng.uniform(0, 6.3))
    alive = np.zeros(n_places)
    jump = np.zeros(n_places)
    if variant == "shift":
        for _ in range(12):
            cx, cy = rng.uniform(-half, half, 2)
            s = rng.uniform(1000, 3000)
            jump += rng.normal() * np.exp(-((px - cx) ** 2 + (py - cy) ** 2) / (2 * s * s))
        jump = 0.6 * jump / jump.std() + rng.normal(0, 0.4, n_places)
    shift_week = round(shift_at * n_weeks)
    for w in range(n_weeks):
        drift = phi * drift + rng.normal(0, step_sd, n_places)
        alive[:] = 0
        on = (b_week <= w) & (w < b_week + b_life)
        np.add.at(alive, b_place[on], b_gain[on])
        lam = rate * np.exp(drift + alive + (jump if w >= shift_week else 0.0))
        if scale is None:
            scale = events_per_year * (1 - alpha) * 7 / 365.25 / lam.sum()
        week_counts.append(rng.poisson(lam * scale * seasonal[w]))
    counts = np.asarray(week_counts)  # (weeks, places)
    wk, place = np.nonzero(counts)
    reps = counts[wk, place]
    wk, place = np.repeat(wk, reps), np.repeat(place, reps)
    day = wk * 7 + rng.integers(0, 7, wk.size)
    x, y = px[place], py[place]
    n_days = n_weeks * 7
    all_day, all_x, all_y = [day], [x], [y]
    gen_day, gen_x, gen_y = day, x, y
    while gen_day.size:
        kids = rng.poisson(alpha, gen_day.size)
        par = np.repeat(np.arange(gen_day.size), kids)
        if par.size == 0:
            break
        gen_day = gen_day[par] + np.floor(rng.exponential(delay, par.size)).astype(np.int64)
        gen_x = gen_x[par] + rng.normal(0, spread, par.size)
        gen_y = gen_y[par] + rng.normal(0, spread, par.size)
        keep = gen_day < n_days
        gen_day, gen_x, gen_y = gen_day[keep], gen_x[keep], gen_y[keep]
        all_day.append(gen_day)
        all_x.append(gen_x)
        all_y.append(gen_y)
    day = np.concatenate(all_day)
    x = _snap(np.clip(np.concatenate(all_x), -half, half), xs)
    y = _snap(np.clip(np.concatenate(all_y), -half, half), ys)
    order = np.argsort(day, kind="stable")
    lat, lon = Projection(lat0, lon0).inverse(x[order], y[order])
    return Events.from_arrays(
        date_to_day(start) + day[order],
        np.round(lat, 6),
        np.round(lon, 6),
        np.full(day.size, "crime", dtype=object),
    )
