"""Forecasting targets of issue 21.

1. A real bank's calls (../shared/data/forecast/us_bank_calls_5min_2003.csv, Weinberg, Brown & Stroud 2007;
   GPL-3, read from ../shared, not shipped): a rolling-origin backtest 1 day ahead at 30 minutes (`--folds30`
   days, each forecast from the days before it) and of daily totals 7 days ahead (`--folds7` windows).
   Target: the chosen kind of model's MASE at least 15 % below seasonal naive's, its 80 % intervals covering
   75-85 % of the actuals.
2. Speed: `--series` simulated daily series (three years, Gulf calendar) forecast 28 days ahead with model
   selection by a 3-window backtest; target <= 60 s on 2 cores.

    python benchmarks/forecast_bench.py [--data PATH] [--series 1000]
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tajriba.forecasting import daily, intraday, simulate

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "forecast" / "us_bank_calls_5min_2003.csv"


def bank(path: Path) -> intraday.Intraday:
    calls = pd.read_csv(path, parse_dates=["ds"])
    calls["slot"] = calls.ds.dt.floor("30min")
    per = calls.groupby("slot").calls.sum()
    days = pd.date_range(per.index.min().normalize(), per.index.max().normalize(), freq="D")
    slots = sorted({t.strftime("%H:%M") for t in per.index})
    values = np.full((1, len(days), len(slots)), np.nan)
    for ts, v in per.items():
        values[0, days.get_loc(ts.normalize()), slots.index(ts.strftime("%H:%M"))] = v
    return intraday.Intraday(["bank"], days, slots, values, country="US")


def show(title: str, report: dict, base: str, best: str) -> None:
    print(f"\n{title}")
    print(f"{'model':22} {'MASE':>6} {'sMAPE':>6} {'cov80':>6} {'cov95':>6} {'days':>6} {'event MASE':>10}")
    for name, row in report.items():
        event = row["mase_event_days"]
        print(
            f"{name:22} {row['mase']:6.3f} {row['smape']:6.2f} {row['coverage_80']:6.3f} {row['coverage_95']:6.3f} "
            f"{row['days']:6d} {event if event is None else round(event, 3)!s:>10}"
        )
    gain = 1 - report[best]["mase"] / report[base]["mase"]
    print(f"{best} vs {base}: MASE {gain:.1%} lower; 80 % coverage {report[best]['coverage_80']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--folds30", type=int, default=60)
    parser.add_argument("--folds7", type=int, default=12)
    parser.add_argument("--series", type=int, default=1000)
    args = parser.parse_args()
    print(
        f"{platform.node()} {platform.processor() or platform.machine()} python {platform.python_version()}"
    )
    item = bank(args.data)
    started = time.perf_counter()
    report = daily.summary(intraday.backtest(item, 1, args.folds30), 0)
    show(f"30-minute intervals, 1 day ahead, {args.folds30} origins ({time.perf_counter() - started:.1f} s)",
         report, "seasonal_naive", daily.choose(report, intraday.MODELS))  # fmt: skip
    started = time.perf_counter()
    report = daily.summary(daily.backtest(item.totals(), 7, args.folds7), 0)
    show(f"daily totals, 7 days ahead, {args.folds7} windows ({time.perf_counter() - started:.1f} s)",
         report, "seasonal_naive", daily.choose(report, daily.MODELS))  # fmt: skip

    days = pd.date_range("2023-01-01", periods=3 * 365, freq="D")
    values = np.stack([simulate.daily_counts(days, 20 + 5 * (i % 40), seed=i) for i in range(args.series)])
    history = daily.History([f"s{i}" for i in range(args.series)], days, values)
    started = time.perf_counter()
    result = daily.forecast(history, 28, folds=3)
    took = time.perf_counter() - started
    picked = pd.Series(result.chosen).value_counts().to_dict()
    print(
        f"\n{args.series} daily series x {len(days)} days, 28 days ahead, 3-window selection: {took:.1f} s; chose {picked}"
    )


if __name__ == "__main__":
    main()
