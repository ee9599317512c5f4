"""Command line: ``python -m cunjing.analysis {evaluate,forecast} ...``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import time

import numpy as np

from .evaluate import build_cube, burn_in_mask, evaluate, stderr_progress
from .events import CSVFormatError, Events, LoadReport, date_to_day, day_to_date, load_csv
from .grid import Grid, load_polygon, make_grid, polygon_grid
from .methods import DEFAULT, all_methods

MAX_CUBE_BYTES = 3 * 2**30


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _cell(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 10:
        raise argparse.ArgumentTypeError("cell size must be at least 10 metres")
    return value


def build_parser() -> argparse.ArgumentParser:
    methods = "\n".join(
        f"  {name:<12} {m.description}{' (default)' if name == DEFAULT else ''}"
        for name, m in all_methods().items()
    )
    parser = argparse.ArgumentParser(
        prog="python -m cunjing.analysis",
        description="Hotspot forecasting: rolling-origin evaluation and weekly forecasts.",
        epilog=f"methods:\n{methods}\n\n"
        f"The default ({DEFAULT}) tunes its half-life, smoothing and near-repeat weight on the\n"
        "weeks before each forecast (rolling validation over up to 104 weeks, re-tuned every\n"
        "13 weeks); it never reads the forecast week.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--csv", required=True, help="events CSV: occurred_at,type,lat,lon")
        p.add_argument(
            "--type",
            action="append",
            default=[],
            help="event type to keep (repeatable; case-insensitive). Default: all types",
        )
        p.add_argument("--cell", type=_cell, default=200.0, help="cell size in metres (200)")
        p.add_argument(
            "--mask-polygon",
            help="study area polygon: lines of 'lon,lat' or GeoJSON "
            "(default: cells with any event before the first forecast week)",
        )

    ev = sub.add_parser("evaluate", help="score every method week by week")
    common(ev)
    ev.add_argument("--start", type=_date, required=True, help="first forecast week YYYY-MM-DD")
    ev.add_argument("--weeks", type=_positive_int, required=True, help="number of weeks")
    ev.add_argument("--seed", type=int, default=0, help="tie-break seed (0)")
    ev.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    fc = sub.add_parser("forecast", help="the top cells for one week")
    common(fc)
    fc.add_argument("--week", type=_date, required=True, help="first day of the week")
    fc.add_argument("--top", type=_positive_int, default=20, help="cells to print (20)")
    fc.add_argument("--method", default=DEFAULT, choices=sorted(all_methods()))
    fc.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def _load(parser: argparse.ArgumentParser, args) -> tuple[Events, LoadReport]:
    try:
        events, report = load_csv(args.csv)
    except FileNotFoundError:
        parser.error(f"--csv: no such file: {args.csv}")
    except IsADirectoryError:
        parser.error(f"--csv: is a directory: {args.csv}")
    except CSVFormatError as exc:
        parser.error(f"--csv {args.csv}: {exc}")
    print(report.summary(), file=sys.stderr)
    if len(events) == 0:
        parser.error(f"--csv {args.csv}: no valid events")
    if args.type:
        selected = events.filter_types(args.type)
        if len(selected) == 0:
            known = ", ".join(f"{t} ({n})" for t, n in sorted(events.type_counts().items())[:20])
            parser.error(f"no events of type {', '.join(args.type)}; types in the file: {known}")
        events = selected
    return events, report


def _setup(parser, args, events: Events, start_day: int, flag: str) -> tuple[Grid, np.ndarray]:
    first, last = int(events.day.min()), int(events.day.max())
    if start_day <= first:
        parser.error(
            f"{flag} {day_to_date(start_day)} is not after the data's first date "
            f"{day_to_date(first)}: there is no history to forecast from"
        )
    if start_day > last + 1:
        print(
            f"warning: {flag} {day_to_date(start_day)} is after the data's last date "
            f"{day_to_date(last)}",
            file=sys.stderr,
        )
    burn = events.day < start_day
    if args.mask_polygon:
        try:
            polygon = load_polygon(args.mask_polygon)
        except FileNotFoundError:
            parser.error(f"--mask-polygon: no such file: {args.mask_polygon}")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            parser.error(f"--mask-polygon {args.mask_polygon}: {exc}")
        grid, mask = polygon_grid(polygon, args.cell)
        if not mask.any():
            parser.error("--mask-polygon: no cell centre lies inside the polygon")
    else:
        try:
            grid = make_grid(events.lat[burn], events.lon[burn], args.cell)
        except ValueError as exc:
            parser.error(str(exc))
        mask = None
    return grid, mask


def _cube(parser, events: Events, grid: Grid, start_day: int, weeks: int):
    span = (start_day + 7 * weeks - int(events.day.min())) // 7 + 2
    if span * grid.size * 8 > MAX_CUBE_BYTES:
        parser.error(
            f"{span} weeks x {grid.size} cells is too large to hold in memory; use a larger "
            "--cell, a --mask-polygon, or a file with less history"
        )
    return build_cube(events, grid, start_day, weeks)


def cmd_evaluate(parser, args) -> int:
    t0 = time.perf_counter()
    events, report = _load(parser, args)
    start_day = date_to_day(args.start)
    grid, mask = _setup(parser, args, events, start_day, "--start")
    cube = _cube(parser, events, grid, start_day, args.weeks)
    if cube.outside_grid:
        print(
            f"note: {cube.outside_grid} events lie outside the grid (far from the rest) "
            "and are ignored",
            file=sys.stderr,
        )
    if mask is None:
        mask = burn_in_mask(cube)
    if not (cube.cum[cube.index(0)] * mask).any():
        parser.error("--start: no burn-in events before the first forecast week in the study area")
    end = start_day + 7 * args.weeks
    if end - 1 > int(events.day.max()):
        print(
            f"warning: the last forecast week ends {day_to_date(end - 1)}, after the data's "
            f"last date {day_to_date(int(events.day.max()))}",
            file=sys.stderr,
        )
    print(
        f"{len(events)} events; grid {grid.ny}x{grid.nx} cells of {grid.cell:g} m, study area "
        f"{int(mask.sum())} cells; {args.weeks} weeks from {args.start}",
        file=sys.stderr,
    )
    result = evaluate(
        cube,
        mask,
        all_methods(grid.cell),
        args.weeks,
        default=DEFAULT,
        seed=args.seed,
        progress=stderr_progress,
    )
    print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if args.json:
        out = result.as_dict(len(events))
        out["outside_grid"] = int(cube.outside_grid)
        out["load_report"] = report.as_dict()
        out["types"] = args.type or "all"
        out["start"] = args.start.isoformat()
        out["cell_m"] = grid.cell
        json.dump(out, sys.stdout, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(result.table())
    return 0


def cmd_forecast(parser, args) -> int:
    events, _ = _load(parser, args)
    start_day = date_to_day(args.week)
    grid, mask = _setup(parser, args, events, start_day, "--week")
    cube = _cube(parser, events, grid, start_day, 1)
    if mask is None:
        mask = burn_in_mask(cube)
    if not (cube.cum[cube.index(0)] * mask).any():
        parser.error("--week: no events before that week in the study area")
    method = all_methods(grid.cell)[args.method]
    risk = np.asarray(method.forecast(cube.history(0, mask)), dtype=np.float64)
    cells = np.flatnonzero(mask.ravel())
    r = risk.ravel()[cells]
    perm = np.random.default_rng([0, 0]).permutation(cells.size)
    order = np.lexsort((perm, -r))[: args.top]
    top = cells[order]
    lat, lon = grid.centres(top)
    total = r.sum()
    rows = [
        {
            "rank": i + 1,
            "row": int(c // grid.nx),
            "col": int(c % grid.nx),
            "lat": round(float(la), 6),
            "lon": round(float(lo), 6),
            "risk": float(risk.ravel()[c]),
            "share": float(risk.ravel()[c] / total) if total > 0 else None,
        }
        for i, (c, la, lo) in enumerate(zip(top, lat, lon, strict=True))
    ]
    if args.json:
        json.dump(
            {
                "method": args.method,
                "week": args.week.isoformat(),
                "cell_m": grid.cell,
                "top": rows,
            },
            sys.stdout,
        )
        sys.stdout.write("\n")
        return 0
    week_end = args.week + dt.timedelta(days=6)
    print(
        f"{args.method}: week {args.week} – {week_end}, top {len(rows)} of {cells.size} cells "
        f"({grid.cell:g} m)"
    )
    print(f"{'rank':>4} {'lat':>11} {'lon':>11} {'risk':>12} {'share':>7}")
    for row in rows:
        share = "-" if row["share"] is None else f"{100 * row['share']:.2f}%"
        print(
            f"{row['rank']:>4} {row['lat']:>11.6f} {row['lon']:>11.6f} "
            f"{row['risk']:>12.5g} {share:>7}"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "evaluate":
        return cmd_evaluate(parser, args)
    return cmd_forecast(parser, args)


if __name__ == "__main__":
    sys.exit(main())
