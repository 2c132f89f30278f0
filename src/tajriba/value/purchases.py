"""What the purchase-count models (BG/NBD, Pareto/NBD) share: input checks, P(alive), conditional
expectations split into "given alive" (a function of x and T only, evaluated once per distinct pair) times
P(alive)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from tajriba.errors import Invalid
from tajriba.value.fitting import LikelihoodModel, as_array, same_length


def check_rft(frequency: Any, recency: Any, T: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate frequency / recency / T arrays (repeat purchases, first-to-last time, age)."""
    x = as_array(frequency, "frequency", integer=True)
    t_x = as_array(recency, "recency")
    age = as_array(T, "T")
    same_length(frequency=x, recency=t_x, T=age)
    checks = (
        (
            t_x > age * (1 + 1e-9) + 1e-9,
            "recency (first to last purchase) cannot exceed T (first purchase to the end)",
        ),
        ((x == 0) & (t_x > 0), "a customer with frequency 0 has no repeat purchase, so recency must be 0"),
        (
            (x > 0) & (t_x == 0),
            "a customer with repeat purchases must have recency > 0 (same-day purchases collapse)",
        ),
        (age < 0, "T must be >= 0: the observation end cannot come before the first purchase"),
    )
    for bad, message in checks:
        if bad.any():
            row = int(np.argmax(bad))
            raise Invalid(
                f"row {row + 1}: {message} (frequency={x[row]:g}, recency={t_x[row]:g}, T={age[row]:g})",
                field="recency",
            )
    return x, t_x, age


class PurchaseCountModel(LikelihoodModel):
    """Base of BG/NBD and Pareto/NBD: subclasses give log_odds_dead and _if_alive."""

    def log_odds_dead(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, params: np.ndarray | None = None
    ) -> np.ndarray:
        """log(P(dead) / P(alive)) given x, t_x, T."""
        raise NotImplementedError

    def _if_alive(
        self, t: float, x: np.ndarray, age: np.ndarray, params: np.ndarray | None = None
    ) -> np.ndarray:
        """E[Y(t) | alive at T, x, T]."""
        raise NotImplementedError

    def probability_alive(
        self, frequency: Any, recency: Any, T: Any, params: np.ndarray | None = None
    ) -> np.ndarray:
        """P(alive | x, t_x, T)."""
        x, t_x, age = check_rft(frequency, recency, T)
        return expit(-self.log_odds_dead(x, t_x, age, params))

    def conditional_expected_purchases(
        self, t: float, frequency: Any, recency: Any, T: Any, params: np.ndarray | None = None
    ) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next t time units."""
        x, t_x, age = check_rft(frequency, recency, T)
        return self._conditional(float(t), x, t_x, age, params)

    def _conditional(
        self, t: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray, params: np.ndarray | None = None
    ) -> np.ndarray:
        if t < 0:
            raise Invalid("the horizon t must be >= 0", field="t")
        pairs = Pairs(x, age)
        alive = expit(-self.log_odds_dead(x, t_x, age, params))
        return pairs.spread(self._if_alive(t, pairs.x, pairs.T, params)) * alive


class Pairs:
    """Distinct (x, T) pairs of a customer base: the expectations given alive depend on nothing else, and
    day-granular summaries have far fewer distinct pairs than customers."""

    def __init__(self, x: np.ndarray, age: np.ndarray) -> None:
        if x.size < 5_000:
            self.x, self.T, self._inverse = x, age, None
            return
        # one sort on a combined key is much faster than np.unique(axis=0)
        key = np.round(age * 1e6).astype(np.int64) * 1_000_003 + x.astype(np.int64)
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        self.x, self.T, self._inverse = x[first], age[first], inverse.ravel()

    def spread(self, values: np.ndarray) -> np.ndarray:
        return values if self._inverse is None else values[self._inverse]
