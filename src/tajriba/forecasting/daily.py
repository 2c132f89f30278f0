"""Daily forecasts of many series at once, each series' model chosen by a rolling-origin backtest.

`forecast(history, horizon)` runs every model (models.py) on the history's last `folds` windows of `horizon`
days, each fitted on the days before its window only; each series takes the model with the lowest mean
MASE over the windows (never the best in-sample fit), is refitted on the whole history, and gets 80 % and
95 % intervals from its own errors. The backtest report per series and model: MASE and sMAPE (the seasonal
naive forecast is among the models, so the gain over it is read off), interval coverage, and the error on
event days (Ramadan, the Eids and the days around them, public holidays, White Friday, 11.11) apart from
ordinary days.

Closed days stay in the series: a day with no contacts on a weekday the series is closed (or on a public
holiday it has been closed on) is unknown to the models, not a zero they learn from, and a closed day in
the horizon is forecast as closed (0, flagged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tajriba.errors import Invalid
from tajriba.forecasting import models
from tajriba.forecasting.features import Overrides, calendar_features, design, holiday_names

SEASON = 7
LEVELS = (80, 95)
EVENT_COLUMNS = ("ramadan", "eid_al_fitr", "eid_al_adha", "public_holiday", "white_friday", "singles_day")
MODELS = ("seasonal_naive", "ets", "calendar")
MAX_SERIES_DAYS = 200_000  # series x horizon days in one forecast (bounds the memory of the errors kept)


@dataclass
class History:
    """Daily counts: `values` is series x days (NaN where unknown), `days` consecutive calendar days."""

    names: list[str]
    days: pd.DatetimeIndex
    values: np.ndarray
    country: str = "SA"
    overrides: Overrides | None = None
    levels: tuple[int, ...] = LEVELS
    _calendar: pd.DataFrame | None = field(default=None, repr=False)

    def calendar(self, count: int) -> pd.DataFrame:
        """The calendar features of the first `count` days from the history's first (past its end for a
        horizon), indexed by day; computed once."""
        if self._calendar is None or len(self._calendar) < count:
            days = pd.date_range(self.days[0], periods=max(count, len(self.days) + 400), freq="D")
            frame = calendar_features(days.date, country=self.country, overrides=self.overrides)
            frame["holiday"] = holiday_names(list(days.date), self.country)
            self._calendar = frame
        return self._calendar.iloc[:count]

    def check(self) -> History:
        if self.values.ndim != 2 or self.values.shape != (len(self.names), len(self.days)):
            raise Invalid("values must be one row per series and one column per day", field="values")
        if len(self.days) < 3 * SEASON:
            raise Invalid(f"a forecast needs at least {3 * SEASON} days of history", field="history")
        if np.any(self.values[~np.isnan(self.values)] < 0):
            raise Invalid("counts cannot be negative", field="values")
        if not self.levels or any(not 50 <= level < 100 for level in self.levels):
            raise Invalid("each interval level must be at least 50 and below 100 (e.g. 80 95)", field="level")
        return self


@dataclass
class Forecast:
    """Forecasts of every series (counts; 0 on closed days) with interval bounds per level, the model each
    series chose and its backtest."""

    names: list[str]
    days: pd.DatetimeIndex
    mean: np.ndarray  # series x horizon, counts
    bounds: dict[int, tuple[np.ndarray, np.ndarray]]
    closed: np.ndarray  # series x horizon
    chosen: list[str]
    backtest: list[dict[str, dict[str, Any]]] = field(default_factory=list)  # per series: model -> scores
    slots: list[str] | None = None  # intraday: the intervals of each day (mean: series x days x intervals)


def closed_days(values: np.ndarray, cal: pd.DataFrame, upto: int) -> np.ndarray:
    """Which days (series x the days of `cal`) the series is closed: a weekday with nothing on six of its
    last eight occurrences before `upto`, or a public holiday that had nothing the last time it came."""
    days = pd.DatetimeIndex(cal.index)
    past = values[:, :upto]
    empty = np.isnan(past) | (past == 0)
    weekday = days.day_of_week.to_numpy()
    closed = np.zeros((values.shape[0], len(days)), dtype=bool)
    for w in range(7):
        recent = np.flatnonzero(weekday[:upto] == w)[-8:]
        if len(recent):
            shut = empty[:, recent].sum(axis=1) >= max(0.75 * len(recent), 1)
            closed[:, weekday == w] |= shut[:, None]
    names = cal["holiday"].to_numpy()
    last: dict[str, int] = {}  # each holiday's last day in the history
    for t in range(len(days)):
        name = names[t]
        if not isinstance(name, str):
            continue
        if name in last:  # closed when it was closed the last time; a holiday never seen is open
            closed[:, t] |= empty[:, last[name]]
        if t < upto:
            last[name] = t
    return closed


def _fit(name: str, z: np.ndarray, horizon: int, history: History, upto: int) -> models.Fit:
    if name == "seasonal_naive":
        return models.seasonal_naive(z, horizon, SEASON)
    if name == "ets":
        return models.ets(z, horizon, SEASON)
    return models.calendar(z, horizon, design(history.calendar(upto + horizon), upto - 1))


def _log_history(history: History, upto: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """log1p of the counts before day `upto`, closed days unknown; and the closed mask over all days."""
    closed = closed_days(history.values, history.calendar(upto + horizon), upto)
    past = history.values[:, :upto]
    z = np.log1p(np.where(closed[:, :upto], np.nan, past))
    return z, closed


def fit_models(
    history: History, upto: int, horizon: int, names: tuple[str, ...] = MODELS
) -> tuple[np.ndarray, dict[str, models.Fit]]:
    """Every model fitted on the days before `upto` (nothing after it is read) for `horizon` days (log scale),
    and which days are closed (series x days up to the horizon's end)."""
    z, closed = _log_history(history, upto, horizon)
    return closed, {name: _fit(name, z, horizon, history, upto) for name in names}


def fit_all(history: History, upto: int, horizon: int, names: tuple[str, ...] = MODELS) -> dict[str, Any]:
    """`fit_models` as counts: per model the forecasts and interval bounds, and the horizon's closed days."""
    closed, fits = fit_models(history, upto, horizon, names)
    shut = closed[:, upto : upto + horizon]
    out: dict[str, Any] = {"closed": shut, "models": {}}
    for name, fit in fits.items():
        out["models"][name] = counts(fit, shut, history.levels)
    return out


def counts(
    fit: models.Fit, shut: np.ndarray, levels: tuple[int, ...]
) -> tuple[np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """A fit's forecasts and interval bounds as counts (0 on closed days)."""
    mean = np.where(shut, 0.0, np.maximum(np.expm1(fit.mean), 0.0))
    bounds = {
        level: (np.where(shut, 0.0, np.maximum(np.expm1(lo), 0.0)), np.where(shut, 0.0, np.expm1(hi)))
        for level, (lo, hi) in models.intervals(fit, levels).items()
    }
    return mean, bounds


def scale(values: np.ndarray, upto: int) -> np.ndarray:
    """MASE's denominator per series: the mean absolute change from one season to the next in the history
    (open days on both sides)."""
    past = values[:, :upto]
    diff = np.abs(past[:, SEASON:] - past[:, :-SEASON])
    with np.errstate(all="ignore"):
        out = np.nanmean(diff, axis=1)
    return np.where(np.isnan(out) | (out == 0), 1.0, out)


def fold_scores(actual, counts, bounds, denominator, event) -> dict[str, np.ndarray]:
    """Per series: sums of absolute scaled errors, of sMAPE terms and of hits inside each interval, on
    ordinary and event days, and the number of days counted."""
    known = ~np.isnan(actual)
    err = np.where(known, np.abs(actual - counts), 0.0)
    total = np.abs(actual) + np.abs(counts)
    with np.errstate(all="ignore"):
        sm = np.where(known & (total > 0), 200 * err / total, 0.0)
    out = {
        "ae": (err / denominator[:, None]).sum(axis=1),
        "smape": sm.sum(axis=1),
        "n": known.sum(axis=1).astype(float),
        "ae_event": (err * event / denominator[:, None]).sum(axis=1),
        "n_event": (known & event).sum(axis=1).astype(float),
    }
    for level, (lo, hi) in bounds.items():
        out[f"hit{level}"] = (known & (lo <= actual) & (actual <= hi)).sum(axis=1).astype(float)
    return out


def backtest(history: History, horizon: int, folds: int, names: tuple[str, ...] = MODELS) -> dict[str, dict]:
    """Scores per model summed over the folds (see `_fold_scores`), each fold fitted on what came before."""
    n = len(history.days)
    origins = [n - horizon * (folds - k) for k in range(folds)]
    if origins and origins[0] < 3 * SEASON:
        raise Invalid(f"{folds} backtest windows of {horizon} days need a longer history", field="backtest")
    is_event = event_days(history.calendar(n))
    totals: dict[str, dict[str, np.ndarray]] = {}
    for upto in origins:
        fitted = fit_all(history, upto, horizon, names)
        actual = history.values[:, upto : upto + horizon]
        # a day forecast closed that was closed is not scored (trivially right); one that opened is
        actual = np.where(fitted["closed"] & (np.isnan(actual) | (actual == 0)), np.nan, actual)
        denominator = scale(history.values, upto)
        for name, (counts, bounds) in fitted["models"].items():
            got = fold_scores(actual, counts, bounds, denominator, is_event[None, upto : upto + horizon])
            into = totals.setdefault(name, {key: np.zeros(len(history.names)) for key in got})
            for key, value in got.items():
                into[key] += value
    return totals


def event_days(cal: pd.DataFrame) -> np.ndarray:
    """Days whose errors are reported apart: Ramadan, the Eids and the three days each side of them, public
    holidays, White Friday and 11.11."""
    flags = cal[list(EVENT_COLUMNS)].to_numpy().any(axis=1)
    for event in ("eid_al_fitr", "eid_al_adha"):
        flags |= (
            cal[f"days_before_{event}"].between(1, 3) | cal[f"days_after_{event}"].between(1, 3)
        ).to_numpy()
    return flags


def summary(totals: dict[str, dict[str, np.ndarray]], i: int) -> dict[str, dict[str, Any]]:
    """The backtest of series i per model: MASE, sMAPE, coverage of each interval, MASE on event and on
    ordinary days (None where no such day was tested)."""
    out = {}
    for name, t in totals.items():
        n, ne = t["n"][i], t["n_event"][i]
        row: dict[str, Any] = {
            "mase": _ratio(t["ae"][i], n),
            "smape": _ratio(t["smape"][i], n),
            "mase_event_days": _ratio(t["ae_event"][i], ne),
            "mase_ordinary_days": _ratio(t["ae"][i] - t["ae_event"][i], n - ne),
            "days": int(n),
            "event_days": int(ne),
        }
        for key in t:
            if key.startswith("hit"):
                row[f"coverage_{key[3:]}"] = _ratio(t[key][i], n)
        out[name] = row
    return out


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b > 0 else None


def forecast(history: History, horizon: int, *, folds: int = 3) -> Forecast:
    """Choose each series' model by backtest, refit it on the whole history and forecast `horizon` days."""
    history.check()
    if not 1 <= horizon <= 366:
        raise Invalid("horizon must be between 1 and 366 days", field="horizon")
    if len(history.names) * horizon > MAX_SERIES_DAYS:  # each model keeps its errors: series x 112 x horizon
        raise Invalid(f"{len(history.names)} series x {horizon} days is more than {MAX_SERIES_DAYS:,} at once; "
                      "forecast fewer series or a shorter horizon", field="horizon")  # fmt: skip
    totals = backtest(history, horizon, folds) if folds else {}
    reports = [summary(totals, i) for i in range(len(history.names))] if folds else []
    chosen = [choose(report, MODELS) for report in reports] if folds else ["ets"] * len(history.names)
    n = len(history.days)
    fitted = fit_all(history, n, horizon, tuple(sorted(set(chosen))))
    mean = np.zeros((len(history.names), horizon))
    bounds = {level: (np.zeros_like(mean), np.zeros_like(mean)) for level in history.levels}
    for i, name in enumerate(chosen):
        counts, b = fitted["models"][name]
        mean[i] = counts[i]
        for level in history.levels:
            bounds[level][0][i], bounds[level][1][i] = b[level][0][i], b[level][1][i]
    future = pd.date_range(history.days[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    return Forecast(history.names, future, mean, bounds, fitted["closed"], chosen, reports)


def choose(report: dict[str, dict[str, Any]], names: tuple[str, ...]) -> str:
    """The model with the lowest backtest MASE (the simpler one on a tie; seasonal naive when none was tested)."""
    scored = [
        (row["mase"], names.index(name), name) for name, row in report.items() if row["mase"] is not None
    ]
    return min(scored)[2] if scored else "seasonal_naive"
