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


@dataclass
class Blend(Method):
    """Long-term concentration plus a short-term near-repeat term:

        risk = (1 - beta) * G_sigma(exponentially decayed counts, half-life h) + beta * P

    both parts normalised to sum 1 over the study area; P is the prospective surface. The
    parameters (h, sigma, beta) are chosen by rolling validation on training weeks only: at
    every tuning epoch (each 13th week, counting whole weeks since 1970) each candidate is scored
    by its forecasts of the preceding ``validation_weeks`` weeks, each made from the weeks before
    that one, and the best (hits at 1 % + 2 x 5 % + 10 % of the area) is used until the next
    epoch. With too little history the defaults are used.
    """

    name: str = "blend"
    description: str = (
        "decayed-history KDE (light smoothing) + near-repeat, weights tuned on training weeks"
    )
    halflives: tuple[float, ...] = (26.0, 52.0, 104.0, math.inf)
    sigmas: tuple[float, ...] = (0.0, 0.5, 1.0)
    betas: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5)
    default: tuple[float, float, float] = (104.0, 0.5, 0.1)
    validation_weeks: int = 26
    epoch_weeks: int = 13
    min_history: int = 8
    radius_cells: float = 2.0
    tune_levels: tuple[float, ...] = (0.01, 0.05, 0.10)
    tune_weights: tuple[float, ...] = (1.0, 2.0, 1.0)
    _cache: dict = field(default_factory=dict, repr=False)

    def forecast(self, history: History) -> np.ndarray:
        h, sigma, beta = self.parameters(history)
        return self.surface(history, h, sigma, beta)

    def surface(self, history: History, h: float, sigma: float, beta: float) -> np.ndarray:
        long = self._decayed(history.counts, h)
        if sigma > 0:
            long = ndimage.gaussian_filter(long, sigma, mode="constant")
        risk = (1.0 - beta) * _normalised(long, history.mask)
        if beta > 0:
            near = prospective_surface(history, radius_cells=self.radius_cells)
            risk = risk + beta * _normalised(near, history.mask)
        return risk

    @staticmethod
    def _decayed(counts: np.ndarray, h: float) -> np.ndarray:
        n = counts.shape[0]
        if n == 0:
            return np.zeros(counts.shape[1:])
        if math.isinf(h):
            return counts.sum(axis=0, dtype=np.float64)
        ages = np.arange(n - 1, -1, -1, dtype=np.float64)
        weights = (0.5 ** (ages / h)).astype(counts.dtype)  # no float64 copy of the history
        return np.tensordot(weights, counts, axes=1).astype(np.float64)

    def parameters(self, history: History) -> tuple[float, float, float]:
        """(half-life, sigma, beta) for this forecast week, from training weeks only."""
        offset = (history.day0 // 7) % self.epoch_weeks
        ke = history.n_weeks - offset  # history length at the tuning epoch
        v0 = ke - self.validation_weeks
        if v0 < self.min_history:
            return self.default
        digest = hashlib.blake2b(digest_size=16)
        digest.update(np.int64(ke).tobytes())
        digest.update(np.ascontiguousarray(history.cum[ke]).tobytes())
        digest.update(np.ascontiguousarray(history.counts[v0 - 8 : ke]).tobytes())
        key = (history.day0 - 7 * offset, digest.hexdigest())
        if key not in self._cache:
            self._cache[key] = self._tune(history, v0, ke)
        return self._cache[key]

    def _tune(self, history: History, v0: int, ke: int) -> tuple[float, float, float]:
        mask = history.mask
        m = int(mask.sum())
        ns = [max(1, math.ceil(f * m)) for f in self.tune_levels]
        weights = np.asarray(self.tune_weights, dtype=np.float64)
        counts = history.counts
        cands = [(h, s, b) for h in self.halflives for s in self.sigmas for b in self.betas]
        score = {c: 0.0 for c in cands}
        decayed = {h: self._decayed(counts[:v0], h) for h in self.halflives}
        for v in range(v0, ke):
            y = counts[v][mask].astype(np.float64)
            if y.sum() > 0:
                past = history.truncated(v, history.day0)
                near = prospective_surface(past, radius_cells=self.radius_cells)
                p = _normalised(near, mask)[mask]
                for h in self.halflives:
                    for s in self.sigmas:
                        long = decayed[h]
                        if s > 0:
                            long = ndimage.gaussian_filter(long, s, mode="constant")
                        long = _normalised(long, mask)[mask]
                        for b in self.betas:
                            r = (1.0 - b) * long + b * p if b > 0 else long
                            score[(h, s, b)] += float(expected_hits(r, y, ns) @ weights)
            for h in self.halflives:
                lam = 1.0 if math.isinf(h) else 0.5 ** (1.0 / h)
                decayed[h] = lam * decayed[h] + counts[v]
        best = max(score.values())
        if best <= 0:
            return self.default
        # among the best, prefer the default-like (smoothest, longest memory) deterministically
        return max(
            cands,
            key=lambda c: (score[c], c == self.default, c[0], c[1], -c[2]),
        )


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
        Blend(radius_cells=radius),
    ]
    return {m.name: m for m in methods}


DEFAULT = "blend"
