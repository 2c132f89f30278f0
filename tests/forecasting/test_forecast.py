"""Forecasts: folds never see the future, intervals cover what they say on series with known noise, closed days
stay closed, the Hijri calendar's effects are learned, and the `tajriba forecast` command's contract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tajriba.forecasting import daily, intraday, series, simulate
from tests.test_cli import run

DAYS = pd.date_range("2023-01-01", periods=2 * 365, freq="D")


def _history(count: int = 6, seed: int = 0) -> daily.History:
    values = np.stack([simulate.daily_counts(DAYS, 40 + 10 * i, seed=seed + i) for i in range(count)])
    return daily.History([f"s{i}" for i in range(count)], DAYS, values)


def test_a_fold_never_reads_past_its_origin() -> None:
    """Poison everything from the fold's origin on (its own test window included): nothing it forecasts moves."""
    clean = _history()
    for upto in (400, 500, 650):
        poisoned_values = clean.values.copy()
        poisoned_values[:, upto:] = np.where(np.arange(len(DAYS) - upto) % 2, 1e6, np.nan)
        poisoned = daily.History(clean.names, DAYS, poisoned_values)
        a, b = daily.fit_all(clean, upto, 28), daily.fit_all(poisoned, upto, 28)
        assert np.array_equal(a["closed"], b["closed"])
        for name in daily.MODELS:
            mean_a, bounds_a = a["models"][name]
            mean_b, bounds_b = b["models"][name]
            np.testing.assert_array_equal(mean_a, mean_b)
            for level in daily.LEVELS:
                np.testing.assert_array_equal(bounds_a[level][0], bounds_b[level][0])
                np.testing.assert_array_equal(bounds_a[level][1], bounds_b[level][1])


def test_an_intraday_fold_never_reads_past_its_origin() -> None:
    hours = simulate.hourly_counts(DAYS[:200], 400, seed=3)[None]
    clean = intraday.Intraday(["a"], DAYS[:200], [f"{h:02d}:00" for h in range(24)], hours)
    poisoned_values = hours.copy()
    poisoned_values[:, 150:] *= 50
    poisoned = intraday.Intraday(["a"], DAYS[:200], clean.slots, poisoned_values)
    a, b = intraday.predict(clean, 150, 2), intraday.predict(poisoned, 150, 2)
    for name in intraday.MODELS:
        np.testing.assert_array_equal(a["models"][name][0], b["models"][name][0])
        np.testing.assert_array_equal(a["models"][name][1][80][1], b["models"][name][1][80][1])


def test_intervals_cover_what_they_say_on_known_noise() -> None:
    """Poisson noise around a known weekly and Hijri-calendar shape: across 30 series and 8 windows of two
    weeks, the 80 % intervals hold 72-88 % of the actuals and the 95 % ones at least 90 %."""
    history = _history(30, seed=100)
    totals = daily.backtest(history, 14, 8)
    for model in ("ets", "calendar"):
        t = totals[model]
        assert 0.72 <= t["hit80"].sum() / t["n"].sum() <= 0.88, model
        assert t["hit95"].sum() / t["n"].sum() >= 0.90, model


def test_the_calendar_model_learns_ramadan_and_the_eids() -> None:
    """Two Ramadans in the history at 60 % of the usual volume with a rush after Eid: the third is forecast so,
    and on those days the calendar model beats the others."""
    days = pd.date_range("2023-01-01", "2025-02-27", freq="D")  # Ramadan 1446 starts 2025-03-01
    effects = simulate.Effects(ramadan=0.6, last_ten=1.0, after_eid=1.8)
    values = np.stack(
        [simulate.daily_counts(days, 300, seed=s, growth=0.0, effects=effects) for s in range(3)]
    )
    history = daily.History(["a", "b", "c"], days, values)
    result = daily.forecast(history, 45, folds=2)
    ramadan = result.mean[:, 7:28].mean()  # 2025-03-08..28, clear of the first week and the last ten nights
    after = result.mean[
        :, (pd.Timestamp("2025-04-03") - result.days[0]).days
    ]  # the day after Eid al-Fitr 1446
    truth = simulate.daily_means(result.days, 300, growth=0.0, effects=effects)
    assert abs(ramadan / truth[7:28].mean() - 1) < 0.1
    assert np.all(np.abs(after / truth[(pd.Timestamp("2025-04-03") - result.days[0]).days] - 1) < 0.25)
    assert set(result.chosen) == {"calendar"}


def test_closed_days_stay_closed_and_are_not_learned_as_zeros() -> None:
    """A team closed on Fridays and on the Founding Day (22 February), which it opened in 2023 and closed in
    2024: the last time counts."""
    values = simulate.daily_counts(DAYS, 200, seed=9, growth=0.0)[None].copy()
    values[0, DAYS.day_of_week == 4] = 0
    values[0, DAYS == "2024-02-22"] = 0
    history = daily.History(["team"], DAYS[:-16], values[:, :-16])  # ends 2024-12-14
    result = daily.forecast(history, 80, folds=2)
    friday = result.days.day_of_week == 4
    assert result.closed[0, friday].all() and (result.mean[0, friday] == 0).all()
    assert result.closed[0, result.days == "2025-02-22"].all()
    opened = ~result.closed[0]
    assert opened.sum() == 80 - friday.sum() - 1
    truth = simulate.daily_means(result.days, 200, growth=0.0)
    # the zeros did not drag the open days down
    assert abs(result.mean[0, opened].mean() / truth[opened].mean() - 1) < 0.1


def test_rows_from_a_file_intraday_and_daily(tmp_path: Path) -> None:
    stamps = pd.date_range("2024-01-01", periods=30 * 96, freq="15min")
    stamps = stamps[(stamps.hour >= 8) & (stamps.hour < 12)]
    frame = pd.DataFrame({"ds": stamps, "y": 1, "team": np.where(np.arange(len(stamps)) % 2, "a", "b")})
    item = series.from_rows(frame.team, frame.ds.astype(str), frame.y, pd.Series(range(2, len(frame) + 2)),
                            series.Shape(freq="30min"))  # fmt: skip
    assert isinstance(item, intraday.Intraday)
    assert item.names == ["a", "b"] and item.slots[:2] == ["08:00", "08:30"]
    assert item.values[0, 0, 0] == 1 and item.values.sum() == len(frame)
    with pytest.raises(Exception, match="row 4: 'soon' is not a date"):
        series.from_rows(pd.Series(["", "", ""]), pd.Series(["2024-01-01", "2024-01-02", "soon"]),
                         pd.Series([1, 2, 3]), pd.Series([2, 3, 4]), series.Shape())  # fmt: skip


def _csv(tmp_path: Path) -> Path:
    days = pd.date_range("2024-01-01", periods=120, freq="D")
    rows = []
    for team, level in (("billing", 80), ("sales", 30)):
        for day, count in zip(days, simulate.daily_counts(days, level, seed=level), strict=True):
            rows.append({"day": day.date().isoformat(), "contacts": int(count), "team": team})
    path = tmp_path / "contacts.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_the_forecast_command(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    out = run("forecast", str(path), "--time-column", "day", "--value-column", "contacts", "--series-column",
              "team", "--horizon", "14", "--backtest", "3", "--level", "80,95")  # fmt: skip
    got = json.loads(out.stdout)
    assert got["levels"] == [80, 95] and len(got["forecast"]) == 2 * 14
    first = got["forecast"][0]
    assert set(first) == {"series", "ds", "model", "closed", "mean", "lo_80", "hi_80", "lo_95", "hi_95"}
    assert first["lo_95"] <= first["lo_80"] <= first["mean"] <= first["hi_80"] <= first["hi_95"]
    table = got["backtest"]
    assert {r["model"] for r in table} == set(daily.MODELS)
    for team in ("billing", "sales"):
        chosen = [r for r in table if r["series"] == team and r["chosen"]]
        assert len(chosen) == 1
        assert chosen[0]["mase"] == min(r["mase"] for r in table if r["series"] == team)
        assert chosen[0]["days"] == 3 * 14
    text = run("forecast", str(path), "--time-column", "day", "--value-column", "contacts", "--horizon", "7",
               "--format", "csv").stdout  # fmt: skip
    assert text.splitlines()[0] == "series,ds,model,closed,mean,lo_80,hi_80,lo_95,hi_95"
    assert len(text.splitlines()) == 8  # one series (the teams added), no backtest table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--time-column", "when"], "no column 'when'"),
        (["--freq", "7min"], "freq must be one of"),
        (["--level", "eighty"], "--level 'eighty'"),
        (["--horizon", "0"], "horizon must be 1 or more"),
        (["--format", "xml"], "--format is json or csv"),
        (["--backtest", "40"], "need a longer history"),
    ],
)
def test_the_forecast_command_refuses_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    base = {"--time-column": "day", "--value-column": "contacts", "--horizon": "7"}
    for key, value in zip(args[::2], args[1::2], strict=True):
        base[key] = value
    out = run("forecast", str(_csv(tmp_path)), *[x for kv in base.items() for x in kv], check=False)
    assert out.returncode == 2 and message in out.stderr


def test_questions_too_large_for_memory_are_refused_before_any_work() -> None:
    from tajriba.errors import Invalid

    wide = daily.History([f"s{i}" for i in range(2001)], DAYS[:30], np.ones((2001, 30)))
    with pytest.raises(Invalid, match="2001 series x 100 days is more than 200,000"):
        daily.forecast(wide, 100)
    slots = [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 1440, 5)]
    item = intraday.Intraday(["a", "b", "c"], DAYS[:30], slots, np.ones((3, 30, 288)))
    with pytest.raises(Invalid, match="3 series x 62 days x 288 intervals"):
        intraday.forecast(item, 62)
    names = pd.Series([f"team{i}" for i in range(10)] * 2)
    times = pd.Series(["2005-01-01 08:00"] * 10 + ["2024-12-31 08:05"] * 10)
    with pytest.raises(Invalid, match="10 series x 7,305 days x 288 intervals"):
        series.from_rows(names, times, pd.Series([1] * 20), pd.Series(range(20)), series.Shape(freq="5min"))


def test_a_plan_forecasts_the_same_history_once() -> None:
    from tajriba.forecasting import plans

    hours = simulate.hourly_counts(DAYS[:120], 300, seed=4)[None]
    item = intraday.Intraday(["a"], DAYS[:120], [f"{h:02d}:00" for h in range(24)], hours)
    first = plans._cached_forecast(item, 2)
    assert plans._cached_forecast(item, 2) is first
    changed = hours.copy()
    changed[0, -1, 12] += 1  # one more call yesterday noon: a new forecast
    assert plans._cached_forecast(intraday.Intraday(["a"], DAYS[:120], item.slots, changed), 2) is not first
    assert plans._cached_forecast(item, 3) is not first
