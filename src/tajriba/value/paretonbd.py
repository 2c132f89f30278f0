"""Pareto/NBD: purchases at rate lambda ~ Gamma(r, alpha) while alive, lifetimes exponential with mu ~ Gamma(s, beta).

Schmittlein, Morrison & Colombo (1987), Management Science 33(1); the likelihood as written by Fader, Hardie &
Lee (2005), "A note on deriving the Pareto/NBD model and related expressions" (equations 22-24) and the
conditional expectation of Schmittlein et al. (1987). Computed in log space; the difference of the two
hypergeometric terms of A0 is taken as log(p1/q1^k) + log1p(-(p2/q2^k) / (p1/q1^k)), which is >= 0 because
t_x <= T.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
from scipy.special import gammaln, hyp2f1

from tajriba.value.fitting import weights_or_ones
from tajriba.value.purchases import PurchaseCountModel, check_rft


class ParetoNBDModel(PurchaseCountModel):
    """Pareto/NBD model of purchase counts for non-contractual customers."""

    name: ClassVar[str] = "pareto-nbd"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    start: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0, 1.0)

    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None) -> Self:
        """Estimate r, alpha, s, beta by maximum likelihood; returns self."""
        x, t_x, age = check_rft(frequency, recency, T)
        w = weights_or_ones(weights, x.size)
        self._data = (x, t_x, age, w)
        self.n_ = int(round(w.sum()))
        self._optimise()
        del self._data
        return self

    def _neg_log_likelihood(self, theta: np.ndarray) -> tuple[float, None]:
        x, t_x, age, w = self._data
        ll = _log_likelihood(theta, x, t_x, age)
        return -float(w @ ll), None

    def _log_a0(self, theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
        return _log_a0(theta, x, t_x, age)

    def _params(self, params: np.ndarray | None) -> np.ndarray:
        self._check_fitted()
        return np.array([self.params_[n] for n in self.param_names]) if params is None else np.asarray(params)

    def log_odds_dead(
        self, x: np.ndarray, t_x: np.ndarray, age: np.ndarray, params: np.ndarray | None = None
    ) -> np.ndarray:
        theta = self._params(params)
        r, alpha, s, beta = theta
        return (
            np.log(s)
            - np.log(r + s + x)
            + (r + x) * np.log(alpha + age)
            + s * np.log(beta + age)
            + _log_a0(theta, x, t_x, age)
        )

    def _if_alive(
        self, t: float, x: np.ndarray, age: np.ndarray, params: np.ndarray | None = None
    ) -> np.ndarray:
        """E[Y(t) | alive at T, x, T]: depends on (x, T) only."""
        r, alpha, s, beta = self._params(params)
        if abs(s - 1) < 1e-9:
            return (r + x) * (beta + age) / (alpha + age) * np.log((beta + age + t) / (beta + age))
        span = 1 - ((beta + age) / (beta + age + t)) ** (s - 1)
        return (r + x) * (beta + age) / ((alpha + age) * (s - 1)) * span


def _log_a0(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    r, alpha, s, beta = theta
    k = r + s + x
    if alpha >= beta:
        big, second = alpha, s + 1
    else:
        big, second = beta, r + x
    gap = abs(alpha - beta)
    q1, q2 = big + t_x, big + age
    log_1 = _log_hyp(k, second, gap / q1) - k * np.log(q1)
    log_2 = _log_hyp(k, second, gap / q2) - k * np.log(q2)
    with np.errstate(divide="ignore"):
        return log_1 + np.log1p(-np.minimum(np.exp(log_2 - log_1), 1.0))


def _log_hyp(k: np.ndarray, second: Any, z: np.ndarray) -> np.ndarray:
    """log 2F1(k, second; k + 1; z) through Euler's transformation (1-z)^(1-second) 2F1(1, k+1-second; k+1; z),
    whose series has positive terms bounded by those of 1/(1-z): no overflow for heavy buyers."""
    return (1 - second) * np.log1p(-z) + np.log(hyp2f1(1.0, k + 1 - second, k + 1, z))


def _log_likelihood(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    r, alpha, s, beta = theta
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
    died = np.log(s) - np.log(r + s + x) + _log_a0(theta, x, t_x, age)
    return head + np.logaddexp(alive, died)
