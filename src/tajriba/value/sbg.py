"""Shifted-beta-geometric (sBG) model of retention in a contractual setting.

Fader & Hardie (2007), "How to project customer retention", Journal of Interactive Marketing 21(1), 76-90:
each customer renews with churn probability theta ~ Beta(alpha, beta) per period, so
    P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta),  S(t) = B(alpha, beta + t) / B(alpha, beta).
Discounted expected residual lifetime of a customer who has renewed n times, Fader & Hardie (2010),
"Customer-base valuation in a contractual setting", Marketing Science 29(1), equation (6):
    DERL(d | n) = (beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1; 1 / (1 + d)).
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
from scipy.special import betaln, hyp2f1

from tajriba.errors import Invalid
from tajriba.value.fitting import LikelihoodModel, as_array, same_length, weights_or_ones


def survival_to_durations(survivors: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts alive at periods 0..k -> (period, churned?, count) rows for the likelihood."""
    s = as_array(survivors, "survivors")
    if s.size < 2:
        raise Invalid("survivors needs the cohort size and at least one later period", field="survivors")
    if s[0] <= 0:
        raise Invalid("the cohort is empty: survivors[0] must be > 0", field="survivors")
    drops = -np.diff(s)
    if (drops < 0).any():
        row = int(np.argmax(drops < 0)) + 1
        raise Invalid(
            f"period {row}: survivors cannot increase ({s[row - 1]:g} -> {s[row]:g})", field="survivors"
        )
    k = s.size - 1
    periods = np.concatenate([np.arange(1, k + 1, dtype=float), [float(k)]])
    churned = np.concatenate([np.ones(k, dtype=bool), [False]])
    return periods, churned, np.concatenate([drops, [s[-1]]])


class ShiftedBetaGeoModel(LikelihoodModel):
    """sBG retention model; fit on individual durations or on a cohort's survivor counts."""

    name: ClassVar[str] = "sbg"
    param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta")
    start: ClassVar[tuple[float, ...]] = (1.0, 1.0)

    def fit(self, recency: Any, T: Any, weights: Any = None) -> Self:
        """Fit on customers: churned in period ``recency`` when recency < T, still active after T - 1 renewals
        when recency == T (the layout of Fader & Hardie's data and of `sbg_paper_individual.csv`)."""
        rec = as_array(recency, "recency", integer=True, minimum=1)
        age = as_array(T, "T", integer=True, minimum=1)
        same_length(recency=rec, T=age)
        bad = rec > age
        if bad.any():
            row = int(np.argmax(bad))
            raise Invalid(f"row {row + 1}: recency {rec[row]:g} exceeds T {age[row]:g}", field="recency")
        churned = rec < age
        periods = np.where(churned, rec, age - 1)
        return self._fit(periods, churned, weights_or_ones(weights, rec.size))

    def fit_survival(self, survivors: Any) -> Self:
        """Fit on a cohort's survivor counts: survivors[0] acquired, survivors[t] still active at period t."""
        periods, churned, counts = survival_to_durations(survivors)
        return self._fit(periods, churned, counts)

    def _fit(self, periods: np.ndarray, churned: np.ndarray, weights: np.ndarray) -> Self:
        self._data = (periods, churned, weights)
        self.n_ = int(round(weights.sum()))
        self._optimise()
        del self._data
        return self

    def _neg_log_likelihood(self, theta: np.ndarray) -> tuple[float, None]:
        a, b = theta
        periods, churned, w = self._data
        base = betaln(a, b)
        ll = np.where(churned, betaln(a + 1, b + periods - 1), betaln(a, b + periods)) - base
        return -float(w @ ll), None

    def _params(self, params: np.ndarray | None) -> tuple[float, float]:
        self._check_fitted()
        if params is None:
            return self.params_["alpha"], self.params_["beta"]
        return float(params[0]), float(params[1])

    def survival(self, t: Any, params: np.ndarray | None = None) -> np.ndarray:
        """S(t): share of the cohort still active after t periods."""
        a, b = self._params(params)
        tt = as_array(t, "t")
        return np.exp(betaln(a, b + tt) - betaln(a, b))

    def retention_rate(self, t: Any, params: np.ndarray | None = None) -> np.ndarray:
        """r(t) = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1): rises with t as churners leave."""
        a, b = self._params(params)
        tt = as_array(t, "t", minimum=1)
        return (b + tt - 1) / (a + b + tt - 1)

    def discounted_expected_residual_lifetime(
        self, renewals: float, discount_rate: float, params: np.ndarray | None = None
    ) -> float:
        """DERL for a customer who has renewed ``renewals`` times, at ``discount_rate`` per period."""
        if discount_rate < 0:
            raise Invalid("discount_rate must be >= 0", field="discount_rate")
        if renewals < 0:
            raise Invalid("renewals must be >= 0", field="renewals")
        a, b = self._params(params)
        n = renewals + 1
        return float((b + n - 1) / (a + b + n - 1) * hyp2f1(1, b + n, a + b + n, 1 / (1 + discount_rate)))

    def survival_interval(self, t: Any, *, draws: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Interval of S(t) from the parameters' sampling distribution."""
        lo_q, hi_q = (1 - self.level) / 2, (1 + self.level) / 2
        sample = self.parameter_draws(draws, seed=seed)
        a, b = sample[:, :1], sample[:, 1:]
        tt = as_array(t, "t")[None, :]
        sims = np.exp(betaln(a, b + tt) - betaln(a, b))
        return np.quantile(sims, lo_q, axis=0), np.quantile(sims, hi_q, axis=0)
