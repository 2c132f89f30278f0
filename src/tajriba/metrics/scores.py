"""NPS, CSAT and CES: one definition of each, from scores to estimates with their uncertainty.

A group of answers is summarised by additive statistics (`Sums`: n, sum, sum of squares, and counts of
"high" and "low" answers), so the same numbers come from a NumPy array, a file, or a SQL aggregate, and
groups merge by adding (days into months, touchpoints into stages). `estimate` turns sums into the
published figures with intervals; docs/metrics.md has every formula and its source.

- NPS (0-10): promoters 9-10, detractors 0-6; value 100 (P - D) / n; std_error 100 sqrt((p + d - (p - d)^2) / n);
  interval by the adjusted Wald method (Rocks 2016; Sauro & Lewis): add 3/4 of a promoter, 3/4 of a detractor
  and 3/2 of a passive (n + 3) and take the Wald interval around the adjusted score. It keeps its coverage
  where the plain interval collapses (all promoters, few answers).
- CSAT (1-5 or 1-10): value is the mean with a Student t interval; top-2-box share (the scale's two highest
  points) with a Wilson interval.
- CES (1-7, 7 = very easy): mean with a t interval; share of "easy" (5-7) with a Wilson interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from tajriba import periods
from tajriba.errors import Invalid

METRICS = ("nps", "csat", "ces")
SCALES: dict[str, tuple[tuple[int, int], ...]] = {
    "nps": ((0, 10),),
    "csat": ((1, 5), (1, 10)),
    "ces": ((1, 7),),
}
LEVEL = 0.95
MIN_SAMPLE = 10  # pages and the API hide an estimate on fewer answers, and say so
# the one place the NPS groups are written: promoters 9-10, passives 7-8, detractors 0-6
# (CES 1-7: easy 5-7, difficult 1-3; on another scale, the same fractions of it)
PROMOTER_MIN, PASSIVE_MIN, DETRACTOR_MAX = 9, 7, 6


def default_scale(metric: str) -> tuple[int, int]:
    check_metric(metric)
    return SCALES[metric][0]


def check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise Invalid(f"unknown metric {metric!r}: expected one of {', '.join(METRICS)}", field="metric")


def check_scale(metric: str, scale: tuple[int, int]) -> None:
    check_metric(metric)
    if scale not in SCALES[metric]:
        allowed = " or ".join(f"{lo}-{hi}" for lo, hi in SCALES[metric])
        raise Invalid(f"{metric} is answered on {allowed}, not {scale[0]}-{scale[1]}", field="scale")


def high_threshold(metric: str, scale_max: int) -> int:
    """Lowest score that counts as promoter (NPS), top-2-box (CSAT) or easy (CES)."""
    return {"nps": PROMOTER_MIN, "csat": scale_max - 1, "ces": 5}[metric]


def low_threshold(metric: str, scale_max: int) -> int:
    """Highest score that counts as detractor (NPS), bottom-2-box (CSAT) or difficult (CES)."""
    return {"nps": DETRACTOR_MAX, "csat": 2, "ces": 3}[metric]


def nps_groups(scores: Any) -> np.ndarray:
    """ "promoter", "passive" or "detractor" for each NPS score (0-10)."""
    s = np.asarray(scores, dtype=float)
    return np.where(s >= PROMOTER_MIN, "promoter", np.where(s >= PASSIVE_MIN, "passive", "detractor"))


def high_sql(metric: str, score: str, smin: str, smax: str) -> str:
    """SQL (standard, any engine) for "this answer is a promoter / in the top two boxes / easy", given the
    score's column and its scale's ends (columns or literals)."""
    if metric == "nps":
        return f"{score} >= {PROMOTER_MIN}"
    if metric == "csat":
        return f"{score} >= {smax} - 1"
    return f"({score} - {smin}) * 6 >= 4 * ({smax} - {smin})"


def low_sql(metric: str, score: str, smin: str, smax: str) -> str:
    """SQL for "this answer is a detractor / in the bottom two boxes / difficult"."""
    if metric == "nps":
        return f"{score} <= {DETRACTOR_MAX}"
    if metric == "csat":
        return f"{score} <= {smin} + 1"
    return f"({score} - {smin}) * 6 <= 2 * ({smax} - {smin})"


def is_low(metric: str, score: float, smin: float | None = None, smax: float | None = None) -> bool:
    """`low_sql` for one answer in Python: a detractor / in the bottom two boxes / difficult, read on the answer's
    own scale (the metric's default scale where it is not known)."""
    lo, hi = default_scale(metric)
    a = lo if smin is None else smin
    b = hi if smax is None else smax
    if metric == "nps":
        return score <= DETRACTOR_MAX
    if metric == "csat":
        return score <= a + 1
    return (score - a) * 6 <= 2 * (b - a)


@dataclass
class Sums:
    """Additive statistics of a set of groups (arrays, one entry per group)."""

    n: np.ndarray
    total: np.ndarray
    total_sq: np.ndarray
    high: np.ndarray
    low: np.ndarray

    @classmethod
    def empty(cls, groups: int = 0) -> Sums:
        z = np.zeros(groups)
        return cls(z.copy(), z.copy(), z.copy(), z.copy(), z.copy())

    def take(self, index: np.ndarray, groups: int) -> Sums:
        """Add rows into `groups` groups by `index` (row i goes to group index[i])."""

        def add(values: np.ndarray) -> np.ndarray:
            return np.bincount(index, weights=values, minlength=groups)

        return Sums(add(self.n), add(self.total), add(self.total_sq), add(self.high), add(self.low))


def sums_from_scores(
    metric: str, scores: np.ndarray, group_index: np.ndarray, groups: int, scale: tuple[int, int]
) -> Sums:
    """Sums per group from raw scores (already checked to lie on `scale`)."""
    s = np.asarray(scores, dtype=float)
    hi = (s >= high_threshold(metric, scale[1])).astype(float)
    lo = (s <= low_threshold(metric, scale[1])).astype(float)
    one = Sums(np.ones_like(s), s, s * s, hi, lo)
    return one.take(np.asarray(group_index, dtype=np.int64), groups)


def check_scores(
    metric: str, scores: np.ndarray, scale: tuple[int, int], rows: np.ndarray | None = None
) -> None:
    """Every score a whole number on the scale; the error names the first bad row (1-based data rows)."""
    s = np.asarray(scores, dtype=float)
    bad = np.flatnonzero(~np.isfinite(s) | (s < scale[0]) | (s > scale[1]) | (s != np.round(s)))
    if bad.size:
        i = int(bad[0])
        row = int(rows[i]) if rows is not None else i + 1
        raise Invalid(
            f"row {row}: {metric} score {s[i]:g} is not a whole number from {scale[0]} to {scale[1]}"
            f" ({bad.size} such row{'s' if bad.size > 1 else ''})",
            field="score",
        )


def z_value(level: float) -> float:
    """The two-sided normal quantile of a confidence level (1.96 for 0.95)."""
    return float(stats.norm.ppf(0.5 + level / 2))


def wilson_interval(k: Any, n: Any, z: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share k / n and its Wilson score interval (arrays or scalars; NaN where n is 0)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return p, np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def nps_interval(promoters: Any, detractors: Any, n: Any, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted Wald interval of the NPS in points: n + 3, promoters + 3/4, detractors + 3/4 (Rocks 2016)."""
    n_adj = np.asarray(n, dtype=float) + 3
    pa, da = (np.asarray(promoters) + 0.75) / n_adj, (np.asarray(detractors) + 0.75) / n_adj
    half = z * np.sqrt(np.maximum(pa + da - (pa - da) ** 2, 0) / n_adj)
    return np.clip(100 * (pa - da - half), -100, 100), np.clip(100 * (pa - da + half), -100, 100)


def t_interval(n: Any, total: Any, total_sq: Any, level: float) -> tuple[np.ndarray, ...]:
    """Mean, Student t interval and standard error from n, sum and sum of squares (NaN bounds for n < 2)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.asarray(total) / n
        var = np.maximum((np.asarray(total_sq) - n * mean * mean) / (n - 1), 0)
        se = np.where(n >= 2, np.sqrt(var / n), np.nan)
        t = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
    return mean, mean - t * se, mean + t * se, se


def estimate(metric: str, sums: Sums, *, level: float = LEVEL) -> dict[str, np.ndarray]:
    """Arrays per group: n, value, ci_low, ci_high, std_error, and the metric's shares (NaN where undefined)."""
    check_metric(metric)
    n = sums.n
    z = z_value(level)
    out: dict[str, np.ndarray] = {"n": n.astype(np.int64)}
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "nps":
            p, d = sums.high / n, sums.low / n
            se = 100 * np.sqrt(np.maximum(p + d - (p - d) ** 2, 0) / n)
            out["value"] = 100 * (p - d)
            out["ci_low"], out["ci_high"] = nps_interval(sums.high, sums.low, n, z)
            out["std_error"] = np.where(n >= 2, se, np.nan)
            out["promoters"], out["passives"], out["detractors"] = p, 1 - p - d, d
        else:
            out["value"], out["ci_low"], out["ci_high"], out["std_error"] = t_interval(
                n, sums.total, sums.total_sq, level
            )
            key = "top2_box" if metric == "csat" else "easy"
            out[key], out[f"{key}_ci_low"], out[f"{key}_ci_high"] = wilson_interval(sums.high, n, z)
    empty = n <= 0
    for key, values in out.items():
        if key != "n":
            out[key] = np.where(empty, np.nan, values)
    return out


def rows(
    metric: str, labels: list[Any], sums: Sums, *, level: float = LEVEL, min_n: int = 1, digits: int = 4
) -> list[dict[str, Any]]:
    """One JSON-ready dict per group: group, n, value, ci_low, ci_high, std_error (+ shares).

    Groups with fewer than `min_n` answers keep their n, have no figures, and say why in `suppressed`.
    """
    est = estimate(metric, sums, level=level)
    counts = est.pop("n").tolist()
    columns = {k: np.where(np.isfinite(v), np.round(v, digits), np.nan).tolist() for k, v in est.items()}
    out = []
    for i, label in enumerate(labels):
        n = int(counts[i])
        row: dict[str, Any] = {"group": label, "n": n}
        if n < max(min_n, 1):
            row.update(dict.fromkeys(columns))
            row["suppressed"] = "no answers" if n == 0 else f"fewer than {min_n} answers"
        else:
            for key, values in columns.items():
                v = values[i]
                row[key] = None if v != v else v  # NaN -> None
        out.append(row)
    return out


def check_slice(q: Any, dimensions: tuple[str, ...]) -> None:
    """The checks every metrics query shares: by, period and calendar, start < end, level, min_n."""
    if q.by is not None and q.by not in dimensions:
        raise Invalid(f"by must be one of {', '.join(dimensions)}", field="by")
    if q.period is not None:
        periods.check(q.period, q.calendar, q.week_start)
    elif q.calendar not in periods.CALENDARS:
        raise Invalid(f"calendar must be one of {', '.join(periods.CALENDARS)}", field="calendar")
    if q.start and q.end and q.start >= q.end:
        raise Invalid("the period's start must be before its end", field="start")
    if not 0.5 <= q.level < 1:
        raise Invalid("level must be at least 0.5 and below 1", field="level")
    if q.min_n < 1:
        raise Invalid("min_n must be 1 or more", field="min_n")
