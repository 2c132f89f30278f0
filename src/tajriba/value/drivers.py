"""Experience and value: outcomes by NPS group or by an experience, and key-driver analysis.

- Group comparisons use the estimates of `tajriba.metrics.estimates`: means with t intervals, shares with
  Wilson intervals, differences with Welch's t (means) or the normal approximation (shares).
- Key drivers: relative importance as the Shapley decomposition of R^2 (Lindeman, Merenda & Gold 1980, "LMG";
  Gromping 2007, The American Statistician 61(2)): each driver's average gain in R^2 over all orders of entry,
  computed from the correlation matrix (R^2 of a subset S = r_S' R_SS^-1 r_S). The shares sum to the full R^2.
  Intervals: percentile bootstrap over customers (seeded). Standardised coefficients are reported beside them.
- Importance-performance: drivers above the median importance and below the median performance are the
  ones to fix first.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pandas as pd

from tajriba.errors import Invalid
from tajriba.metrics import service as metrics

NPS_GROUPS = ("promoter", "passive", "detractor")
MAX_DRIVERS = 12


def nps_group(score: Any) -> np.ndarray:
    """promoter (9-10), passive (7-8), detractor (0-6) for 0-10 scores."""
    s = np.asarray(score, dtype=float)
    bad = ~np.isfinite(s) | (s < 0) | (s > 10)
    if bad.any():
        row = int(np.argmax(bad))
        raise Invalid(f"row {row + 1}: an NPS score is a number from 0 to 10, got {s[row]!r}", field="score")
    return metrics.nps_groups(s)


@functools.cache
def _lmg_plan(k: int) -> tuple[tuple[tuple[int, ...], ...], np.ndarray]:
    """The 2^k subsets (by bit mask) and the k x 2^k matrix turning their R^2 into Shapley shares:
    share_j = sum over S not holding j of |S|! (k-|S|-1)! / k! (R^2(S + j) - R^2(S))."""
    subsets = tuple(tuple(i for i in range(k) if mask >> i & 1) for mask in range(1 << k))
    plan = np.zeros((k, 1 << k))
    for mask, subset in enumerate(subsets):
        weight = (
            math.factorial(len(subset)) * math.factorial(k - len(subset) - 1) / math.factorial(k)
            if len(subset) < k
            else 0
        )
        for j in range(k):
            if not mask >> j & 1:
                plan[j, mask | 1 << j] += weight
                plan[j, mask] -= weight
    return subsets, plan


def _correlations(samples: np.ndarray) -> np.ndarray:
    """Correlation matrices of a stack of samples (B, n, k + 1) -> (B, k + 1, k + 1); NaN where a column is constant."""
    centred = samples - samples.mean(axis=1, keepdims=True)
    cov = np.einsum("bni,bnj->bij", centred, centred)
    sd = np.sqrt(np.einsum("bii->bi", cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        return cov / (sd[:, :, None] * sd[:, None, :])


def _shapley_from_correlations(corr: np.ndarray) -> np.ndarray:
    """LMG shares for each of a stack of correlation matrices (B, k + 1, k + 1), target last -> (B, k)."""
    k = corr.shape[1] - 1
    subsets, plan = _lmg_plan(k)
    r_xy, r_xx = corr[:, :k, k], corr[:, :k, :k]
    r2 = np.zeros((corr.shape[0], len(subsets)))
    for mask, subset in enumerate(subsets):
        if not subset:
            continue
        idx = list(subset)
        block, rhs = r_xx[:, idx][:, :, idx], r_xy[:, idx]
        # least squares per matrix: the same as solving, and defined when drivers are collinear
        beta = np.linalg.pinv(block) @ rhs[:, :, None]
        r2[:, mask] = np.einsum("bi,bi->b", rhs, beta[:, :, 0])
    return r2 @ plan.T


def shapley_r2(data: np.ndarray) -> np.ndarray:
    """LMG shares of R^2 for the columns 0..k-1 of ``data`` explaining its last column."""
    corr = _correlations(data[None])
    if not np.isfinite(corr).all():
        raise Invalid("a driver or the target does not vary, so its importance is undefined", field="drivers")
    return _shapley_from_correlations(corr)[0]


def _complete_rows(frame: pd.DataFrame, target: str, drivers: list[str]) -> np.ndarray:
    """The drivers' and target's values of the rows that have them all, checked to be enough to decompose."""
    if not drivers:
        raise Invalid("name at least one driver", field="drivers")
    if len(drivers) > MAX_DRIVERS:
        raise Invalid(
            f"at most {MAX_DRIVERS} drivers at once (the decomposition fits 2^k models)", field="drivers"
        )
    missing = [c for c in [*drivers, target] if c not in frame.columns]
    if missing:
        raise Invalid(f"columns missing: {', '.join(missing)}", field="drivers")
    data = frame[[*drivers, target]].apply(pd.to_numeric, errors="coerce").dropna().to_numpy(dtype=float)
    n, k = data.shape[0], len(drivers)
    if n < k + 10:
        raise Invalid(f"{n} complete rows for {k} drivers: need at least {k + 10}", field="drivers")
    return data


def key_drivers(
    frame: pd.DataFrame,
    *,
    target: str,
    drivers: list[str],
    bootstrap: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Relative importance of each driver for the target, with bootstrap intervals and performance."""
    data = _complete_rows(frame, target, drivers)
    n, k = data.shape[0], len(drivers)
    shares = shapley_r2(data)
    std = data.std(axis=0, ddof=1)
    beta = (
        np.linalg.lstsq(np.column_stack([np.ones(n), data[:, :k]]), data[:, k], rcond=None)[0][1:]
        * std[:k]
        / std[k]
    )
    rng = np.random.default_rng(seed)
    boot = np.full((bootstrap, k), np.nan)
    # resamples in chunks of about 4 million values, so a big workspace does not hold them all at once
    chunk = max(1, 4_000_000 // (n * (k + 1)))
    for start in range(0, bootstrap, chunk):
        size = min(chunk, bootstrap - start)
        corr = _correlations(data[rng.integers(0, n, (size, n))])
        usable = np.isfinite(corr).all(axis=(1, 2))  # a resample where a column is constant is left out
        part = boot[start : start + size]
        part[usable] = _shapley_from_correlations(corr[usable])
    lo, hi = (
        np.nanquantile(boot, [(1 - level) / 2, (1 + level) / 2], axis=0) if bootstrap else (shares, shares)
    )
    out = pd.DataFrame(
        {
            "driver": drivers,
            "importance": shares,
            "ci_low": lo,
            "ci_high": hi,
            "share_of_r2": shares / shares.sum() if shares.sum() > 0 else np.nan,
            "standardized_coefficient": beta,
            "performance": data[:, :k].mean(axis=0),
        }
    )
    out.attrs.update({"r2": float(shares.sum()), "n": n})
    imp_mid, perf_mid = float(np.median(shares)), float(np.median(out["performance"]))
    out["quadrant"] = [
        ("fix_first" if p < perf_mid else "keep_up")
        if i >= imp_mid
        else ("low_priority" if p < perf_mid else "possible_overkill")
        for i, p in zip(shares, out["performance"], strict=True)
    ]
    return out
