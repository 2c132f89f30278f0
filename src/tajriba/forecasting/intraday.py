"""Intraday forecasts (15, 30 or 60 minutes): the day's total from the daily models times the day's shape.

A day's shape is the share of its contacts in each interval: the mean of the last four open days of the same
weekday (Ramadan days take the shape of the last Ramadan's days, when the history holds a week of them, since
fasting moves the day). The models compared per series by rolling-origin backtest, as for daily series:

- `seasonal_naive`: each interval as on the last open day (statsforecast's SeasonalNaive over the open hours);
- `seasonal_naive_week`: each interval as on the same weekday a week earlier;
- `profile_ets`, `profile_calendar`: the daily ETS or calendar model's total for the day times its shape.

Intervals come from the model's own errors inside the history, per interval of the day and distance ahead.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tajriba.errors import Invalid
from tajriba.forecasting import daily, models
from tajriba.forecasting.features import Overrides
from tajriba.i18n import _

MODELS = ("seasonal_naive", "seasonal_naive_week", "profile_ets", "profile_calendar")
SHAPE_DAYS = 4  # same-weekday days whose shares make a day's shape
RAMADAN_DAYS = 7  # Ramadan days the history must hold for a Ramadan shape
ERROR_DAYS = 112  # days inside the history whose errors make the intervals
MAX_CELLS = 50_000  # series x horizon days x intervals in one forecast (bounds the errors' memory)


@dataclass
class Intraday:
    """Counts per interval: `values` is series x days x intervals of the day (NaN where unknown)."""

    names: list[str]
    days: pd.DatetimeIndex
    slots: list[str]  # "HH:MM", the start of each interval
    values: np.ndarray
    country: str = "SA"
    overrides: Overrides | None = None
    levels: tuple[int, ...] = daily.LEVELS
    _daily: daily.History | None = field(default=None, repr=False)

    def totals(self) -> daily.History:
        """The daily totals (unknown where every interval of the day is)."""
        if self._daily is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                total = np.where(np.isnan(self.values).all(axis=2), np.nan, np.nansum(self.values, axis=2))
            self._daily = daily.History(
                self.names, self.days, total, self.country, self.overrides, self.levels
            ).check()
        return self._daily


def shapes(
    values: np.ndarray, upto: int, targets: np.ndarray, weekdays: np.ndarray, ramadan: np.ndarray
) -> np.ndarray:
    """The shape (shares per interval, series x targets x intervals) of each target day from the days before
    `upto` only."""
    total = np.nansum(values[:, :upto], axis=2)
    open_day = total > 0
    with np.errstate(all="ignore"):
        shares = np.where(open_day[..., None], np.nan_to_num(values[:, :upto]) / total[..., None], np.nan)
    out = np.full((values.shape[0], len(targets), values.shape[2]), np.nan)
    for s in range(values.shape[0]):
        opened = np.flatnonzero(open_day[s])
        for j, target in enumerate(targets):
            pick = (
                opened[ramadan[opened] == 1][-30:]
                if ramadan[target] and (ramadan[opened] == 1).sum() >= RAMADAN_DAYS
                else opened[weekdays[opened] == weekdays[target]][-SHAPE_DAYS:]
            )
            if len(pick) == 0:
                pick = opened[-SHAPE_DAYS:]
            if len(pick):
                out[s, j] = shares[s, pick].mean(axis=0)
    return np.nan_to_num(out, nan=1.0 / values.shape[2])


def _last_open(values: np.ndarray, upto: int, lag_days: int) -> np.ndarray:
    """For each series the intervals of the last open day before `upto` (lag 1) or of the same weekday
    `lag_days` before the first forecast day (series x intervals)."""
    total = np.nansum(values[:, :upto], axis=2)
    out = np.zeros((values.shape[0], values.shape[2]))
    for s in range(values.shape[0]):
        if lag_days == 1:
            opened = np.flatnonzero(total[s] > 0)
            if len(opened):
                out[s] = np.nan_to_num(values[s, opened[-1]])
        elif upto - lag_days >= 0:
            out[s] = np.nan_to_num(values[s, upto - lag_days])
    return out


def predict(item: Intraday, upto: int, horizon: int) -> dict[str, Any]:
    """Every intraday model's forecasts (series x horizon days x intervals, counts) from the days before
    `upto`, with their interval bounds, and which of the horizon's days are closed."""
    history = item.totals()
    closed, fits = daily.fit_models(history, upto, horizon, ("ets", "calendar"))
    cal = history.calendar(upto + horizon)
    weekdays = pd.DatetimeIndex(cal.index).day_of_week.to_numpy()
    ramadan = cal["ramadan"].to_numpy()
    shut = closed[:, upto : upto + horizon]
    targets = np.arange(upto, upto + horizon)
    shape = shapes(item.values, upto, targets, weekdays, ramadan)
    out: dict[str, Any] = {"closed": shut, "models": {}}
    for name in MODELS:
        mean = _point(name, item, fits, shape, upto, horizon)
        mean = np.where(shut[..., None], 0.0, mean)
        errors = _errors(name, item, fits, upto, horizon, weekdays, ramadan)
        out["models"][name] = (mean, _bounds(mean, errors, shut, item.levels))
    return out


def _point(name, item, fits, shape, upto, horizon) -> np.ndarray:
    if name == "seasonal_naive":
        return np.repeat(_last_open(item.values, upto, 1)[:, None, :], horizon, axis=1)
    if name == "seasonal_naive_week":
        days = [_last_open(item.values, upto + k, 7) for k in range(min(horizon, 7))]
        return np.stack([days[k % 7] for k in range(horizon)], axis=1)
    total = np.maximum(np.expm1(fits[name.removeprefix("profile_")].mean), 0.0)
    return total[..., None] * shape


def _errors(name, item, fits, upto, horizon, weekdays, ramadan) -> np.ndarray:
    """log1p errors of the model's in-sample forecasts (series x days x horizon x intervals), for the last
    ERROR_DAYS days before `upto`, each forecast made from what came before its origin."""
    first = max(upto - ERROR_DAYS, 14)
    s, _, k = item.values.shape
    out = np.full((s, max(upto - first, 0), horizon, k), np.nan)
    actual = np.log1p(item.values)
    for i, target in enumerate(range(first, upto)):
        for step in range(horizon):
            origin = target - step  # forecasts of `target` made with the days before `origin`
            if origin < 14:
                continue
            guess = _in_sample(name, item, fits, origin, target, upto, weekdays, ramadan)
            if guess is not None:
                out[:, i, step] = actual[:, target] - np.log1p(guess)
    return out


def _in_sample(name, item, fits, origin, target, upto, weekdays, ramadan) -> np.ndarray | None:
    if name == "seasonal_naive":
        return _last_open(item.values, origin, 1)
    if name == "seasonal_naive_week":
        return np.nan_to_num(item.values[:, target - 7]) if target >= 7 else None
    fit = fits[name.removeprefix("profile_")]
    errors = fit.errors  # origins x horizon: origin index j is the day upto - 1 - errors.shape[1] + j
    j = origin - 1 - (upto - 1 - errors.shape[1])
    step = target - origin
    if not 0 <= j < errors.shape[1] or step >= errors.shape[2]:
        return None
    history = np.log1p(item.totals().values[:, target])
    total = np.maximum(np.expm1(history - errors[:, j, step]), 0.0)
    shape = shapes(item.values, origin, np.array([target]), weekdays, ramadan)[:, 0]
    return total[:, None] * shape


def _bounds(mean, errors, shut, levels) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Bounds from the errors' quantiles per interval of the day and distance ahead, each interval's errors
    pooled with its two neighbours' on each side (a few dozen days alone make a narrow tail), at the
    finite-sample quantile level (1 - α)(1 + 1/n) of split conformal prediction."""
    k = errors.shape[-1]
    pooled = np.concatenate([errors[..., np.clip(np.arange(k) + d, 0, k - 1)] for d in range(-2, 3)], axis=1)
    out = {}
    count = max(int(np.isfinite(pooled).sum(axis=1).min()) if pooled.size else 0, 1)
    for level in levels:
        q = min((100 - level) / 200 * (1 + 1 / count), 0.5)
        low, high = models.nanquantiles(pooled, [q, 1 - q]) if pooled.shape[1] else (0.0, 0.0)
        lo = np.maximum(np.expm1(np.log1p(mean) + low), 0.0)
        hi = np.expm1(np.log1p(mean) + high)
        out[level] = (np.where(shut[..., None], 0.0, lo), np.where(shut[..., None], 0.0, hi))
    return out


def scale(values: np.ndarray, upto: int) -> np.ndarray:
    """MASE's denominator per series: the mean absolute change of an interval from one open day to the next."""
    out = np.ones(values.shape[0])
    for s in range(values.shape[0]):
        past = values[s, :upto]
        opened = past[np.nansum(past, axis=1) > 0]
        if len(opened) > 1:
            diff = np.nanmean(np.abs(np.diff(opened, axis=0)))
            out[s] = diff if diff > 0 else 1.0
    return out


def backtest(item: Intraday, horizon: int, folds: int) -> dict[str, dict[str, np.ndarray]]:
    """Scores per model summed over `folds` windows of `horizon` days (daily._fold_scores per interval)."""
    n = len(item.days)
    origins = [n - horizon * (folds - k) for k in range(folds)]
    if not origins or origins[0] < 3 * daily.SEASON:
        raise Invalid(f"{folds} backtest windows of {horizon} days need a longer history", field="backtest")
    cal = item.totals().calendar(n)
    event = daily.event_days(cal)
    totals: dict[str, dict[str, np.ndarray]] = {}
    k = item.values.shape[2]
    for upto in origins:
        got = predict(item, upto, horizon)
        actual = item.values[:, upto : upto + horizon]
        empty = np.nansum(actual, axis=2, keepdims=True) == 0
        actual = np.where(got["closed"][..., None] & empty, np.nan, actual).reshape(len(item.names), -1)
        denominator = scale(item.values, upto)
        flags = np.repeat(event[upto : upto + horizon], k)[None, :]
        for name, (mean, bounds) in got["models"].items():
            flat = {
                lv: (lo.reshape(len(item.names), -1), hi.reshape(len(item.names), -1))
                for lv, (lo, hi) in bounds.items()
            }
            scores = daily.fold_scores(actual, mean.reshape(len(item.names), -1), flat, denominator, flags)
            into = totals.setdefault(name, {key: np.zeros(len(item.names)) for key in scores})
            for key, value in scores.items():
                into[key] += value
    return totals


def forecast(item: Intraday, horizon: int, *, folds: int = 7) -> daily.Forecast:
    """Each series' model chosen by backtest, its forecasts for the next `horizon` days, interval by interval."""
    if not 1 <= horizon <= 62:
        raise Invalid(_("an intraday horizon must be between 1 and 62 days"), field="horizon")
    cells = len(item.names) * horizon * len(item.slots)
    if cells > MAX_CELLS:  # the errors kept: series x 112 days x horizon x intervals, five times pooled
        raise Invalid(f"{len(item.names)} series x {horizon} days x {len(item.slots)} intervals is more than "
                      f"{MAX_CELLS:,} at once; forecast fewer series or a shorter horizon", field="horizon")  # fmt: skip
    totals = backtest(item, horizon, folds) if folds else {}
    reports = [daily.summary(totals, i) for i in range(len(item.names))] if folds else []
    chosen = [daily.choose(r, MODELS) for r in reports] if folds else ["profile_ets"] * len(item.names)
    got = predict(item, len(item.days), horizon)
    mean = np.stack([got["models"][name][0][i] for i, name in enumerate(chosen)])
    bounds = {}
    for level in item.levels:
        lo = np.stack([got["models"][name][1][level][0][i] for i, name in enumerate(chosen)])
        hi = np.stack([got["models"][name][1][level][1][i] for i, name in enumerate(chosen)])
        bounds[level] = (lo, hi)
    future = pd.date_range(item.days[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    return daily.Forecast(item.names, future, mean, bounds, got["closed"], chosen, reports, list(item.slots))
