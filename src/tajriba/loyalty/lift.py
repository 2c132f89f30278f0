"""Lift of a campaign or an offer batch against its random holdout (no I/O).

For each member in the test: whether they bought in the measurement window (0/1), what they spent there, and
their lifetime value when one was computed after the start. Lift in repeat purchase is the difference of the two
proportions with a normal (Wald) interval; lift in spend and lifetime value the difference of means with Welch's
interval (`tajriba.metrics`). The incremental revenue is the spend lift times the treated members, the incremental
cost the extra points given times their value (plus any cost per offer), and the return their ratio.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tajriba.metrics import service as metrics


def _share(values: np.ndarray) -> tuple[float | None, float]:
    if values.size == 0:
        return None, 0.0
    p = float(values.mean())
    return p, math.sqrt(p * (1 - p) / values.size)


def _means(treated: np.ndarray, held: np.ndarray) -> dict[str, Any]:
    a, b = metrics.mean(held), metrics.mean(treated)
    sd = lambda v: float(v.std(ddof=1)) if v.size > 1 else 0.0  # noqa: E731
    diff = metrics.difference_of_means(a, sd(held), b, sd(treated))
    return {"treated": b.value, "holdout": a.value, **diff.to_dict()}


def lift(
    *,
    bought: np.ndarray,
    spend: np.ndarray,
    holdout: np.ndarray,
    clv: np.ndarray | None = None,
    cost: float = 0.0,
) -> dict[str, Any]:
    """Treated minus holdout for purchase (share), spend and CLV (means), with intervals and p-values."""
    holdout = np.asarray(holdout, dtype=bool)
    treated = ~holdout
    pt, set_ = _share(np.asarray(bought, dtype=float)[treated])
    ph, seh = _share(np.asarray(bought, dtype=float)[holdout])
    purchase = {"treated": pt, "holdout": ph, **metrics.difference_normal(ph, seh, pt, set_).to_dict()}
    spend = np.asarray(spend, dtype=float)
    out: dict[str, Any] = {
        "n_treated": int(treated.sum()),
        "n_holdout": int(holdout.sum()),
        "purchase": purchase,
        "spend": _means(spend[treated], spend[holdout]),
        "clv": None,
        "cost": round(cost, 2),
    }
    if clv is not None:
        known = ~np.isnan(np.asarray(clv, dtype=float))
        c = np.asarray(clv, dtype=float)
        out["clv"] = _means(c[treated & known], c[holdout & known])
    d = out["spend"]["difference"]
    out["incremental_revenue"] = None if d is None else round(d * out["n_treated"], 2)
    low = out["spend"]["low"]
    high = out["spend"]["high"]
    out["incremental_revenue_low"] = None if low is None else round(low * out["n_treated"], 2)
    out["incremental_revenue_high"] = None if high is None else round(high * out["n_treated"], 2)
    out["return_on_cost"] = None if d is None or cost <= 0 else round(out["incremental_revenue"] / cost, 2)
    return out
