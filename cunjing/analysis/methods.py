"""Forecasting methods. Each turns a :class:`History` — weekly binned counts for the weeks
strictly before the forecast week, nothing else — into a risk surface over the grid.

No method can see the forecast week: the history it receives is a slice that ends before it.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage


@dataclass(frozen=True)
class History:
    """Weekly counts before the forecast week.

    ``counts[j]`` is the (ny, nx) count grid of the j-th week of history (oldest first, the last
    one is the week just before the forecast week); ``cum[j]`` is ``counts[:j].sum(0)`` (so
    ``cum[-1]`` is all history). ``day0`` is the first day of the forecast week (days since
    1970-01-01) and ``mask`` the study area (cells the methods are ranked over).
    """

    counts: np.ndarray
    cum: np.ndarray
    day0: int
    mask: np.ndarray

    @property
    def n_weeks(self) -> int:
        return int(self.counts.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        return self.mask.shape

    def window(self, weeks: int) -> np.ndarray:
        """Total counts over the last ``weeks`` weeks (all history if fewer)."""
        lo = max(0, self.n_weeks - weeks)
        return (self.cum[-1] - self.cum[lo]).astype(np.float64)

    def truncated(self, n_weeks: int, day0: int) -> History:
        """The history as it was ``self.n_weeks - n_weeks`` weeks earlier."""
        return History(self.counts[:n_weeks], self.cum[: n_weeks + 1], day0, self.mask)


def _disc_kernel(radius_cells: float) -> np.ndarray:
    r = math.floor(radius_cells)
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    d = np.hypot(dy, dx)
    k = 1.0 / (1.0 + d)
    k[d > radius_cells + 1e-9] = 0.0
    return k


def prospective_surface(history: History, weeks: int = 8, radius_cells: float = 2.0) -> np.ndarray:
    """Bowers–Johnson prospective mapping on binned data: each past event contributes
    1/(1 + distance in cells) × 1/(1 + weeks ago) within ``radius_cells`` and ``weeks``
    (weeks ago = 0 for the week just before the forecast week). Because the weight is a product,
    it is a time-weighted sum of the weekly grids followed by one spatial convolution."""
    n = min(weeks, history.n_weeks)
    if n == 0:
        return np.zeros(history.shape)
    recent = history.counts[history.n_weeks - n :].astype(np.float64)
    ago = np.arange(n - 1, -1, -1)
    weighted = np.tensordot(1.0 / (1.0 + ago), recent, axes=1)
    return ndimage.convolve(weighted, _disc_kernel(radius_cells), mode="constant")


class Method:
    name = "method"
    description = ""

    def forecast(self, history: History) -> np.ndarray:
        raise NotImplementedError


class Uniform(Method):
    name = "uniform"
    description = "equal risk everywhere (ties broken at random: the chance baseline)"

    def forecast(self, history: History) -> np.ndarray:
        return np.zeros(history.shape)


class WindowCounts(Method):
    def __init__(self, name: str, weeks: int | None, description: str):
        self.name = name
        self.weeks = weeks
        self.description = description

    def forecast(self, history: History) -> np.ndarray:
        if self.weeks is None:
            return history.cum[-1].astype(np.float64)
        return history.window(self.weeks)


class KDE(Method):
    def __init__(self, name: str = "kde52w", weeks: int = 52, sigma_cells: float = 1.5):
        self.name = name
        self.weeks = weeks
        self.sigma = sigma_cells
        self.description = (
            f"Gaussian KDE of the last {weeks} weeks, binned, sigma {sigma_cells} cells"
        )

    def forecast(self, history: History) -> np.ndarray:
        return ndimage.gaussian_filter(history.window(self.weeks), self.sigma, mode="constant")


class Prospective(Method):
    name = "prospective"

    def __init__(self, radius_cells: float = 2.0, weeks: int = 8):
        self.radius_cells = radius_cells
        self.weeks = weeks
        self.description = (
            f"prospective hotspotting: 1/(1+d cells) x 1/(1+weeks ago), within "
            f"{radius_cells:g} cells / {weeks} weeks"
        )

    def forecast(self, history: History) -> np.ndarray:
        return prospective_surface(history, self.weeks, self.radius_cells)


def _normalised(surface: np.ndarray, mask: np.ndarray) -> np.ndarray:
    total = surface[mask].sum()
    return surface / total if total > 0 else surface


def expected_hits(score: np.ndarray, y: np.ndarray, ns: list[int]) -> np.ndarray:
    """Hits of the top-n cells of ``score`` on counts ``y``, for each n, with ties at the
    threshold resolved in expectation (as a uniformly random tie-break would on average)."""
    out = np.empty(len(ns))
    part = -np.partition(-score, [n - 1 for n in ns])
    for i, n in enumerate(ns):
        t = part[n - 1]
        above = score > t
        tied = score == t
        k_above = int(above.sum())
        n_tied = int(tied.sum())
        hits = float(y[above].sum())
        if n > k_above and n_tied:
            hits += (n - k_above) * float(y[tied].sum()) / n_tied
        out[i] = hits
    return out


def expected_hits_rows(scores: np.ndarray, y: np.ndarray, ns: list[int]) -> np.ndarray:
    """:func:`expected_hits` for every row of ``scores`` (candidates x cells) at once."""
    kth = sorted({n - 1 for n in ns})
    part = -np.partition(-scores, kth, axis=1)
    out = np.empty((scores.shape[0], len(ns)))
    for i, n in enumerate(ns):
        t = part[:, n - 1 : n]
        above = scores > t
        tied = scores == t
        k_above = above.sum(axis=1)
        n_tied = tied.sum(axis=1)
        hits = above @ y
        share = np.where(n_tied > 0, (tied @ y) / np.maximum(n_tied, 1), 0.0)
        out[:, i] = hits + np.maximum(n - k_above, 0) * share
    return out


def decayed_counts(counts: np.ndarray, h: float) -> np.ndarray:
    """Exponentially time-decayed sum of the weekly grids: weight 0.5 ** (weeks ago / h), the
    last week weighing 1; ``h = inf`` is the plain sum of all history."""
    n = counts.shape[0]
    if n == 0:
        return np.zeros(counts.shape[1:])
    if math.isinf(h):
        return counts.sum(axis=0, dtype=np.float64)
    ages = np.arange(n - 1, -1, -1, dtype=np.float64)
    weights = (0.5 ** (ages / h)).astype(counts.dtype)  # no float64 copy of the history
    return np.tensordot(weights, counts, axes=1).astype(np.float64)


@dataclass
class Blend(Method):
    """Self-tuning blend of long-term concentration, light spatial shrinkage and near-repeat:

        long  = D_h                                (counts over ALL history, half-life h weeks)
        L     = (1 - w) * long + w * G_1(long)     (shrink each cell toward its neighbourhood)
        S     = G_s(D_hs)                          (last weeks' events, half-life hs, spread s)
        risk  = (1 - beta) * L + beta * S

    every surface normalised to sum 1 over the study area, ``G_s`` a Gaussian filter of s cells.
    On point data snapped to intersections the long-term per-cell counts carry most of the
    signal: the half-life follows slow drift, ``w`` adds a little empirical-Bayes style
    smoothing at the ranking margin, ``S`` the near-repeat boost.

    (h, w, short, beta) are chosen from a small grid by rolling-origin validation on the
    history alone: at every tuning epoch (each 13th week, counting whole weeks since 1970) each
    candidate is scored by its forecasts of the preceding ``validation_weeks`` weeks (at least
    ``min_validation``), each made from the weeks before that one, by the expected hits at 1,
    2.5, 5, 7.5 and 10 % of the area (5 % counted twice); the best is used until the next
    epoch. To follow a regime change (a new pattern that a long validation window would take a
    year to notice), the best candidate of the last ``recent_weeks`` validation weeks replaces
    it when it beat it in those weeks by more than ``switch_z`` standard errors of the weekly
    paired differences. Nothing at or after the tuning epoch is read, so nothing from the
    forecast week either. A validation week's candidate scores do not depend on the epoch, so
    they are computed once and cached. With too little history the ``default`` parameters are
    used.

    Measured (``python -m bench._accuracy``): on stationary synthetic cities nothing in this
    family beats plain all-history counts by more than ~0.001 in hit rate at 5 %, even chosen in
    hindsight, so there the default ties ``allhist``; with drift, hotspot births, near-repeat
    or a regime change it wins. Weighting validation weeks by recency (half-life 52 weeks) was
    tried and made the choice noisier without gains.
    """

    name: str = "blend"
    description: str = (
        "decayed all-history counts, light smoothing, near-repeat; self-tuned on past weeks"
    )
    halflives: tuple[float, ...] = (13.0, 26.0, 52.0, 104.0, 208.0, math.inf)
    mixes: tuple[float, ...] = (0.0, 0.1)
    mix_sigma: float = 1.0
    shorts: tuple[tuple[float, float], ...] = ((1.0, 0.5), (4.0, 1.0))
    betas: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2)
    default: tuple[float, float, int, float] = (104.0, 0.0, 1, 0.05)
    validation_weeks: int = 104
    recent_weeks: int = 13
    switch_z: float = 3.0
    min_validation: int = 13
    epoch_weeks: int = 13
    min_history: int = 8
    tune_levels: tuple[float, ...] = (0.01, 0.025, 0.05, 0.075, 0.10)
    tune_weights: tuple[float, ...] = (1.0, 1.0, 2.0, 1.0, 1.0)
    _cache: dict = field(default_factory=dict, repr=False)
    _scores: dict = field(default_factory=dict, repr=False)

    def candidates(self) -> list[tuple[float, float, int, float]]:
        """The parameter grid (half-life, mix, short-term index, beta); beta 0 once per (h, w)."""
        out = []
        for h in self.halflives:
            for w in self.mixes:
                out.append((h, w, 0, 0.0))
                for si in range(len(self.shorts)):
                    out.extend((h, w, si, b) for b in self.betas if b > 0)
        return out

    def forecast(self, history: History) -> np.ndarray:
        return self.surface(history, *self.parameters(history))

    def surface(self, history: History, h: float, w: float, si: int, beta: float) -> np.ndarray:
        mask = history.mask
        long = _normalised(decayed_counts(history.counts, h), mask)
        if w > 0:
            smooth = ndimage.gaussian_filter(long, self.mix_sigma, mode="constant")
            long = (1.0 - w) * long + w * _normalised(smooth, mask)
        if beta <= 0:
            return long
        return (1.0 - beta) * long + beta * self._short(history.counts, si, mask)

    def _short(self, counts: np.ndarray, si: int, mask: np.ndarray) -> np.ndarray:
        hs, sigma = self.shorts[si]
        recent = counts[max(0, counts.shape[0] - int(8 * hs)) :]  # weights below 1/256 dropped
        near = decayed_counts(recent, hs)
        if sigma > 0:
            near = ndimage.gaussian_filter(near, sigma, mode="constant")
        return _normalised(near, mask)

    def _digest(self, history: History, k: int) -> str:
        """A fingerprint of the history's first ``k`` weeks (their total and the last 2)."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(np.int64(k).tobytes())
        digest.update(np.ascontiguousarray(history.cum[k]).tobytes())
        digest.update(np.ascontiguousarray(history.counts[max(0, k - 2) : k]).tobytes())
        digest.update(np.packbits(history.mask).tobytes())
        return digest.hexdigest()

    def parameters(self, history: History) -> tuple[float, float, int, float]:
        """(half-life, mix, short-term index, beta) for this forecast week, from the history's
        weeks before the current tuning epoch only."""
        offset = (history.day0 // 7) % self.epoch_weeks
        ke = history.n_weeks - offset  # history length at the tuning epoch
        v0 = max(self.min_history, ke - self.validation_weeks)
        if ke - v0 < self.min_validation:
            return self.default
        key = (history.day0 - 7 * offset, self._digest(history, ke))
        if key not in self._cache:
            self._cache[key] = self._tune(history, v0, ke)
        return self._cache[key]

    def _tune(self, history: History, v0: int, ke: int) -> tuple[float, float, int, float]:
        cands = self.candidates()
        keys = [
            (history.day0 - 7 * (history.n_weeks - v), self._digest(history, v + 1))
            for v in range(v0, ke)
        ]
        todo = [
            (v, key) for v, key in zip(range(v0, ke), keys, strict=True) if key not in self._scores
        ]
        if todo:
            fresh = self._score_weeks(history, [v for v, _ in todo])
            for (_, key), scores in zip(todo, fresh, strict=True):
                self._scores[key] = scores
        rows = np.array([self._scores[key] for key in keys])  # (validation weeks, candidates)
        if rows.sum() <= 0:
            return self.default
        best = self._argmax(cands, rows.sum(axis=0))
        r = self.recent_weeks
        if rows.shape[0] > r:
            # a regime change: the best of the last r weeks replaces the long-run choice only
            # if it beat it in those weeks by more than switch_z standard errors
            recent = self._argmax(cands, rows[-r:].sum(axis=0))
            d = rows[-r:, recent] - rows[-r:, best]
            se = d.std(ddof=1) / math.sqrt(r)
            if recent != best and se > 0 and d.mean() > self.switch_z * se:
                best = recent
        return cands[best]

    def _argmax(self, cands: list, total: np.ndarray) -> int:
        """The best candidate; among equal scores the default, then longer memory, less
        smoothing, less near-repeat weight."""
        return max(
            range(len(cands)),
            key=lambda j: (
                total[j],
                cands[j] == self.default,
                cands[j][0],
                -cands[j][1],
                -cands[j][3],
            ),
        )

    def _score_weeks(self, history: History, weeks: list[int]) -> list[np.ndarray]:
        """Each candidate's weighted expected hits on week v forecast from weeks < v."""
        mask = history.mask
        m = int(mask.sum())
        ns = [max(1, math.ceil(f * m)) for f in self.tune_levels]
        weights = np.asarray(self.tune_weights, dtype=np.float64)
        cands = self.candidates()
        counts = history.counts
        out = []
        decayed: dict[float, np.ndarray] = {}
        last = None
        for v in weeks:
            y = counts[v][mask].astype(np.float64)
            if last is not None and v == last + 1:
                for h in self.halflives:
                    lam = 1.0 if math.isinf(h) else 0.5 ** (1.0 / h)
                    decayed[h] = lam * decayed[h] + counts[last]
            else:
                decayed = {h: decayed_counts(counts[:v], h) for h in self.halflives}
            last = v
            scores = np.zeros(len(cands))
            if y.sum() > 0:
                shorts = [self._short(counts[:v], si, mask)[mask] for si in range(len(self.shorts))]
                longs = {}
                for h in self.halflives:
                    base = _normalised(decayed[h], mask)
                    smooth = None
                    for w in self.mixes:
                        if w > 0:
                            if smooth is None:
                                smooth = ndimage.gaussian_filter(
                                    base, self.mix_sigma, mode="constant"
                                )
                                smooth = _normalised(smooth, mask)
                            longs[(h, w)] = ((1.0 - w) * base + w * smooth)[mask]
                        else:
                            longs[(h, w)] = base[mask]
                rows = np.empty((len(cands), y.size))
                for j, (h, w, si, b) in enumerate(cands):
                    rows[j] = (
                        longs[(h, w)] if b <= 0 else (1.0 - b) * longs[(h, w)] + b * shorts[si]
                    )
                scores = expected_hits_rows(rows, y, ns) @ weights
            out.append(scores)
        return out


def all_methods(cell_m: float = 200.0) -> dict[str, Method]:
    """The methods, baselines first; ``DEFAULT`` names the default. The near-repeat radius is
    ~400 m (at least one cell) whatever the cell size."""
    radius = max(1.0, 400.0 / cell_m)
    methods: list[Method] = [
        Uniform(),
        WindowCounts("recent4w", 4, "counts over the last 4 weeks"),
        WindowCounts("year52w", 52, "counts over the last 52 weeks"),
        WindowCounts("allhist", None, "counts over all history"),
        KDE(),
        Prospective(radius_cells=radius),
        Blend(),
    ]
    return {m.name: m for m in methods}


DEFAULT = "blend"
