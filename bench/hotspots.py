"""Hotspot forecasting benchmark: 52 weekly forecasts + evaluation over 250,000 events with
every method (the default's self-tuning included), and the ratio to scipy.stats.gaussian_kde for
one week's forecast. The events are a synthetic city snapped to street intersections
(``synthetic.city``, variant "drifting", 16 km across). Accuracy per generator variant and seed
is ``python -m bench._accuracy`` (minutes; not run by ``make bench``)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time

import numpy as np
from scipy import stats

from cunjing.analysis import synthetic
from cunjing.analysis.evaluate import build_cube, burn_in_mask, evaluate
from cunjing.analysis.events import date_to_day, load_csv, write_csv
from cunjing.analysis.grid import make_grid
from cunjing.analysis.methods import DEFAULT, all_methods

N_EVENTS = 250_000
WEEKS = 52
START = dt.date(2020, 1, 6)
KDE_SUBSAMPLE = 5_000


def main() -> None:
    years = 4.0
    t = time.perf_counter()
    events = synthetic.city(
        seed=7,
        variant="drifting",
        years=years,
        events_per_year=N_EVENTS / years,
        start=START,
        extent_m=16_000,
    )
    print(f"generated {len(events):,} synthetic events in {time.perf_counter() - t:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "events.csv")
        write_csv(path, events)
        t = time.perf_counter()
        loaded, report = load_csv(path)
        load_s = time.perf_counter() - t
    print(f"CSV load of {report.rows:,} rows: {load_s:.2f} s ({report.accepted:,} accepted)")

    first_week = START + dt.timedelta(weeks=int(years * 52) - WEEKS)
    start = date_to_day(first_week)
    t0 = time.perf_counter()
    c0 = time.process_time()
    burn = loaded.day < start
    grid = make_grid(loaded.lat[burn], loaded.lon[burn], 200)
    cube = build_cube(loaded, grid, start, WEEKS)
    mask = burn_in_mask(cube)
    methods = all_methods()
    result = evaluate(cube, mask, methods, WEEKS)
    total = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(
        f"{WEEKS} weekly forecasts + evaluation, {len(methods)} methods, {len(loaded):,} events, "
        f"grid {grid.ny}x{grid.nx} ({int(mask.sum())} study cells): {total:.2f} s wall, "
        f"{cpu:.2f} s CPU (target <= 10 s; wall exceeds CPU when the machine is shared)"
    )

    # one week's forecast, timed per method
    history = cube.history(WEEKS - 1, mask)
    per_method = {}
    for name in methods:
        fresh = all_methods()[name]  # cold cache: includes the blend's full tuning
        t = time.perf_counter()
        fresh.forecast(history)
        per_method[name] = time.perf_counter() - t
    print(
        "one forecast (cold): " + ", ".join(f"{n} {1e3 * s:.1f} ms" for n, s in per_method.items())
    )

    # scipy.stats.gaussian_kde on the same 52 weeks of events, evaluated at every grid cell centre
    day0 = start + 7 * (WEEKS - 1)
    recent = (loaded.day >= day0 - 7 * 52) & (loaded.day < day0)
    x, y = grid.projection.forward(loaded.lat[recent], loaded.lon[recent])
    pts = np.vstack([x, y])
    n_pts = pts.shape[1]
    row, col = np.divmod(np.arange(grid.size), grid.nx)
    centres = np.vstack([grid.x0 + (col + 0.5) * grid.cell, grid.y0 + (row + 0.5) * grid.cell])
    rng = np.random.default_rng(0)
    sub = pts[:, rng.choice(n_pts, size=min(KDE_SUBSAMPLE, n_pts), replace=False)]
    t = time.perf_counter()
    stats.gaussian_kde(sub)(centres)
    sub_s = time.perf_counter() - t
    kde_s = sub_s * n_pts / sub.shape[1]
    print(
        f"scipy.stats.gaussian_kde fit+evaluate on {grid.size:,} cell centres: "
        f"{sub_s:.2f} s for a {sub.shape[1]:,}-point subsample; extrapolated linearly to all "
        f"{n_pts:,} points of the 52-week window: {kde_s:.1f} s (extrapolated, not measured)"
    )
    ours = per_method["kde52w"]
    print(
        f"ratio gaussian_kde / kde52w (gaussian_filter on the already binned week cube) for one "
        f"week: {kde_s / ours:,.0f}x; / blend with its cold tuning: "
        f"{kde_s / per_method[DEFAULT]:,.0f}x; gaussian_kde x {WEEKS} weeks ~ "
        f"{kde_s * WEEKS:.0f} s vs {total:.2f} s for all methods x {WEEKS} weeks + scoring "
        f"(ratio {kde_s * WEEKS / total:,.0f}x)"
    )
    pooled = {n: r.pooled(result.area)["hit_rate"]["0.05"] for n, r in result.results.items()}
    print("pooled hit rate at 5%: " + ", ".join(f"{n} {v:.4f}" for n, v in pooled.items()))
    print(f"default: {DEFAULT}")


if __name__ == "__main__":
    main()
