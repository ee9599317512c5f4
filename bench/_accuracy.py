"""Accuracy of the default hotspot forecaster against every baseline, per generator variant and
seed: pooled hit rate at 5 % of the study area over 52 weekly forecasts, the paired Wilcoxon
p-value and the weeks won/lost. Not part of ``make bench`` (it takes minutes); run

    python -m bench._accuracy [--variants stable,drifting,...] [--seeds 1,2,3,4] [--csv FILE ...]

Variants: the ``synthetic.city`` variants (intersection-snapped city records), ``sparse-<v>``
(the same at 4,000 events a year, like one crime type) and ``legacy`` (``synthetic.generate``).
``--csv`` scores a real file instead (columns occurred_at,type,lat,lon; ``--start`` needed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from cunjing.analysis import synthetic
from cunjing.analysis.evaluate import build_cube, burn_in_mask, evaluate
from cunjing.analysis.events import date_to_day, load_csv
from cunjing.analysis.grid import make_grid
from cunjing.analysis.methods import DEFAULT, all_methods

CITY_START = dt.date(2020, 1, 6)


def dataset(variant: str, seed: int):
    if variant == "legacy":
        start = dt.date(2021, 1, 4)
        ev = synthetic.generate(seed=seed, years=3.0, events_per_year=20_000, start=start)
        return ev, start + dt.timedelta(weeks=104)
    if variant.startswith("sparse-"):
        ev = synthetic.city(seed=seed, variant=variant[7:], events_per_year=4_000)
    else:
        ev = synthetic.city(seed=seed, variant=variant)
    return ev, CITY_START + dt.timedelta(weeks=156)


def score(ev, start: dt.date, weeks: int = 52) -> tuple[dict, dict, float]:
    s = date_to_day(start)
    burn = ev.day < s
    grid = make_grid(ev.lat[burn], ev.lon[burn], 200)
    cube = build_cube(ev, grid, s, weeks)
    mask = burn_in_mask(cube)
    t = time.perf_counter()
    res = evaluate(cube, mask, all_methods(grid.cell), weeks)
    elapsed = time.perf_counter() - t
    pooled = {n: r.pooled(res.area)["hit_rate"]["0.05"] for n, r in res.results.items()}
    return pooled, res.wilcoxon("0.05"), elapsed


def line(label: str, pooled: dict, wil: dict, elapsed: float) -> str:
    d = pooled[DEFAULT]
    parts = [f"{label:<22} {DEFAULT}={d:.4f} ({elapsed:.1f} s)"]
    for name, w in wil.items():
        if name == "uniform":
            continue
        p = "n/a" if w["p_value"] is None else f"{w['p_value']:.2g}"
        parts.append(
            f"{name} {pooled[name]:.4f} {d - pooled[name]:+.4f} p={p} {w['wins']}/{w['losses']}"
        )
    return " | ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench._accuracy")
    parser.add_argument(
        "--variants", default="stable,drifting,bursty,sparse-stable,sparse-drifting,legacy"
    )
    parser.add_argument("--seeds", default="1,2,3,4")
    parser.add_argument("--csv", action="append", default=[])
    parser.add_argument("--type", action="append", default=[])
    parser.add_argument("--start", type=dt.date.fromisoformat)
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args(argv)
    wins: dict[str, dict[str, int]] = {}
    rows = []
    if args.csv:
        for path in args.csv:
            ev, _ = load_csv(path)
            ev = ev.filter_types(args.type) if args.type else ev
            pooled, wil, el = score(ev, args.start, args.weeks)
            rows.append((path, pooled, wil, el))
    else:
        for variant in args.variants.split(","):
            for seed in (int(x) for x in args.seeds.split(",")):
                ev, start = dataset(variant, seed)
                pooled, wil, el = score(ev, start, args.weeks)
                rows.append((f"{variant} seed {seed}", pooled, wil, el))
                print(line(rows[-1][0], pooled, wil, el), flush=True)
                tally = wins.setdefault(variant, {})
                for name in wil:
                    tally[name] = tally.get(name, 0) + (pooled[DEFAULT] > pooled[name])
    if args.csv:
        for row in rows:
            print(line(*row), flush=True)
    for variant, tally in wins.items():
        n = len(args.seeds.split(","))
        print(f"{variant}: seeds won of {n}: " + ", ".join(f"{k} {v}" for k, v in tally.items()))


if __name__ == "__main__":
    main()
