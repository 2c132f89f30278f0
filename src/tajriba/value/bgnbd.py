"""BG/NBD: the beta-geometric / negative binomial distribution model of repeat purchasing.

Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the Pareto/NBD model",
Marketing Science 24(2), 275-284, equations (6), (10) and (11). While alive a customer buys at rate
lambda ~ Gamma(r, alpha); after each purchase she drops out with probability p ~ Beta(a, b).

Numerics: the likelihood is evaluated in log space (log-sum-exp of its two terms); terms that depend only on
the number of repeat purchases are computed once per distinct count; the Gaussian hypergeometric function of
the conditional expectation is taken after Euler's transformation,
(1 - z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1 - z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z),
whose first two parameters do not grow with x, so heavy buyers do not overflow.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

from tajriba.value.fitting import as_array, weights_or_ones
from tajriba.value.purchases import PurchaseCountModel, check_rft

#: above this many customers a fit starts from a fit on a seeded subsample (same optimum, fewer passes)
WARM_START_ABOVE = 200_000
PILOT_SIZE = 100_000
#: a + b above which the dropout distribution is treated as its point-mass limit in predictions
HOMOGENEOUS_DROPOUT = 1e4


class BetaGeoModel(PurchaseCountModel):
    """BG/NBD model of purchase counts for non-contractual customers."""

    name: ClassVar[str] = "bgnbd"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    start: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0, 1.0)
    analytic_gradient: ClassVar[bool] = True

    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None) -> Self:
        """Estimate r, alpha, a, b by maximum likelihood; returns self."""
        x, t_x, age = check_rft(frequency, recency, T)
        w = weights_or_ones(weights, x.size)
        start = None
        if x.size > WARM_START_ABOVE:
            idx = np.random.default_rng(0).choice(x.size, min(PILOT_SIZE, x.size // 2), replace=False)
            pilot = BetaGeoModel()
            pilot._prepare(x[idx], t_x[idx], age[idx], w[idx])
            pilot.n_ = idx.size
            pilot._optimise()
            start = np.array([pilot.params_[n] for n in self.param_names])
        self._prepare(x, t_x, age, w)
        self.n_ = int(round(w.sum()))
        self._optimise(start)
        self._release()
        return self

    def _prepare(self, x: np.ndarray, t_x: np.ndarray, age: np.ndarray, w: np.ndarray) -> None:
        # x-only terms per distinct x; log(alpha + T) and log(alpha + t_x) per distinct time (summaries are
        # day-granular, so a few thousand values serve a million customers); one-time buyers reduce to
        # weighted counts per distinct T and cost nothing per evaluation
        self._ux, inverse = np.unique(x, return_inverse=True)
        self._uw = np.bincount(inverse, weights=w, minlength=self._ux.size)
        self._uT, t_index = np.unique(age, return_inverse=True)
        zero = x == 0
        self._zero_T = np.bincount(t_index[zero], weights=w[zero], minlength=self._uT.size)
        pos = ~zero
        self._xp, self._wp, self._Tp_idx = x[pos], w[pos], t_index[pos]
        self._utx, self._tx_idx = np.unique(t_x[pos], return_inverse=True)
        self._w_total = float(w.sum())
        self._w_x = float(w @ x)

    def _release(self) -> None:
        for attr in (
            "_ux",
            "_uw",
            "_uT",
            "_zero_T",
            "_xp",
            "_wp",
            "_Tp_idx",
            "_utx",
            "_tx_idx",
            "_w_total",
            "_w_x",
        ):
            delattr(self, attr)

    def _neg_log_likelihood(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = theta
        ux, uw = self._ux, self._uw
        xp, wp = self._xp, self._wp
        # terms that depend on x only
        per_x = (
            gammaln(r + ux)
            - gammaln(r)
            + r * np.log(alpha)
            + gammaln(a + b)
            + gammaln(b + ux)
            - gammaln(b)
            - gammaln(a + b + ux)
        )
        ll = float(uw @ per_x)
        l_uT = np.log(alpha + self._uT)
        inv_uT = 1.0 / (alpha + self._uT)
        # one-time buyers: -r log(alpha + T)
        ll -= r * float(self._zero_T @ l_uT)
        l_T = l_uT[self._Tp_idx]
        l_tx = np.log(alpha + self._utx)[self._tx_idx]
        rx = r + xp
        a3 = -rx * l_T
        a4 = np.log(a) - np.log(b + xp - 1) - rx * l_tx
        mix = np.logaddexp(a3, a4)
        w4 = np.exp(a4 - mix)
        ll += float(wp @ mix)
        # gradient
        ww4 = wp * w4
        d_r = float(uw @ (digamma(r + ux) - digamma(r) + np.log(alpha)))
        d_r -= float(self._zero_T @ l_uT) + float(wp @ l_T) - float(ww4 @ (l_T - l_tx))
        inv_T = inv_uT[self._Tp_idx]
        inv_tx = (1.0 / (alpha + self._utx))[self._tx_idx]
        d_alpha = self._w_total * r / alpha - r * float(self._zero_T @ inv_uT)
        d_alpha -= float((wp * rx) @ (inv_T + w4 * (inv_tx - inv_T)))
        d_a = float(uw @ (digamma(a + b) - digamma(a + b + ux))) + float(ww4.sum()) / a
        d_b = float(uw @ (digamma(a + b) + digamma(b + ux) - digamma(b) - digamma(a + b + ux)))
        d_b -= float(ww4 @ (1.0 / (b + xp - 1)))
        return -ll, -np.array([d_r, d_alpha, d_a, d_b])

    # -- predictions
    def _p(self, params: np.ndarray | None) -> tuple[float, float, float, float]:
        self._check_fitted()
        if params is None:
            return tuple(self.params_[n] for n in self.param_names)  # type: ignore[return-value]
        return tuple(map(float, params))  # type: ignore[return-value]

    def log_odds_dead(
        self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, params: np.ndarray | None = None
    ) -> np.ndarray:
        r, alpha, a, b = self._p(params)
        out = np.full(x.shape, -np.inf)
        pos = x > 0
        xp = x[pos]
        out[pos] = (
            np.log(a) - np.log(b + xp - 1) + (r + xp) * (np.log(alpha + T[pos]) - np.log(alpha + t_x[pos]))
        )
        return out

    def _if_alive(
        self, t: float, x: np.ndarray, age: np.ndarray, params: np.ndarray | None = None
    ) -> np.ndarray:
        """E[Y(t) | alive at T, x, T], from equation (10)."""
        r, alpha, a, b = self._p(params)
        if t == 0:
            return np.zeros(x.shape)
        if a + b > HOMOGENEOUS_DROPOUT:
            # Beta(a, b + x) has collapsed onto p = a / (a + b + x) (the fit found no heterogeneity in dropout,
            # a boundary solution); 2F1 with parameters this large is not computable, its limit is:
            # E[(1/p)(1 - ((alpha+T)/(alpha+T+p t))^(r+x))] at that p
            p = a / (a + b + x)
            return (1 - np.exp(-(r + x) * np.log1p(p * t / (alpha + age)))) / p
        z = t / (alpha + age + t)
        with np.errstate(invalid="ignore", over="ignore"):
            term = (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * (1 - term)

    def expected_purchases(self, t: Any, params: np.ndarray | None = None) -> np.ndarray:
        """E[X(t)] for a customer just acquired, equation (9)."""
        r, alpha, a, b = self._p(params)
        tt = as_array(t, "t")
        z = tt / (alpha + tt)
        # Euler's transformation again: (alpha/(alpha+t))^r 2F1(r, b; a+b-1; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b-1; z)
        return (a + b - 1) / (a - 1) * (1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z))
