"""A metric's trend over periods: the per-period estimates with their intervals (the band), and a weighted
straight line through them with its slope, interval and test.

Each period's value y_i has a standard error s_i; the line y = a + b t (t = 0, 1, ... over the periods in
order, gaps kept) is fitted by weighted least squares with weights 1 / s_i^2. The covariance of (a, b) is
(X'WX)^-1 times max(1, X^2 / (k - 2)), the residual chi-square per degree of freedom, so periods that scatter
more than their own errors say widen the band instead of being ignored. The band of the line at t is
+- z sqrt(x' Cov x); the slope's p-value is two-sided normal. At least three periods with a standard error
are needed for a line.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from tajriba.metrics import scores


def fit_line(
    values: list[float], std_errors: list[float], positions: list[float] | None = None, *, level: float = 0.95
) -> dict[str, Any] | None:
    """Weighted line through (position, value) with standard errors; None with fewer than three usable points."""
    y = np.asarray(values, dtype=float)
    s = np.asarray(std_errors, dtype=float)
    t = np.arange(y.size, dtype=float) if positions is None else np.asarray(positions, dtype=float)
    ok = np.isfinite(y) & np.isfinite(s) & (s > 0)
    if ok.sum() < 3:
        return None
    y, s, t = y[ok], s[ok], t[ok]
    w = 1 / (s * s)
    x = np.column_stack([np.ones_like(t), t])
    xtwx = x.T @ (x * w[:, None])
    cov = np.linalg.inv(xtwx)
    beta = cov @ (x.T @ (w * y))
    resid = y - x @ beta
    dispersion = float((w * resid * resid).sum() / (y.size - 2))
    cov = cov * max(1.0, dispersion)
    z = scores.z_value(level)
    slope, slope_se = float(beta[1]), float(np.sqrt(cov[1, 1]))
    p_value = float(2 * stats.norm.sf(abs(slope) / slope_se)) if slope_se > 0 else None
    return {
        "intercept": float(beta[0]),
        "slope": slope,
        "slope_ci_low": slope - z * slope_se,
        "slope_ci_high": slope + z * slope_se,
        "slope_std_error": slope_se,
        "p_value": p_value,
        "dispersion": dispersion,
        "cov": cov,
        "z": z,
    }


def line_at(line: dict[str, Any], positions: list[float] | np.ndarray) -> dict[str, np.ndarray]:
    """The fitted line and its band at the given positions."""
    t = np.asarray(positions, dtype=float)
    x = np.column_stack([np.ones_like(t), t])
    fit = x @ np.array([line["intercept"], line["slope"]])
    se = np.sqrt(np.einsum("ij,jk,ik->i", x, line["cov"], x))
    return {"fit": fit, "low": fit - line["z"] * se, "high": fit + line["z"] * se}


def trend(
    rows: list[dict[str, Any]],
    *,
    axis: list[str] | None = None,
    level: float = 0.95,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """Trend of metric rows of one group (each with period, value, ci_low, ci_high, std_error), in period order.

    `axis` is every period from the first to the last (`periods.axis`): periods without answers become points
    with n = 0 and no value, and the line's positions count them, so a gap is time that passed.
    Returns the points, the line (slope per period, its interval, p-value, fitted value and band per period)
    and a direction: "rising", "falling" (slope significant at `alpha`) or "flat"; "unknown" without a line.
    """
    points = sorted(rows, key=lambda r: str(r["period"]))
    if axis:
        have = {str(r["period"]): r for r in points}
        empty = dict.fromkeys(("value", "ci_low", "ci_high", "std_error"))
        points = [have.get(p) or {"period": p, "n": 0, **empty, "suppressed": "no answers"} for p in axis]
    values = [np.nan if r.get("value") is None else r["value"] for r in points]
    errors = [np.nan if r.get("std_error") is None else r["std_error"] for r in points]
    line = fit_line(values, errors, level=level)
    out: dict[str, Any] = {"points": points, "line": None, "direction": "unknown"}
    if line is None:
        return out
    band = line_at(line, np.arange(len(points)))
    out["line"] = {
        "slope": round(line["slope"], 4),
        "slope_ci_low": round(line["slope_ci_low"], 4),
        "slope_ci_high": round(line["slope_ci_high"], 4),
        "slope_std_error": round(line["slope_std_error"], 4),
        "p_value": None if line["p_value"] is None else round(line["p_value"], 6),
        "dispersion": round(line["dispersion"], 4),
        "fit": [round(float(v), 4) for v in band["fit"]],
        "fit_low": [round(float(v), 4) for v in band["low"]],
        "fit_high": [round(float(v), 4) for v in band["high"]],
    }
    if line["p_value"] is not None and line["p_value"] < alpha:
        out["direction"] = "rising" if line["slope"] > 0 else "falling"
    else:
        out["direction"] = "flat"
    return out
