from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cunjing.analysis import synthetic
from cunjing.analysis.evaluate import LEVEL_KEYS, build_cube, burn_in_mask, evaluate
from cunjing.analysis.events import Events, date_to_day
from cunjing.analysis.grid import Projection, make_grid
from cunjing.analysis.methods import (
    DEFAULT,
    Blend,
    Method,
    all_methods,
    expected_hits,
    expected_hits_rows,
)

START = dt.date(2022, 1, 3)


def _setup(events: Events, start: dt.date, weeks: int):
    s = date_to_day(start)
    burn = events.day < s
    grid = make_grid(events.lat[burn], events.lon[burn], 200)
    cube = build_cube(events, grid, s, weeks)
    return grid, cube, burn_in_mask(cube)


def test_planted_hotspot_is_in_the_top_cells():
    hot = (700.0, -500.0)
    ev = synthetic.planted(seed=3, weeks=40, per_week=40, start=START, hotspot_xy=hot)
    start = START + dt.timedelta(weeks=30)
    grid, cube, mask = _setup(ev, start, 1)
    lat, lon = Projection(30.0, 120.0).inverse(hot[0], hot[1])
    target = grid.flat_index([lat], [lon])[0]
    for name, method in all_methods().items():
        if name == "uniform":
            continue
        risk = method.forecast(cube.history(0, mask)).ravel()
        top = np.argsort(-risk, kind="stable")[:5]
        assert target in top, name


def test_uniform_pai_is_one_and_metrics_are_consistent():
    rng = np.random.default_rng(5)
    n = 30_000
    ev = Events.from_arrays(
        date_to_day(START) + rng.integers(0, 7 * 60, n),
        30 + rng.uniform(0, 0.04, n),
        120 + rng.uniform(0, 0.04, n),
    )
    _, cube, mask = _setup(ev, START + dt.timedelta(weeks=10), 50)
    methods = {k: v for k, v in all_methods().items() if k in ("uniform", "allhist", "kde52w")}
    res = evaluate(cube, mask, methods, 50, default="allhist")
    pooled = res.results["uniform"].pooled(res.area)
    for key in LEVEL_KEYS:
        assert pooled["pai"][key] == pytest.approx(1.0, abs=0.12 if key == "0.01" else 0.06)
    # with uniform background, no method has real skill
    for name in methods:
        assert res.results[name].pooled(res.area)["pai"]["0.05"] == pytest.approx(1, abs=0.15)


class Oracle(Method):
    """A deliberately leaky method: reads the forecast week from the cube."""

    name = "oracle"

    def __init__(self, cube):
        self.cube = cube

    def forecast(self, history):
        week = (history.day0 - self.cube.start_day) // 7
        return self.cube.week_counts(week).astype(float)


def test_methods_never_see_the_forecast_week():
    """Each test week's events sit at a fresh random spot never used before; history is uniform
    noise. Past data carries no information, so honest methods score at chance — the oracle
    that peeks at the week scores near 1, showing the test can fail."""
    rng = np.random.default_rng(11)
    weeks, burn = 30, 20
    s = date_to_day(START)
    n_noise = 8_000
    day = [s + rng.integers(-7 * burn, 7 * weeks, n_noise)]
    x = [rng.uniform(-2000, 2000, n_noise)]
    y = [rng.uniform(-2000, 2000, n_noise)]
    for k in range(weeks):
        cx, cy = rng.uniform(-1800, 1800, 2)
        day.append(s + 7 * k + rng.integers(0, 7, 60))
        x.append(cx + rng.normal(0, 30, 60))
        y.append(cy + rng.normal(0, 30, 60))
    lat, lon = Projection(30.0, 120.0).inverse(np.concatenate(x), np.concatenate(y))
    ev = Events.from_arrays(np.concatenate(day), lat, lon)
    _, cube, mask = _setup(ev, START, weeks)
    methods = dict(all_methods())
    methods["oracle"] = Oracle(cube)
    res = evaluate(cube, mask, methods, weeks)
    for name, r in res.results.items():
        hr = r.pooled(res.area)["hit_rate"]["0.01"]
        if name == "oracle":
            assert hr > 0.3
        else:
            # chance is ~1 %; a method that saw the week would catch the 60-event spot
            assert hr < 0.04, (name, hr)


def test_forecast_identical_without_future_events():
    ev = synthetic.generate(seed=2, years=2.0, events_per_year=8000, start=START)
    start = START + dt.timedelta(weeks=70)
    s = date_to_day(start)
    burn = ev.day < s
    grid = make_grid(ev.lat[burn], ev.lon[burn], 200)
    full = build_cube(ev, grid, s, 20)
    mask = burn_in_mask(full)
    methods = all_methods()
    for k in (0, 7, 13, 19):
        cut = ev.select(ev.day < s + 7 * k)
        part = build_cube(cut, grid, s, 20)
        fresh = all_methods()
        for name, method in methods.items():
            a = method.forecast(full.history(k, mask))
            b = fresh[name].forecast(part.history(k, mask))
            assert np.array_equal(a, b), (name, k)


def test_blend_tunes_on_training_weeks_and_beats_the_baselines():
    ev = synthetic.generate(seed=4, years=3.0, events_per_year=12_000, start=START)
    start = START + dt.timedelta(weeks=110)
    _, cube, mask = _setup(ev, start, 40)
    methods = all_methods()
    res = evaluate(cube, mask, methods, 40)
    blend = methods[DEFAULT]
    assert isinstance(blend, Blend) and len(blend._cache) >= 3  # it re-tuned every 13 weeks
    assert set(blend._cache.values()) <= set(blend.candidates())
    hr = {n: r.pooled(res.area)["hit_rate"]["0.05"] for n, r in res.results.items()}
    for name, value in hr.items():
        if name != DEFAULT:
            assert hr[DEFAULT] >= value - 0.002, (name, hr)
    w = res.wilcoxon()
    assert w["uniform"]["p_value"] < 1e-6 and w["recent4w"]["p_value"] < 1e-3


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(50, 2000),
    spread=st.floats(0.002, 0.05),
)
def test_pei_star_at_most_one_and_hit_rate_monotone(seed, n, spread):
    rng = np.random.default_rng(seed)
    ev = Events.from_arrays(
        date_to_day(START) + rng.integers(0, 7 * 16, n),
        30 + rng.normal(0, spread, n),
        120 + rng.normal(0, spread, n),
    )
    s = date_to_day(START + dt.timedelta(weeks=8))
    burn = ev.day < s
    if not burn.any():
        return
    grid = make_grid(ev.lat[burn], ev.lon[burn], 200)
    cube = build_cube(ev, grid, s, 8)
    mask = burn_in_mask(cube)
    res = evaluate(cube, mask, all_methods(), 8)
    for r in res.results.values():
        assert (r.hits <= r.best + 1e-9).all()
        assert (np.diff(r.hits, axis=1) >= 0).all()
        assert (r.hits <= r.events[:, None] + 1e-9).all()
        p = r.pooled(res.area)
        vals = [p["hit_rate"][k] for k in LEVEL_KEYS]
        if vals[0] is not None:
            assert vals == sorted(vals)
            assert all(p["pei_star"][k] <= 1 + 1e-9 for k in LEVEL_KEYS)


def test_default_beats_allhist_and_year52w_on_a_realistic_city():
    """Intersection-snapped city records with drifting micro-places and near-repeat: the
    self-tuned default beats the two strong baselines in pooled hit rate at 5 % by a margin
    (it wins on each of the seeds 0-5 of this configuration; seed 3 is checked here)."""
    start0 = dt.date(2020, 1, 6)
    ev = synthetic.city(
        seed=3, variant="drifting", years=3.0, events_per_year=20_000, extent_m=10_000, start=start0
    )
    _, cube, mask = _setup(ev, start0 + dt.timedelta(weeks=116), 40)
    methods = {k: v for k, v in all_methods().items() if k in (DEFAULT, "allhist", "year52w")}
    res = evaluate(cube, mask, methods, 40)
    hr = {n: r.pooled(res.area)["hit_rate"]["0.05"] for n, r in res.results.items()}
    assert hr[DEFAULT] > hr["allhist"] + 0.005, hr
    assert hr[DEFAULT] > hr["year52w"] + 0.0015, hr
    assert res.wilcoxon()["allhist"]["p_value"] < 0.01


def test_tuning_reads_no_week_from_the_epoch_on():
    """The tuner scores validation weeks strictly before its tuning epoch (itself no later than
    the forecast week), and its choice is the same whether or not the forecast week and
    everything after it exist — even when those weeks are replaced by a pattern that would
    favour other parameters (all events on the last week's busiest cells)."""
    ev = synthetic.city(seed=5, variant="bursty", years=2.5, events_per_year=6_000, extent_m=6_000)
    start = dt.date(2020, 1, 6) + dt.timedelta(weeks=100)
    s = date_to_day(start)
    grid, full, mask = _setup(ev, start, 30)
    seen: list[tuple[int, int]] = []

    class Spy(Blend):
        def _score_weeks(self, history, weeks):
            seen.append((history.n_weeks - (history.day0 // 7) % self.epoch_weeks, max(weeks)))
            return super()._score_weeks(history, weeks)

    spy = Spy()
    for k in range(30):
        spy.parameters(full.history(k, mask))  # tuned at each epoch, week by week
    for k in (0, 5, 12, 13, 29):
        history = full.history(k, mask)
        chosen = spy.parameters(history)
        assert chosen in spy.candidates()
        cut = ev.select(ev.day < s + 7 * k)
        # adversarial future: the forecast week onwards piles onto a few cells
        rng = np.random.default_rng(k)
        late = ev.select(ev.day >= s + 7 * k)
        far = Events.from_arrays(
            late.day,
            np.full(len(late), ev.lat[0]) + rng.integers(0, 3, len(late)) * 0.002,
            np.full(len(late), ev.lon[0]),
            late.type,
        )
        for variant in (
            cut,
            Events.from_arrays(
                np.concatenate([cut.day, far.day]),
                np.concatenate([cut.lat, far.lat]),
                np.concatenate([cut.lon, far.lon]),
                np.concatenate([cut.type, far.type]),
            ),
        ):
            part = build_cube(variant, grid, s, 30)
            fresh = Blend()
            assert fresh.parameters(part.history(k, mask)) == chosen, k
            assert np.array_equal(fresh.forecast(part.history(k, mask)), spy.forecast(history)), k
    assert seen, "the tuner never ran"
    for epoch_len, last_scored in seen:
        assert last_scored < epoch_len


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(1, 300), levels=st.integers(1, 4))
def test_expected_hits_rows_matches_the_one_row_version(seed, m, levels):
    """The tuner's vectorised scoring equals the per-row rule, ties resolved in expectation
    (scores drawn from few values, so ties at the threshold are common)."""
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 4, (6, m)).astype(float)
    y = rng.poisson(1.0, m).astype(float)
    ns = sorted({int(n) for n in rng.integers(1, m + 1, levels)})
    expected = np.array([expected_hits(row, y, ns) for row in scores])
    assert np.allclose(expected_hits_rows(scores, y, ns), expected)
