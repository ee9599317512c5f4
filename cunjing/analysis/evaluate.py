"""Rolling-origin evaluation: one forecast per week, each from the weeks strictly before it."""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from .events import Events
from .grid import Grid
from .methods import DEFAULT, History, Method

LEVELS = (0.01, 0.05, 0.10)
LEVEL_KEYS = ("0.01", "0.05", "0.10")
TIE_BREAK = (
    "risk descending, ties broken by a random permutation of the study-area cells drawn per "
    "week from numpy.random.default_rng([seed, week index]) (np.lexsort secondary key)"
)


@dataclass
class Cube:
    """Weekly count grids. Week k (relative to ``start_day``) is days
    [start_day + 7k, start_day + 7(k+1)); the cube holds weeks ``first_week`` .. ``n_weeks - 1``
    (events before ``first_week`` cannot exist: it is the week of the earliest event)."""

    grid: Grid
    start_day: int
    first_week: int
    counts: np.ndarray  # (W, ny, nx) float32
    cum: np.ndarray  # (W + 1, ny, nx) float32, cum[j] = counts[:j].sum(0)
    outside_grid: int

    def index(self, week: int) -> int:
        return week - self.first_week

    def history(self, week: int, mask: np.ndarray) -> History:
        i = self.index(week)
        return History(self.counts[:i], self.cum[: i + 1], self.start_day + 7 * week, mask)

    def week_counts(self, week: int) -> np.ndarray:
        return self.counts[self.index(week)]


def build_cube(events: Events, grid: Grid, start_day: int, n_weeks: int) -> Cube:
    """Bin events by week and cell; events from week ``n_weeks`` on are not needed and ignored."""
    week = np.floor_divide(events.day - start_day, 7)
    keep = week < n_weeks
    week = week[keep]
    flat = grid.flat_index(events.lat[keep], events.lon[keep])
    inside = flat >= 0
    outside = int((~inside).sum())
    week, flat = week[inside], flat[inside]
    first = int(min(week.min(), 0)) if week.size else 0
    n_total = n_weeks - first
    counts = np.bincount((week - first) * grid.size + flat, minlength=n_total * grid.size)
    counts = counts.astype(np.float32).reshape(n_total, grid.ny, grid.nx)
    cum = np.zeros((n_total + 1, grid.ny, grid.nx), dtype=np.float32)
    np.cumsum(counts, axis=0, out=cum[1:])
    return Cube(grid, start_day, first, counts, cum, outside)


def burn_in_mask(cube: Cube) -> np.ndarray:
    """Cells with any event before the first forecast week."""
    return cube.cum[cube.index(0)] > 0


@dataclass
class MethodResult:
    name: str
    hits: np.ndarray  # (weeks, levels)
    best: np.ndarray  # (weeks, levels)
    events: np.ndarray  # (weeks,)

    def pooled(self, area: np.ndarray) -> dict[str, dict[str, float]]:
        total = self.events.sum()
        hits = self.hits.sum(axis=0)
        best = self.best.sum(axis=0)
        hr = hits / total if total else np.full(len(area), np.nan)
        out: dict[str, dict[str, float]] = {"hit_rate": {}, "pai": {}, "pei_star": {}}
        for i, key in enumerate(LEVEL_KEYS):
            out["hit_rate"][key] = _num(hr[i])
            out["pai"][key] = _num(hr[i] / area[i])
            out["pei_star"][key] = _num(hits[i] / best[i] if best[i] else math.nan)
        return out

    def weekly_hit_rate(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.hits / self.events[:, None]


def _num(x: float) -> float | None:
    x = float(x)
    return None if math.isnan(x) else round(x, 6)


@dataclass
class Evaluation:
    start_day: int
    n_weeks: int
    mask_cells: int
    cells: np.ndarray  # cells per level
    area: np.ndarray  # area share per level
    results: dict[str, MethodResult]
    default: str
    seed: int
    events_outside_mask: int
    extra: dict = field(default_factory=dict)

    def wilcoxon(self, level: str = "0.05") -> dict[str, dict[str, float | None]]:
        """Paired Wilcoxon signed-rank test of the default against each other method, on
        per-week hit rates at ``level`` (weeks with no events are skipped)."""
        li = LEVEL_KEYS.index(level)
        base = self.results[self.default].weekly_hit_rate()[:, li]
        out = {}
        for name, res in self.results.items():
            if name == self.default:
                continue
            other = res.weekly_hit_rate()[:, li]
            ok = ~(np.isnan(base) | np.isnan(other))
            diff = base[ok] - other[ok]
            if diff.size == 0:
                out[name] = {"p_value": None, "median_difference": None, "weeks": 0}
                continue
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    p = float(stats.wilcoxon(base[ok], other[ok]).pvalue)
            except ValueError:  # all differences zero
                p = 1.0
            if math.isnan(p):  # e.g. too few weeks
                p = 1.0 if not np.any(diff) else math.nan
            out[name] = {
                "p_value": None if math.isnan(p) else p,  # unrounded
                "median_difference": _num(np.median(diff)),
                "wins": int((diff > 0).sum()),
                "losses": int((diff < 0).sum()),
                "weeks": int(diff.size),
            }
        return out

    def per_week_summary(self) -> dict[str, dict[str, dict[str, float | None]]]:
        out = {}
        for name, res in self.results.items():
            hr = res.weekly_hit_rate()
            d = {}
            for i, key in enumerate(LEVEL_KEYS):
                col = hr[:, i][~np.isnan(hr[:, i])]
                if col.size:
                    q1, med, q3 = np.percentile(col, [25, 50, 75])
                    d[key] = {"median": _num(med), "q1": _num(q1), "q3": _num(q3)}
                else:
                    d[key] = {"median": None, "q1": None, "q3": None}
            out[name] = d
        return out

    def as_dict(self, n_events: int) -> dict:
        return {
            "default": self.default,
            "events": int(n_events),
            "weeks": int(self.n_weeks),
            "methods": {n: r.pooled(self.area) for n, r in self.results.items()},
            "wilcoxon": {"level": "0.05", "vs": self.wilcoxon("0.05")},
            "per_week": self.per_week_summary(),
            "tie_break": TIE_BREAK.replace("seed", f"seed={self.seed}"),
            "mask_cells": int(self.mask_cells),
            "cells": {k: int(c) for k, c in zip(LEVEL_KEYS, self.cells, strict=True)},
            "test_events": int(self.results[self.default].events.sum()),
            "events_outside_study_area": int(self.events_outside_mask),
            **self.extra,
        }

    def table(self) -> str:
        lines = []
        head = (
            f"{'method':<12} "
            + " ".join(f"{'hit@' + k:>9}" for k in ("1%", "5%", "10%"))
            + " "
            + " ".join(f"{'PAI@' + k:>8}" for k in ("1%", "5%", "10%"))
            + " "
            + " ".join(f"{'PEI*@' + k:>9}" for k in ("1%", "5%", "10%"))
            + f"  {'wk median@5% [IQR]':>22}"
        )
        lines.append(head)
        lines.append("-" * len(head))
        summary = self.per_week_summary()
        for name, res in self.results.items():
            p = res.pooled(self.area)

            def f(v, w, d=3):
                return f"{'-':>{w}}" if v is None else f"{v:>{w}.{d}f}"

            s5 = summary[name]["0.05"]
            iqr = (
                "-"
                if s5["median"] is None
                else f"{s5['median']:.3f} [{s5['q1']:.3f}, {s5['q3']:.3f}]"
            )
            star = "*" if name == self.default else " "
            lines.append(
                f"{name + star:<12} "
                + " ".join(f(p["hit_rate"][k], 9) for k in LEVEL_KEYS)
                + " "
                + " ".join(f(p["pai"][k], 8, 2) for k in LEVEL_KEYS)
                + " "
                + " ".join(f(p["pei_star"][k], 9) for k in LEVEL_KEYS)
                + f"  {iqr:>22}"
            )
        lines.append("")
        lines.append(
            f"* default. Pooled over {self.n_weeks} weeks; study area {self.mask_cells} cells "
            f"(top {', '.join(str(int(c)) for c in self.cells)} cells = 1/5/10%); "
            f"{int(self.results[self.default].events.sum())} test events in the study area, "
            f"{self.events_outside_mask} outside it (not scored)."
        )
        lines.append(f"Ties: {TIE_BREAK.replace('seed', f'seed={self.seed}')}.")
        lines.append(f"Paired Wilcoxon, per-week hit rate at 5%, {self.default} vs:")
        for name, w in self.wilcoxon("0.05").items():
            if not w["weeks"]:
                lines.append(f"  {name:<12} no weeks to compare")
                continue
            p = "n/a" if w["p_value"] is None else f"{w['p_value']:.3g}"
            lines.append(
                f"  {name:<12} median diff {w['median_difference']:+.4f}  "
                f"wins/losses {w['wins']}/{w['losses']}  p = {p}"
            )
        return "\n".join(lines)


def evaluate(
    cube: Cube,
    mask: np.ndarray,
    methods: dict[str, Method],
    n_weeks: int,
    *,
    default: str = DEFAULT,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Evaluation:
    """Forecast each week 0..n_weeks-1 with every method from the weeks before it and score."""
    mask = np.asarray(mask, dtype=bool)
    flat_mask = mask.ravel()
    m = int(flat_mask.sum())
    if m == 0:
        raise ValueError("the study area is empty")
    cells = np.array([max(1, math.ceil(f * m - 1e-9)) for f in LEVELS])
    area = cells / m
    n_l = len(LEVELS)
    results = {
        name: MethodResult(
            name, np.zeros((n_weeks, n_l)), np.zeros((n_weeks, n_l)), np.zeros(n_weeks)
        )
        for name in methods
    }
    outside = 0
    for k in range(n_weeks):
        week = cube.week_counts(k).ravel()
        y = week[flat_mask].astype(np.float64)
        outside += int(week.sum() - y.sum())
        total = y.sum()
        best = np.cumsum(np.sort(y)[::-1])[cells - 1]
        perm = np.random.default_rng([seed, k]).permutation(m)
        history = cube.history(k, mask)
        for name, method in methods.items():
            risk = np.asarray(method.forecast(history), dtype=np.float64).ravel()[flat_mask]
            order = np.lexsort((perm, -risk))
            hits = np.cumsum(y[order])[cells - 1]
            res = results[name]
            res.hits[k] = hits
            res.best[k] = best
            res.events[k] = total
        if progress is not None:
            progress(f"week {k + 1}/{n_weeks}: {int(total)} events")
    return Evaluation(cube.start_day, n_weeks, m, cells, area, results, default, seed, outside)


def stderr_progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
