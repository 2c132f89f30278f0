"""Forecasting models, each fitted to many series at once (rows of a 2-D array) on the log scale.

Every model takes `z` (series x days, log1p of the counts, NaN where a day is closed or unknown) and a horizon,
and returns a `Fit`: the point forecasts (series x horizon) and the errors of its own forecasts made inside
the history (series x origins x horizon), from which the intervals are read (`intervals`). Nothing a model
does looks past the last column it is given, so a backtest fold is a slice of columns (tests/forecasting).

- `seasonal_naive`: the value one season ago (the benchmark every other model is measured against);
- `ets`: exponential smoothing with an additive level, an optional damped trend and an additive season
  (the ETS(A,N,A) and ETS(A,Ad,A) family on the log scale, so multiplicative on counts), its smoothing
  parameters chosen per series from a grid by the in-sample one-step squared error (a grid, not an
  optimiser, so that a thousand series are one array operation per day);
- `calendar`: a ridge regression on the calendar (weekday, Ramadan and its last ten nights, the days before,
  of and after both Eids, public holidays, White Friday, 11.11, salary days, the year's shape) with a
  piecewise-linear level, and exponential smoothing of what it leaves, so a level shift is followed.

docs/decisions/015-forecasting-models.md says why these are written here rather than taken from statsforecast.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np

ORIGINS = 112  # the last origins inside the history whose errors make the intervals
WARMUP = 2  # seasons of one-step errors left out of the fitting criterion while the states settle

ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.35, 0.55, 0.8)
GAMMAS = (0.0, 0.02, 0.08, 0.2)
TRENDS = ((0.0, 1.0), (0.01, 0.9), (0.03, 0.9), (0.01, 0.98))  # (beta, phi); beta 0 is no trend


@dataclass
class Fit:
    """A model's forecasts for every series (`mean`: series x horizon, log scale) and its in-sample errors
    (`errors`: series x origins x horizon, NaN where unknown)."""

    name: str
    mean: np.ndarray
    errors: np.ndarray


def seasonal_naive(z: np.ndarray, horizon: int, season: int) -> Fit:
    """Each future day takes the last known value `season` days (one, two... seasons) before it."""
    filled = _carry_seasons(z, season)
    n = z.shape[1]
    steps = np.arange(horizon)
    mean = filled[:, n - season + steps % season]
    origins = np.arange(max(season, n - ORIGINS - 1), n - 1)
    errors = np.full((z.shape[0], len(origins), horizon), np.nan)
    for i, t in enumerate(origins):  # origin t: the last known day
        target = t + 1 + steps
        ok = target < n
        errors[:, i, ok] = z[:, target[ok]] - filled[:, t + 1 - season + steps[ok] % season]
    return Fit("seasonal_naive", mean, errors)


def _carry_seasons(z: np.ndarray, season: int) -> np.ndarray:
    """z with each unknown day taking the value one season earlier (still NaN where none is known)."""
    out = z.copy()
    for t in range(season, z.shape[1]):
        gap = np.isnan(out[:, t])
        out[gap, t] = out[gap, t - season]
    return out


def _grid() -> np.ndarray:
    """The smoothing parameters tried: rows (alpha, beta, gamma, phi)."""
    rows = [(a, b, g, p) for a, g, (b, p) in itertools.product(ALPHAS, GAMMAS, TRENDS) if b <= a]
    return np.array(rows)


def _initial(z: np.ndarray, season: int) -> tuple[np.ndarray, np.ndarray]:
    """A starting level (the mean of the first two seasons) and season (their offsets from it)."""
    head = z[:, : 2 * season]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        level = np.nanmean(head, axis=1)
    level = np.where(np.isnan(level), 0.0, level)
    offsets = np.full((z.shape[0], season), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a series unknown at the start: no offsets yet
        for j in range(min(season, head.shape[1])):
            offsets[:, j] = np.nanmean(head[:, j::season], axis=1)
    offsets = np.where(np.isnan(offsets), 0.0, offsets - level[:, None])
    return level, offsets


def _smooth(z: np.ndarray, params: np.ndarray, season: int, keep_from: int) -> tuple[np.ndarray, ...]:
    """Run the smoothing for every series (rows of z) under each of its parameter rows.

    params: series x k x 4. Returns the squared one-step error summed after the warm-up (series x k), the
    final level, trend and season (series x k [x season]) and, for the days from `keep_from` on, the states
    after each day (for the in-sample forecasts)."""
    s, k = params.shape[:2]
    alpha, beta, gamma, phi = (params[..., i] for i in range(4))
    level0, season0 = _initial(z, season)
    level = np.repeat(level0[:, None], k, axis=1)
    trend = np.zeros((s, k))
    seas = np.repeat(season0[:, None, :], k, axis=1)
    sse = np.zeros((s, k))
    kept = max(z.shape[1] - keep_from, 0)
    states = np.zeros((kept, 2, s, k))
    seasons = np.zeros((kept, s, k, season))
    for t in range(z.shape[1]):
        j = t % season
        guess = level + phi * trend + seas[:, :, j]
        seen = ~np.isnan(z[:, t])
        error = np.where(seen[:, None], z[:, t, None] - guess, 0.0)
        if t >= WARMUP * season:
            sse += error * error
        level = level + phi * trend + alpha * error
        trend = phi * trend + beta * error
        seas[:, :, j] += gamma * error
        if t >= keep_from:
            states[t - keep_from] = (level, trend)
            seasons[t - keep_from] = seas
    return sse, level, trend, seas, states, seasons


def _project(level, trend, seas, phi, last: int, horizon: int, season: int) -> np.ndarray:
    """Forecasts for the `horizon` days after day `last` from the states after it (series x horizon)."""
    steps = np.arange(1, horizon + 1)
    damp = np.cumsum(phi[:, None] ** steps[None, :], axis=1)
    index = (last + steps) % season
    return level[:, None] + damp * trend[:, None] + seas[:, index]


def ets(z: np.ndarray, horizon: int, season: int) -> Fit:
    """Exponential smoothing, its parameters per series the grid row with the least in-sample error."""
    grid = _grid()
    s, n = z.shape
    sse, *_ = _smooth(z, np.broadcast_to(grid, (s, *grid.shape)), season, keep_from=n)
    best = grid[np.argmin(sse, axis=1)][:, None, :]
    first = max(n - ORIGINS - 1, 0)
    _, level, trend, seas, states, seasons = _smooth(z, best, season, keep_from=first)
    phi = best[:, 0, 3]
    mean = _project(level[:, 0], trend[:, 0], seas[:, 0], phi, n - 1, horizon, season)
    errors = np.full((s, n - 1 - first, horizon), np.nan)
    for i in range(n - 1 - first):
        t = first + i
        guess = _project(states[i, 0, :, 0], states[i, 1, :, 0], seasons[i][:, 0], phi, t, horizon, season)
        errors[:, i, :] = _future(z, t, horizon) - guess
    return Fit("ets", mean, errors)


def _future(z: np.ndarray, t: int, horizon: int) -> np.ndarray:
    """The known values of the `horizon` days after day t (NaN past the end)."""
    out = np.full((z.shape[0], horizon), np.nan)
    stop = min(t + 1 + horizon, z.shape[1])
    out[:, : stop - t - 1] = z[:, t + 1 : stop]
    return out


def calendar(z: np.ndarray, horizon: int, design: np.ndarray, ridge: float = 1.0) -> Fit:
    """A ridge regression of every series on the design (days x columns, the history's days then the
    horizon's), then exponential smoothing of its residuals (level only) to follow what the calendar misses."""
    s, n = z.shape
    x_past, x_next = design[:n], design[n : n + horizon]
    seen = ~np.isnan(z)
    coef = np.zeros((s, design.shape[1]))
    penalty = ridge * np.eye(design.shape[1])
    penalty[0, 0] = 0.0  # the intercept is free
    for i in range(s):  # one small solve per series (its own known days)
        x = x_past[seen[i]]
        if len(x):
            coef[i] = np.linalg.solve(x.T @ x + penalty, x.T @ z[i, seen[i]])
    fitted = coef @ x_past.T
    residual = z - fitted
    smoothed = ets_level(residual, horizon)
    mean = coef @ x_next.T + smoothed.mean
    return Fit("calendar", mean, smoothed.errors)


def ets_level(z: np.ndarray, horizon: int) -> Fit:
    """Simple exponential smoothing (a level only), alpha per series from the grid."""
    grid = np.array([(a, 0.0, 0.0, 1.0) for a in ALPHAS])
    s, n = z.shape
    sse, *_ = _smooth(z, np.broadcast_to(grid, (s, *grid.shape)), 1, keep_from=n)
    best = grid[np.argmin(sse, axis=1)][:, None, :]
    first = max(n - ORIGINS - 1, 0)
    _, level, _, _, states, _ = _smooth(z, best, 1, keep_from=first)
    mean = np.repeat(level, horizon, axis=1)
    errors = np.full((s, n - 1 - first, horizon), np.nan)
    for i in range(n - 1 - first):
        errors[:, i, :] = _future(z, first + i, horizon) - states[i, 0, :, 0][:, None]
    return Fit("level", mean, errors)


def intervals(fit: Fit, levels: tuple[int, ...]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """For each level (80, 95...) the lower and upper bounds (series x horizon, log scale): the model's
    forecast plus the empirical quantiles of its in-sample errors at the same distance ahead."""
    tails = [(100 - level) / 200 for level in levels]
    qs = nanquantiles(fit.errors, [q for t in tails for q in (t, 1 - t)])
    return {level: (fit.mean + qs[2 * i], fit.mean + qs[2 * i + 1]) for i, level in enumerate(levels)}


def nanquantiles(errors: np.ndarray, qs: list[float]) -> list[np.ndarray]:
    """Quantiles over axis 1 ignoring NaN (linear interpolation, as numpy's default), 0 where nothing is
    known: one sort for all of them (numpy's nanquantile loops in Python over every cell)."""
    ordered = np.sort(errors, axis=1)  # NaN last
    count = np.isfinite(ordered).sum(axis=1, keepdims=True)
    out = []
    for q in qs:
        position = q * np.maximum(count - 1, 0)
        low = np.floor(position).astype(int)
        high = np.minimum(low + 1, np.maximum(count - 1, 0))
        frac = position - low
        a = np.take_along_axis(ordered, low, axis=1)
        b = np.take_along_axis(ordered, high, axis=1)
        value = (a + (b - a) * frac)[:, 0]
        out.append(np.where(count[:, 0] > 0, value, 0.0))
    return out
