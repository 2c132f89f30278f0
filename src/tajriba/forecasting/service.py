"""What the command, the API and the pages call: a forecast of daily or intraday series, as rows.

`run(item, horizon, folds)` forecasts `horizon` steps of the series' own frequency (days; or, for intraday
series, the intervals of the day the history has, such as a bank's 07:00-21:00, rounded up to whole days
inside and cut back to the asked intervals; a closed day's intervals count), choosing each
series' model by a `folds`-window rolling-origin backtest. `forecast_rows` and `backtest_rows` are its
answer as plain rows (one per series and step; one per series and model).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from tajriba.errors import Invalid
from tajriba.forecasting import daily, intraday
from tajriba.forecasting import staffing as erlang
from tajriba.forecasting.features import calendar_features as calendar_features

# what other domains use of this package's modules (docs/architecture.md): the day's calendar (Ramadan, Eid, sales
# days, weekends, public holidays) for seasonal baselines (tajriba.social's spike detection)

MAX_FOLDS = 60


def run(item: daily.History | intraday.Intraday, horizon: int, folds: int = 3) -> tuple[daily.Forecast, int]:
    """The forecast, and how many steps of it were asked."""
    if not 0 <= folds <= MAX_FOLDS:
        raise Invalid(f"backtest windows must be between 0 and {MAX_FOLDS}", field="backtest")
    if horizon < 1:
        raise Invalid("horizon must be 1 or more", field="horizon")
    if isinstance(item, daily.History):
        return daily.forecast(item, horizon, folds=folds), horizon
    days = math.ceil(horizon / len(item.slots))
    return intraday.forecast(item, days, folds=folds), horizon


def fitting_folds(item: daily.History | intraday.Intraday, horizon: int, wanted: int) -> int:
    """As many of the `wanted` backtest windows as the history holds (a young workspace gets fewer, or none:
    then each series takes the default model)."""
    days = horizon if isinstance(item, daily.History) else math.ceil(horizon / len(item.slots))
    return max(0, min(wanted, (len(item.days) - 3 * daily.SEASON) // days))


def _round(x: float) -> float:
    return round(float(x), 2)


def forecast_rows(result: daily.Forecast, steps: int) -> list[dict[str, Any]]:
    """One row per series and future day (or interval): series, ds, model, closed, mean, lo_80, hi_80..."""
    rows: list[dict[str, Any]] = []
    for i, name in enumerate(result.names):
        for j, day in enumerate(result.days):
            for k, stamp in enumerate(_stamps(result, day)):
                cell = (i, j) if result.slots is None else (i, j, k)
                row: dict[str, Any] = {
                    "series": name,
                    "ds": stamp.isoformat(),
                    "model": result.chosen[i],
                    "closed": bool(result.closed[i, j]),
                    "mean": _round(result.mean[cell]),
                }
                for level, (lo, hi) in result.bounds.items():
                    row[f"lo_{level}"], row[f"hi_{level}"] = _round(lo[cell]), _round(hi[cell])
                rows.append(row)
    if result.slots is not None:  # the intervals asked: the next `steps` of the days' intervals
        per_series = len(result.days) * len(result.slots)
        rows = [r for n, r in enumerate(rows) if n % per_series < steps]
    return rows


def _stamps(result: daily.Forecast, day: pd.Timestamp) -> list[pd.Timestamp]:
    if result.slots is None:
        return [day]
    return [day + pd.Timedelta(hours=int(s[:2]), minutes=int(s[3:])) for s in result.slots]


def backtest_rows(result: daily.Forecast) -> list[dict[str, Any]]:
    """One row per series and model: MASE, sMAPE, coverage per level, MASE on event and ordinary days, the
    days scored and whether the series chose it."""
    rows = []
    for i, report in enumerate(result.backtest):
        for model, scores in report.items():
            row = {"series": result.names[i], "model": model, "chosen": model == result.chosen[i]}
            row.update({k: (round(v, 4) if isinstance(v, float) else v) for k, v in scores.items()})
            rows.append(row)
    return rows


SPREAD = 2  # head counts shown on each side of the one needed


def staffing(contacts: float, interval_seconds: float, aht_seconds: float, targets: erlang.Targets, *,
             patience_seconds: float | None = None) -> dict[str, Any]:  # fmt: skip
    """The agents one interval needs (Erlang C, or Erlang A with a patience) and the people to schedule, with
    what two head counts on each side of it would give."""
    load = erlang.Load(contacts, interval_seconds, aht_seconds).check()
    needed = erlang.agents_needed(
        load,
        target_level=targets.level,
        target_seconds=targets.seconds,
        target_asa=targets.asa,
        max_occupancy=targets.max_occupancy,
        patience_seconds=patience_seconds,
    )
    rows = []
    for n in range(max(1, needed.agents - SPREAD), needed.agents + SPREAD + 1):
        if patience_seconds is None:
            rows.append(erlang.erlang_c(load, n, targets.seconds).as_dict())
        else:
            rows.append(erlang.erlang_a(load, n, targets.seconds, patience_seconds).as_dict())
    return {
        "model": "erlang_c" if patience_seconds is None else "erlang_a",
        "erlangs": round(load.erlangs, 4),
        "agents": needed.agents,
        "scheduled": erlang.scheduled(needed.agents, targets.shrinkage),
        "rows": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in rows],
    }
