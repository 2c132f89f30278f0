"""Estimates with their uncertainty: means, proportions, NPS, medians, and differences between two groups.

Formulas (docs/metrics.md has the derivations and sources):
- mean: Student t interval, mean +- t(n-1) * s / sqrt(n).
- proportion: Wilson score interval (Wilson 1927; Agresti & Coull 1998, "Approximate is better than exact").
- NPS = 100 (p_promoters - p_detractors); Var = (p_P + p_D - (p_P - p_D)^2) / n, the variance of a mean of
  scores coded +1 / 0 / -1; interval by the adjusted Wald method (Rocks 2016, "Interval estimation for the
  net promoter score"; Sauro & Lewis): n + 3, promoters + 3/4, detractors + 3/4.
- median: distribution-free interval from order statistics, ranks from the binomial(n, 1/2)
  (Conover, Practical Nonparametric Statistics, 3rd ed., §3.2).
- difference of means: Welch's t with Welch-Satterthwaite degrees of freedom; difference of two NPS or
  proportions: normal approximation with the sum of the variances.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from tajriba.errors import Invalid
from tajriba.metrics import scores

LEVEL = scores.LEVEL


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None
    high: float | None
    n: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Difference:
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


EMPTY = Estimate(None, None, None, 0)
NO_DIFFERENCE = Difference(None, None, None, None)


def mean_from_sums(n: int, total: float, total_sq: float, *, level: float = LEVEL) -> Estimate:
    """Mean and t interval from n, sum and sum of squares (what one SQL aggregate returns)."""
    if n <= 0:
        return EMPTY
    mean, low, high, _ = (float(v) for v in scores.t_interval(n, total, total_sq, level))
    if n == 1:
        return Estimate(mean, None, None, 1)
    return Estimate(mean, low, high, n)


def mean(values: np.ndarray | list[float], *, level: float = LEVEL) -> Estimate:
    x = np.asarray(values, dtype=float)
    return mean_from_sums(int(x.size), float(x.sum()), float((x * x).sum()), level=level)


def wilson(successes: int, n: int, *, level: float = LEVEL) -> Estimate:
    """Share with the Wilson score interval."""
    if n <= 0:
        return EMPTY
    p, low, high = (float(v) for v in scores.wilson_interval(successes, n, scores.z_value(level)))
    return Estimate(p, low, high, n)


def nps(promoters: int, passives: int, detractors: int, *, level: float = LEVEL) -> Estimate:
    """Net Promoter Score (-100..100) with the adjusted Wald interval (scores.nps_interval)."""
    n = promoters + passives + detractors
    if n <= 0:
        return EMPTY
    low, high = (float(v) for v in scores.nps_interval(promoters, detractors, n, scores.z_value(level)))
    return Estimate(100 * (promoters - detractors) / n, low, high, n)


def nps_se(promoters: int, passives: int, detractors: int) -> float:
    """Standard error of the NPS (points): 100 sqrt((p_P + p_D - (p_P - p_D)^2) / n)."""
    n = promoters + passives + detractors
    p, d = promoters / n, detractors / n
    return 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)


def median(values: np.ndarray | list[float], *, level: float = LEVEL) -> Estimate:
    """Median with the order-statistic interval (coverage at least `level`; None bounds when n is too small)."""
    return quantile(values, 0.5, level=level)


def quantile(values: np.ndarray | list[float], p: float, *, level: float = LEVEL) -> Estimate:
    """The p-quantile (linear interpolation, as `numpy.quantile`) with its distribution-free interval.

    The interval is [x_(l), x_(u)] with ranks from B ~ Binomial(n, p): l the largest rank with
    P(B <= l - 1) <= (1 - level) / 2 and u the smallest with P(B >= u) <= (1 - level) / 2, so the coverage is at
    least `level` (Conover 1999, section 3.2). A bound that would need a rank outside 1..n is None.
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = int(x.size)
    if n == 0:
        return EMPTY
    value = float(np.quantile(x, p))
    low, high = quantile_ranks(n, p, level)
    return Estimate(
        value, float(x[low - 1]) if low >= 1 else None, float(x[high - 1]) if high <= n else None, n
    )


def quantile_ranks(n: int, p: float, level: float = LEVEL) -> tuple[int, int]:
    """1-based ranks (l, u) of the order statistics bounding the p-quantile (l < 1 or u > n: no bound)."""
    tail = (1 - level) / 2
    low = int(stats.binom.ppf(tail, n, p))  # smallest k with P(B <= k) >= tail
    if stats.binom.cdf(low, n, p) > tail:
        low -= 1
    high = int(stats.binom.isf(tail, n, p))  # smallest k with P(B > k) <= tail, i.e. P(B >= k + 1) <= tail
    return low + 1, high + 1


def difference_of_means(
    a: Estimate, sd_a: float, b: Estimate, sd_b: float, *, level: float = LEVEL
) -> Difference:
    """b - a with Welch's interval and two-sided p-value."""
    if a.value is None or b.value is None or a.n < 2 or b.n < 2:
        return NO_DIFFERENCE
    va, vb = sd_a**2 / a.n, sd_b**2 / b.n
    se = math.sqrt(va + vb)
    diff = b.value - a.value
    if se == 0:
        return Difference(diff, diff, diff, None if diff == 0 else 0.0)
    df = (va + vb) ** 2 / ((va**2) / (a.n - 1) + (vb**2) / (b.n - 1)) if (va + vb) > 0 else a.n + b.n - 2
    t = float(stats.t.ppf(0.5 + level / 2, df))
    p = float(2 * stats.t.sf(abs(diff) / se, df))
    return Difference(diff, diff - t * se, diff + t * se, p)


def sd_from_sums(n: int, total: float, total_sq: float) -> float:
    if n < 2:
        return 0.0
    m = total / n
    return math.sqrt(max((total_sq - n * m * m) / (n - 1), 0.0))


def difference_normal(
    a_value: float | None, a_se: float, b_value: float | None, b_se: float, *, level: float = LEVEL
) -> Difference:
    """b - a with a normal interval from the two standard errors (NPS, shares)."""
    if a_value is None or b_value is None:
        return NO_DIFFERENCE
    se = math.sqrt(a_se**2 + b_se**2)
    diff = b_value - a_value
    if se == 0:
        return Difference(diff, diff, diff, None if diff == 0 else 0.0)
    z = scores.z_value(level)
    return Difference(diff, diff - z * se, diff + z * se, float(2 * stats.norm.sf(abs(diff) / se)))


def outcome_by_group(
    frame: pd.DataFrame, *, group: str, outcome: str, kind: str = "mean", order: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """One row per group: n, value, ci_low, ci_high (kind = 'mean' or 'share' of a 0/1 outcome)."""
    for col in (group, outcome):
        if col not in frame.columns:
            raise Invalid(f"column {col!r} is missing", field=col)
    if kind not in ("mean", "share"):
        raise Invalid("kind must be 'mean' or 'share'", field="kind")
    groups = order or tuple(sorted(map(str, frame[group].dropna().unique())))
    rows = []
    for g in groups:
        values = frame.loc[frame[group].astype(str) == g, outcome].dropna().to_numpy(dtype=float)
        est = mean(values) if kind == "mean" else wilson(int(values.sum()), int(values.size))
        rows.append({"group": g, "n": est.n, "value": est.value, "ci_low": est.low, "ci_high": est.high})
    return pd.DataFrame(rows)


def compare_groups(
    frame: pd.DataFrame, *, group: str, outcome: str, first: str, second: str, kind: str = "mean"
) -> dict[str, Any]:
    """Difference first - second with its interval and p-value."""
    a = frame.loc[frame[group].astype(str) == first, outcome].dropna().to_numpy(dtype=float)
    b = frame.loc[frame[group].astype(str) == second, outcome].dropna().to_numpy(dtype=float)
    if kind == "mean":
        sd = lambda v: float(v.std(ddof=1)) if v.size > 1 else 0.0  # noqa: E731
        diff = difference_of_means(mean(b), sd(b), mean(a), sd(a))
    elif a.size == 0 or b.size == 0:
        diff = NO_DIFFERENCE
    else:
        pa, pb = float(a.mean()), float(b.mean())
        diff = difference_normal(pb, math.sqrt(pb * (1 - pb) / b.size), pa, math.sqrt(pa * (1 - pa) / a.size))
    return {"first": first, "second": second, **diff.to_dict()}
