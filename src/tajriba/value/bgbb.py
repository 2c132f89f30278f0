"""BG/BB: beta-geometric / beta-Bernoulli model for discrete-time non-contractual settings.

Fader, Hardie & Shang (2010), "Customer-base analysis in a discrete-time noncontractual setting", Marketing
Science 29(6), 1086-1108, equations (5), (7), (9) and (13). At each of n transaction opportunities an alive
customer transacts with probability p ~ Beta(alpha, beta) and may die before the next with theta ~
Beta(gamma, delta). Input is (x = transactions, t_x = last transaction opportunity, n = opportunities), with
identical patterns collapsed into weights.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
from scipy.special import betaln, gammaln, logsumexp

from tajriba.errors import Invalid
from tajriba.value.fitting import LikelihoodModel, as_array, same_length, weights_or_ones


def check_bgbb(frequency: Any, recency: Any, periods: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = as_array(frequency, "frequency", integer=True)
    t_x = as_array(recency, "recency", integer=True)
    n = as_array(periods, "periods", integer=True)  # 0: just acquired
    same_length(frequency=x, recency=t_x, periods=n)
    for bad, message in (
        (x > t_x, "frequency cannot exceed recency (the last opportunity with a transaction)"),
        (t_x > n, "recency cannot exceed periods (the number of opportunities)"),
        ((x > 0) & (t_x == 0), "a customer with transactions has recency >= 1"),
    ):
        if bad.any():
            row = int(np.argmax(bad))
            raise Invalid(
                f"row {row + 1}: {message} (frequency={x[row]:g}, recency={t_x[row]:g}, periods={n[row]:g})",
                field="recency",
            )
    return x, t_x, n


class BetaGeoBetaBinomModel(LikelihoodModel):
    """BG/BB model."""

    name: ClassVar[str] = "bgbb"
    param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta", "gamma", "delta")
    start: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0, 1.0)

    def fit(self, frequency: Any, recency: Any, periods: Any, weights: Any = None) -> Self:
        """Estimate alpha, beta, gamma, delta; identical (x, t_x, n) patterns are collapsed first."""
        x, t_x, n = check_bgbb(frequency, recency, periods)
        w = weights_or_ones(weights, x.size)
        patterns, inverse = np.unique(np.stack([x, t_x, n], axis=1), axis=0, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=w, minlength=len(patterns))
        self._data = (patterns[:, 0], patterns[:, 1], patterns[:, 2], counts)
        self.n_ = int(round(w.sum()))
        self._optimise()
        del self._data
        return self

    def _neg_log_likelihood(self, theta: np.ndarray) -> tuple[float, None]:
        x, t_x, n, w = self._data
        return -float(w @ _log_likelihood(theta, x, t_x, n)), None

    def _params(self, params: np.ndarray | None) -> np.ndarray:
        self._check_fitted()
        return (
            np.array([self.params_[k] for k in self.param_names])
            if params is None
            else np.asarray(params, dtype=float)
        )

    def probability_alive(
        self, frequency: Any, recency: Any, periods: Any, params: np.ndarray | None = None
    ) -> np.ndarray:
        """P(alive at opportunity n + 1 | x, t_x, n), equation (11)."""
        x, t_x, n = check_bgbb(frequency, recency, periods)
        a, b, g, d = self._params(params)
        ll = _log_likelihood(np.array([a, b, g, d]), x, t_x, n)
        return np.exp(betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, d + n + 1) - betaln(g, d) - ll)

    def conditional_expected_purchases(
        self, horizon: int, frequency: Any, recency: Any, periods: Any, params: np.ndarray | None = None
    ) -> np.ndarray:
        """E[X(n, n + horizon) | x, t_x, n]: transactions in the next ``horizon`` opportunities, equation (13)."""
        x, t_x, n = check_bgbb(frequency, recency, periods)
        a, b, g, d = self._params(params)
        ll = _log_likelihood(np.array([a, b, g, d]), x, t_x, n)
        head = betaln(a + x + 1, b + n - x) - betaln(a, b) - ll
        scale = d / (g - 1) * np.exp(gammaln(g + d) - gammaln(1 + d))
        tail = np.exp(gammaln(1 + d + n) - gammaln(g + d + n)) - np.exp(
            gammaln(1 + d + n + horizon) - gammaln(g + d + n + horizon)
        )
        return np.exp(head) * scale * tail

    def expected_purchases(self, n: int, params: np.ndarray | None = None) -> float:
        """E[X(n)] for a customer at the start: expected transactions in the first n opportunities, equation (8)."""
        a, b, g, d = self._params(params)
        return float(
            a
            / (a + b)
            * d
            / (g - 1)
            * (1 - np.exp(gammaln(g + d) - gammaln(1 + d) + gammaln(1 + d + n) - gammaln(g + d + n)))
        )


def _log_likelihood(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, n: np.ndarray) -> np.ndarray:
    a, b, g, d = theta
    base_p, base_t = betaln(a, b), betaln(g, d)
    alive = betaln(a + x, b + n - x) - base_p + betaln(g, d + n) - base_t
    longest = int(np.max(n - t_x)) if x.size else 0
    i = np.arange(longest)[None, :]
    terms = (
        betaln(a + x[:, None], b + t_x[:, None] - x[:, None] + i)
        - base_p
        + betaln(g + 1, d + t_x[:, None] + i)
        - base_t
    )
    terms = np.where(i < (n - t_x)[:, None], terms, -np.inf)
    return logsumexp(np.concatenate([alive[:, None], terms], axis=1), axis=1)
