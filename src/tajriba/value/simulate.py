"""Simulated customers from known parameters: for tests (parameter recovery) and benchmarks. Seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd


def bgnbd_customers(
    n: int, *, r: float, alpha: float, a: float, b: float, max_days: int = 730, seed: int = 0
) -> pd.DataFrame:
    """frequency, recency, T (weeks, day-granular like real summaries) drawn from the BG/NBD process.

    Each customer's first purchase is on a day 1..max_days before the end; lambda ~ Gamma(r, 1/alpha) per
    week; after each repeat purchase she drops out with p ~ Beta(a, b) (Fader, Hardie & Lee 2005, section 3).
    """
    rng = np.random.default_rng(seed)
    T = rng.integers(1, max_days + 1, n) / 7.0
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    arrivals = rng.poisson(lam * T)
    survive = rng.geometric(p)  # repeat purchases made before dropping out after the last of them
    x = np.minimum(arrivals, survive)
    # the x-th of `arrivals` uniform arrival times on (0, T]
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(arrivals - x + 1, 1)), 0.0)
    t_x = np.where(x > 0, np.clip(np.ceil(t_x * 7) / 7, 1 / 7, T), 0.0)
    return pd.DataFrame({"frequency": x.astype(float), "recency": t_x, "T": T})


def transactions(
    n_customers: int, *, per_customer: float = 10.0, days: int = 730, seed: int = 0
) -> pd.DataFrame:
    """A raw transaction log (customer_id, datetime, amount) of about n_customers * per_customer rows."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(per_customer - 1, n_customers) + 1
    ids = np.repeat(np.arange(n_customers, dtype=np.int64), counts)
    start = np.datetime64("2024-01-01T00:00:00")
    offsets = rng.integers(0, days * 86_400, ids.size).astype("timedelta64[s]")
    amount = np.round(rng.gamma(2.0, 25.0, ids.size), 2)
    return pd.DataFrame({"customer_id": ids, "datetime": start + offsets, "amount": amount})
