"""Spikes in hourly mention counts, against a seasonal baseline rather than a flat mean plus k sigma.

Each day's expected count per hour is built only from the days before it (as a detector running live would):

    expected(day, hour) = level x weekday factor x class factor x the class's share of the day in that hour

- the day's class is `normal`, `ramadan`, `eid` (Eid al-Fitr, Eid al-Adha) or `sale` (White Friday and the three
  days after it, 11.11), from the forecasting calendar (Umm al-Qura dates);
- the level is the median of the last 28 days' totals, each divided by its weekday and class factors;
- the weekday factor is the median total of that weekday over the last eight weeks' normal days, over the median
  of all of them; a class factor is the median ratio of that class's past days to the level on those days;
- the hourly shares of a class come from its past days (the last 60 of them, within 400 days), so Ramadan
  evenings are compared with earlier Ramadan evenings (this Ramadan's first days, or last year's);
- a class seen on fewer than three past days is *unfamiliar*: its hours are compared with the busiest hour of a
  normal day and need three times the expected count, not 1.5 times (the first Ramadan a workspace ever sees
  may raise an alarm on its first two evenings, when its night rhythm is new; from the third day it is learnt).

Counts are over-dispersed, so an hour is tested against a negative binomial with the expected count as its mean
and a dispersion estimated (method of moments) from the last 28 days' hours. An hour is a spike when its upper
tail probability is below `alpha`, it is at least `min_ratio` x the expected count and at least `min_excess`
mentions above it. Spike hours enter the history as their expected count, so a spike does not raise tomorrow's
baseline. Consecutive spike hours are one spike. Evaluated on seeded series with injected spikes by
`benchmarks/spike_eval.py` (recall and false alarms per month in docs/social.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from scipy import stats

CLASSES = ("normal", "ramadan", "eid", "sale")
WARMUP_DAYS = 14
LEVEL_DAYS = 28
PROFILE_DAYS = 60
HISTORY_DAYS = 400
MIN_CLASS_DAYS = 3


@dataclass(frozen=True)
class Settings:
    alpha: float = 3e-4
    min_ratio: float = 1.5
    unfamiliar_ratio: float = 3.0
    min_excess: float = 5.0


@dataclass
class Spike:
    start: datetime  # the first hour (local time of the series)
    end: datetime  # the hour after the last
    observed: int
    expected: float
    p_value: float  # the smallest of its hours
    peak_hour: datetime

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else float("inf")

    def as_dict(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "observed": self.observed,
            "expected": round(self.expected, 2),
            "ratio": round(self.ratio, 2) if np.isfinite(self.ratio) else None,
            "p_value": self.p_value,
            "peak_hour": self.peak_hour,
        }


def day_classes(first: date, days: int, *, country: str = "SA") -> np.ndarray:
    """The class of each of `days` days from `first` (CLASSES)."""
    from tajriba.forecasting.service import calendar_features

    index = [first + timedelta(days=i) for i in range(days)]
    cal = calendar_features(index, country=country)
    out = np.full(days, "normal", dtype=object)
    wf = cal["white_friday"].to_numpy() > 0
    sale = wf.copy()
    for lag in (1, 2, 3):
        sale[lag:] |= wf[:-lag]
    sale |= cal["singles_day"].to_numpy() > 0
    out[cal["ramadan"].to_numpy() > 0] = "ramadan"
    out[(cal["eid_al_fitr"].to_numpy() + cal["eid_al_adha"].to_numpy()) > 0] = "eid"
    out[sale] = "sale"
    return out


@dataclass
class Baseline:
    expected: np.ndarray  # (days, 24); NaN in the warm-up
    dispersion: np.ndarray  # (days,) the negative binomial's r
    familiar: np.ndarray  # (days,) bool
    spikes: np.ndarray  # (days, 24) bool


def baseline(
    counts: np.ndarray, classes: np.ndarray, weekdays: np.ndarray, settings: Settings | None = None
) -> Baseline:
    """Expected counts and spike hours of a (days, 24) count matrix, each day from the days before it."""
    cfg = settings or Settings()
    counts = np.asarray(counts, dtype=float)
    n = counts.shape[0]
    clean = counts.copy()  # spike hours replaced by their expected count
    level = np.full(n, np.nan)
    mu = np.full((n, 24), np.nan)
    disp = np.full(n, np.inf)
    familiar = np.ones(n, dtype=bool)
    flagged = np.zeros((n, 24), dtype=bool)
    for d in range(WARMUP_DAYS, n):
        lo = max(0, d - HISTORY_DAYS)
        totals = clean[lo:d].sum(axis=1)
        cls, wds, lv = classes[lo:d], weekdays[lo:d], level[lo:d]
        weekday_f = _weekday_factors(totals[-56:], cls[-56:], wds[-56:])
        class_f = {c: _class_factor(totals, cls, wds, lv, weekday_f, c) for c in CLASSES}
        deseason = totals[-LEVEL_DAYS:] / np.array(
            [
                weekday_f[w] * (class_f[c] or 1.0)
                for w, c in zip(wds[-LEVEL_DAYS:], cls[-LEVEL_DAYS:], strict=True)
            ]
        )
        level[d] = float(np.median(deseason))
        c = classes[d]
        shares, known = _shares(clean[lo:d], cls, c)
        familiar[d] = known and class_f[c] is not None
        factor = class_f[c] if familiar[d] else 1.0
        mu[d] = np.maximum(level[d] * weekday_f[weekdays[d]] * (factor or 1.0) * shares, 0.05)
        disp[d] = _dispersion(counts[max(0, d - LEVEL_DAYS) : d], mu[max(0, d - LEVEL_DAYS) : d], flagged)
        ratio = cfg.min_ratio if familiar[d] else cfg.unfamiliar_ratio
        p = _tail(counts[d], mu[d], disp[d])
        flagged[d] = (p < cfg.alpha) & (counts[d] >= ratio * mu[d]) & (counts[d] - mu[d] >= cfg.min_excess)
        clean[d] = np.where(flagged[d], mu[d], counts[d])
    return Baseline(mu, disp, familiar, flagged)


def _weekday_factors(totals: np.ndarray, cls: np.ndarray, wds: np.ndarray) -> np.ndarray:
    normal = cls == "normal"
    base = np.median(totals[normal]) if normal.any() else np.median(totals)
    out = np.ones(7)
    if base <= 0:
        return out
    for w in range(7):
        pick = normal & (wds == w)
        if pick.sum() >= 2:
            out[w] = max(float(np.median(totals[pick])) / base, 0.05)
    return out


def _class_factor(
    totals: np.ndarray, cls: np.ndarray, wds: np.ndarray, level: np.ndarray, weekday_f: np.ndarray, c: str
) -> float | None:
    """The class's median total over the level on its days (1 for normal days; None when unfamiliar)."""
    if c == "normal":
        return 1.0
    pick = (cls == c) & np.isfinite(level) & (level > 0)
    if pick.sum() < MIN_CLASS_DAYS:
        return None
    ratios = totals[pick][-PROFILE_DAYS:] / (
        level[pick][-PROFILE_DAYS:] * weekday_f[wds[pick][-PROFILE_DAYS:]]
    )
    return float(np.median(ratios))


def _shares(history: np.ndarray, cls: np.ndarray, c: str) -> tuple[np.ndarray, bool]:
    """The class's share of a day's mentions in each hour; unfamiliar classes: the busiest normal hour's share
    in every hour."""
    pick = cls == c
    if pick.sum() >= MIN_CLASS_DAYS:
        rows = history[pick][-PROFILE_DAYS:]
        total = rows.sum()
        if total > 0:
            return (rows.sum(axis=0) + 0.5) / (total + 12.0), True
    normal = history[cls == "normal"][-PROFILE_DAYS:]
    if normal.size == 0 or normal.sum() <= 0:
        return np.full(24, 1 / 24), False
    shares = (normal.sum(axis=0) + 0.5) / (normal.sum() + 12.0)
    return np.full(24, shares.max()), False


def _dispersion(y: np.ndarray, mu: np.ndarray, flagged: np.ndarray) -> float:
    """The negative binomial's r from the recent hours (variance mu + mu^2 / r); large r is Poisson."""
    ok = np.isfinite(mu)
    if ok.sum() < 48:
        return 10.0
    y, m = y[ok], mu[ok]
    inv = (np.sum((y - m) ** 2 - m)) / max(np.sum(m**2), 1e-9)
    return float(np.clip(1.0 / inv, 1.0, 1e6)) if inv > 0 else 1e6


def _tail(y: np.ndarray, mu: np.ndarray, r: float) -> np.ndarray:
    """P(X >= y) for X negative binomial with mean mu and dispersion r."""
    return np.asarray(stats.nbinom.sf(np.maximum(y, 0) - 1, r, r / (r + mu)), dtype=float)


def detect(
    hourly: pd.Series, *, country: str = "SA", settings: Settings | None = None, since: datetime | None = None
) -> tuple[list[Spike], pd.DataFrame]:
    """Spikes in an hourly count series (a local-time DatetimeIndex; missing hours count 0), from `since` on,
    and the frame of observed and expected counts per hour (for the chart)."""
    if hourly.empty:
        return [], pd.DataFrame(columns=["observed", "expected", "spike"])
    first = pd.Timestamp(hourly.index.min()).normalize()
    last = pd.Timestamp(hourly.index.max()).normalize()
    index = pd.date_range(first, last + pd.Timedelta(hours=23), freq="h")
    full = hourly.reindex(index, fill_value=0).to_numpy(dtype=float)
    days = len(full) // 24
    counts = full.reshape(days, 24)
    classes = day_classes(first.date(), days, country=country)
    weekdays = np.array([(first + pd.Timedelta(days=i)).weekday() for i in range(days)])
    base = baseline(counts, classes, weekdays, settings)
    frame = pd.DataFrame(
        {"observed": full, "expected": base.expected.reshape(-1), "spike": base.spikes.reshape(-1)},
        index=index,
    )
    p = np.full(len(full), 1.0)
    for d in range(WARMUP_DAYS, days):
        p[d * 24 : (d + 1) * 24] = _tail(counts[d], base.expected[d], base.dispersion[d])
    frame["p_value"] = p
    if since is not None:
        frame = frame[frame.index >= pd.Timestamp(since)]
    return _runs(frame), frame


def _runs(frame: pd.DataFrame) -> list[Spike]:
    """Consecutive spike hours as one spike each."""
    out: list[Spike] = []
    hours = frame[frame["spike"]]
    if hours.empty:
        return out
    group = (hours.index.to_series().diff() != pd.Timedelta(hours=1)).cumsum()
    for _, run in hours.groupby(group.to_numpy()):
        peak = run["observed"].idxmax()
        out.append(
            Spike(
                start=run.index[0].to_pydatetime(),
                end=(run.index[-1] + pd.Timedelta(hours=1)).to_pydatetime(),
                observed=int(run["observed"].sum()),
                expected=float(run["expected"].sum()),
                p_value=float(run["p_value"].min()),
                peak_hour=pd.Timestamp(peak).to_pydatetime(),
            )
        )
    return out
