"""How well `tajriba.social.spikes` finds spikes: seeded hourly series of mentions with the seasons a Gulf brand has
(weekends, Ramadan nights, Eid, White Friday and 11.11 sales, a drifting level, over-dispersed counts) and spikes
injected at random hours; recall by spike size and volume, and false alarms per month, against a flat baseline
(mean + 3 standard deviations of the same hour's last 28 days, no calendar).

    .venv/bin/python benchmarks/spike_eval.py [--series 24] [--seed 1]

Results go to docs/social.md and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import platform
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from tajriba.social import spikes

START = date(2024, 9, 1)
DAYS = 730
EVAL_FROM = 60  # days of history before spikes are injected and alarms counted
LEVELS = (1.0, 4.0, 15.0, 60.0)  # mean mentions per hour
SIZES = (2.0, 3.0, 5.0, 8.0)  # the spike's count over the expected one


@dataclass
class Injected:
    start: int  # hour index
    hours: int
    size: float
    level: float


def profile(ramadan: bool) -> np.ndarray:
    h = np.arange(24)
    if ramadan:
        w = 0.2 + 2.2 * np.exp(-(((h - 22) % 24) ** 2) / 8) + np.exp(-((h - 1) ** 2) / 4)
    else:
        w = 0.15 + np.exp(-((h - 13) ** 2) / 18) + 1.3 * np.exp(-((h - 21) ** 2) / 6)
    return w / w.sum()


def expected_counts(level: float, rng: np.random.Generator) -> np.ndarray:
    classes = spikes.day_classes(START, DAYS)
    drift = np.exp(np.cumsum(rng.normal(0, 0.02, DAYS)))
    out = np.empty((DAYS, 24))
    for d in range(DAYS):
        day = START + timedelta(days=d)
        c = classes[d]
        f = {"normal": 1.0, "ramadan": 1.3, "eid": 0.7, "sale": 2.5}[c]
        weekend = 1.2 if day.weekday() in (4, 5) else 1.0
        out[d] = level * 24 * f * weekend * drift[d] * profile(c == "ramadan")
    return out.reshape(-1)


def series(level: float, seed: int) -> tuple[np.ndarray, np.ndarray, list[Injected]]:
    """Counts, the expected counts without spikes, and the spikes injected (about one a month)."""
    rng = np.random.default_rng(seed)
    lam = expected_counts(level, rng)
    r = 15.0
    counts = rng.negative_binomial(r, r / (r + lam)).astype(float)
    injected: list[Injected] = []
    hour = EVAL_FROM * 24 + int(rng.integers(0, 24 * 30))
    while hour < DAYS * 24 - 24:
        size = float(rng.choice(SIZES))
        hours = int(rng.integers(1, 7))
        extra = rng.poisson((size - 1) * np.maximum(lam[hour : hour + hours], level)).astype(float)
        counts[hour : hour + hours] += extra
        injected.append(Injected(hour, hours, size, level))
        hour += int(rng.integers(24 * 15, 24 * 45))
    return counts, lam, injected


def flat_alarms(counts: np.ndarray) -> np.ndarray:
    """The flat rule: an hour above the mean + 3 sd of the last 28 days' hours (and at least 5 above the mean)."""
    s = pd.Series(counts)
    mean = s.rolling(28 * 24, min_periods=14 * 24).mean().shift(1)
    sd = s.rolling(28 * 24, min_periods=14 * 24).std().shift(1)
    return ((s > mean + 3 * sd) & (s - mean >= 5)).to_numpy()


def score(
    flags: np.ndarray, injected: list[Injected], lo: int
) -> tuple[dict[float, list[bool]], int, np.ndarray]:
    """Which injections were found, how many alarm runs hit none, and those runs' first hours."""
    hits = {size: [] for size in SIZES}
    covered = np.zeros(len(flags), dtype=bool)
    for inj in injected:
        window = slice(inj.start, inj.start + inj.hours)
        hits[inj.size].append(bool(flags[window].any()))
        covered[max(inj.start - 1, 0) : inj.start + inj.hours + 1] = True
    runs = np.flatnonzero(flags[lo:] & ~np.r_[False, flags[lo:][:-1]]) + lo
    false = [h for h in runs if not covered[h]]
    return hits, len(false), np.array(false, dtype=int)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"series: {args.series} x {DAYS} days of hours from {START}, spikes counted from day {EVAL_FROM}")
    index = pd.date_range(datetime(START.year, START.month, START.day), periods=DAYS * 24, freq="h")
    classes = np.repeat(spikes.day_classes(START, DAYS), 24)
    hours = np.tile(np.arange(24), DAYS)
    months = args.series * (DAYS - EVAL_FROM) / 30.44
    totals: dict[str, dict] = {}
    started = time.perf_counter()
    for method in ("seasonal", "flat"):
        found: dict[tuple[float, float], list[bool]] = {}
        false_all = 0
        false_ramadan_nights = 0
        false_sales = 0
        for i in range(args.series):
            level = LEVELS[i % len(LEVELS)]
            counts, _lam, injected = series(level, args.seed * 1000 + i)
            if method == "seasonal":
                _found, frame = spikes.detect(pd.Series(counts, index=index))
                flags = frame["spike"].to_numpy()
            else:
                flags = flat_alarms(counts)
            hits, n_false, first = score(flags, injected, EVAL_FROM * 24)
            for size, h in hits.items():
                found.setdefault((level, size), []).extend(h)
            false_all += n_false
            false_ramadan_nights += int(
                ((classes[first] == "ramadan") & ((hours[first] >= 20) | (hours[first] <= 3))).sum()
            )
            false_sales += int((classes[first] == "sale").sum())
        totals[method] = {
            "found": found,
            "false": false_all,
            "ramadan": false_ramadan_nights,
            "sales": false_sales,
        }
    print(f"evaluated in {time.perf_counter() - started:.1f} s ({months:.0f} series-months)")
    for method, t in totals.items():
        print(f"\n{method}: false alarms {t['false']} = {t['false'] / months:.2f} per series-month "
              f"(Ramadan nights {t['ramadan']}, sales days {t['sales']})")  # fmt: skip
        print("recall by mean mentions per hour (rows) and spike size (columns):")
        print("level  " + "  ".join(f"{s:>5.0f}x" for s in SIZES) + "    all")
        for level in LEVELS:
            cells = [t["found"].get((level, s), []) for s in SIZES]
            allc = [x for c in cells for x in c]
            print(f"{level:>5.0f}  " + "  ".join(f"{np.mean(c) if c else float('nan'):>6.2f}" for c in cells)
                  + f"  {np.mean(allc):>5.2f}")  # fmt: skip
        every = [x for c in t["found"].values() for x in c]
        print(f"all    recall {np.mean(every):.3f} over {len(every)} spikes")


if __name__ == "__main__":
    main()
