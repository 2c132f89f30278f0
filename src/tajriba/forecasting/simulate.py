"""Simulated contact-centre histories with a Gulf calendar: the demo's, the tests' and the benchmarks'.

No public Gulf or Arabic contact-volume series exists (../shared/data/forecast/SOURCES.md), so the demo and the
tests draw their own: a level with a slow trend, a weekly shape with a quiet Friday, Ramadan (fewer contacts by
day, more at night, rising in the last ten nights), Eid al-Fitr and Eid al-Adha (quiet Eid days, a rush on the
days after), White Friday and 11.11 sales, salary days, and Poisson noise, so the truth is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tajriba.forecasting.features import calendar_features

WEEK = (1.05, 1.0, 1.0, 0.95, 0.55, 0.8, 1.1)  # Monday..Sunday: Friday quiet, Sunday the week's first day
DAY_SHAPE = (  # share of a day's contacts per hour, 00:00..23:00, an ordinary day
    0.004, 0.002, 0.001, 0.001, 0.001, 0.002, 0.006, 0.018, 0.045, 0.072, 0.081, 0.080,
    0.074, 0.068, 0.070, 0.072, 0.070, 0.064, 0.058, 0.056, 0.052, 0.046, 0.032, 0.025,
)  # fmt: skip
RAMADAN_SHAPE = (  # Ramadan: later mornings, a quiet iftar, busy nights
    0.030, 0.025, 0.016, 0.008, 0.004, 0.002, 0.002, 0.004, 0.010, 0.030, 0.052, 0.062,
    0.066, 0.066, 0.064, 0.060, 0.054, 0.036, 0.020, 0.048, 0.072, 0.086, 0.094, 0.091,
)  # fmt: skip


@dataclass(frozen=True)
class Effects:
    """Multipliers of the daily level (1 = no effect)."""

    ramadan: float = 0.85
    last_ten: float = 1.15
    eid: float = 0.45
    after_eid: float = 1.35
    white_friday: float = 2.2
    singles_day: float = 1.6
    salary_day: float = 1.15
    holiday: float = 0.7


def daily_means(days: pd.DatetimeIndex, level: float, *, growth: float = 0.15, country: str = "SA",
                effects: Effects | None = None, cal: pd.DataFrame | None = None) -> np.ndarray:  # fmt: skip
    """The expected contacts of each day (before noise): the level growing by `growth` a year, the week's
    shape and the calendar's effects (`cal`: the days' calendar features, when already computed)."""
    e = effects or Effects()
    cal = calendar_features(days.date, country=country) if cal is None else cal
    years = np.arange(len(days)) / 365.25
    mean = level * (1 + growth) ** years * np.array(WEEK)[days.day_of_week.to_numpy()]
    mean *= np.where(cal["ramadan"] == 1, e.ramadan, 1.0) * np.where(
        cal["ramadan_last_ten"] == 1, e.last_ten, 1.0
    )
    for event in ("eid_al_fitr", "eid_al_adha"):
        mean *= np.where(cal[event] == 1, e.eid, 1.0)
        mean *= np.where(cal[f"days_after_{event}"].between(1, 3), e.after_eid, 1.0)
    mean *= np.where(cal["white_friday"] == 1, e.white_friday, 1.0)
    mean *= np.where(cal["singles_day"] == 1, e.singles_day, 1.0)
    mean *= np.where(cal["salary_day"] == 1, e.salary_day, 1.0)
    holiday = (cal["public_holiday"] == 1) & (cal["eid_al_fitr"] == 0) & (cal["eid_al_adha"] == 0)
    return mean * np.where(holiday, e.holiday, 1.0)


def daily_counts(days: pd.DatetimeIndex, level: float, seed: int, **kwargs) -> np.ndarray:
    """Poisson counts around `daily_means`."""
    return np.random.default_rng(seed).poisson(daily_means(days, level, **kwargs)).astype(float)


def hourly_counts(days: pd.DatetimeIndex, level: float, seed: int, **kwargs) -> np.ndarray:
    """Poisson counts per hour (days x 24): the day's expected total spread by the ordinary or Ramadan shape."""
    cal = kwargs.pop("cal", None)
    if cal is None:
        cal = calendar_features(days.date, country=kwargs.get("country", "SA"))
    means = daily_means(days, level, cal=cal, **kwargs)
    ramadan = cal["ramadan"].to_numpy() == 1
    shape = np.where(ramadan[:, None], np.array(RAMADAN_SHAPE), np.array(DAY_SHAPE))
    shape = shape / shape.sum(axis=1, keepdims=True)
    return np.random.default_rng(seed).poisson(means[:, None] * shape).astype(float)
