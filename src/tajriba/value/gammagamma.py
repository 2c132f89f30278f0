"""Gamma-Gamma model of spend per transaction.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base analysis", Journal of
Marketing Research 42(4), 415-430, and Hardie's note 025 ("The Gamma-Gamma model of monetary value", 2013).
Each of a customer's x repeat transactions has value z ~ Gamma(p, nu), nu ~ Gamma(q, gamma) across customers;
the density of the mean zbar of x values is
    Gamma(px+q) / (Gamma(px) Gamma(q)) * gamma^q * zbar^(px-1) * x^(px) / (gamma + x zbar)^(px+q).
Only customers with at least one repeat transaction (x > 0) and zbar > 0 enter the fit. The model assumes
spend is independent of purchase frequency; `frequency_spend_correlation` reports the evidence.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
from scipy.special import digamma, gammaln

from tajriba.errors import Invalid
from tajriba.value.fitting import LikelihoodModel, as_array, same_length, weights_or_ones


def check_spend(frequency: Any, monetary_value: Any) -> tuple[np.ndarray, np.ndarray]:
    x = as_array(frequency, "frequency", integer=True)
    z = as_array(monetary_value, "monetary_value")
    same_length(frequency=x, monetary_value=z)
    bad = (x > 0) & (z <= 0)
    if bad.any():
        row = int(np.argmax(bad))
        raise Invalid(
            f"row {row + 1}: a repeat buyer needs a mean repeat spend > 0, got {z[row]:g}",
            field="monetary_value",
        )
    return x, z


class GammaGammaModel(LikelihoodModel):
    """Gamma-Gamma spend model."""

    name: ClassVar[str] = "gamma-gamma"
    param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")
    start: ClassVar[tuple[float, ...]] = (1.0, 1.0, 1.0)
    analytic_gradient: ClassVar[bool] = True

    def fit(self, frequency: Any, monetary_value: Any, weights: Any = None) -> Self:
        """Estimate p, q, gamma from repeat buyers' transaction counts and mean repeat spend; returns self."""
        x, z = check_spend(frequency, monetary_value)
        w = weights_or_ones(weights, x.size)
        keep = x > 0
        if not keep.any():
            raise Invalid(
                "no repeat buyers (frequency > 0): the spend model needs at least one", field="frequency"
            )
        self._data = (x[keep], z[keep], w[keep])
        self.n_ = int(round(w[keep].sum()))
        self.frequency_spend_correlation_ = (
            float(np.corrcoef(x[keep], z[keep])[0, 1]) if keep.sum() > 2 else float("nan")
        )
        # start at the method-of-moments scale so gamma is of the order of the spend
        mean_spend = float(np.average(z[keep], weights=w[keep]))
        self._optimise(np.array([1.0, 2.0, mean_spend]))
        del self._data
        return self

    def _neg_log_likelihood(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, g = theta
        x, z, w = self._data
        px = p * x
        lg_xz = np.log(g + x * z)
        ll = (
            gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + (px - 1) * np.log(z) + px * np.log(x)
        )
        ll -= (px + q) * lg_xz
        d_p = x * (digamma(px + q) - digamma(px) + np.log(z) + np.log(x) - lg_xz)
        d_q = digamma(px + q) - digamma(q) + np.log(g) - lg_xz
        d_g = q / g - (px + q) / (g + x * z)
        grad = np.array([w @ d_p, w @ d_q, w @ d_g])
        return -float(w @ ll), -grad

    def _params(self, params: np.ndarray | None) -> tuple[float, float, float]:
        self._check_fitted()
        if params is None:
            return self.params_["p"], self.params_["q"], self.params_["gamma"]
        return float(params[0]), float(params[1]), float(params[2])

    def mean_spend(self, params: np.ndarray | None = None) -> float:
        """Population mean spend per transaction, p gamma / (q - 1) (infinite when q <= 1)."""
        p, q, g = self._params(params)
        return p * g / (q - 1) if q > 1 else float("inf")

    def conditional_expected_average_profit(
        self, frequency: Any, monetary_value: Any, params: np.ndarray | None = None
    ) -> np.ndarray:
        """E[Z | x, zbar] = p (gamma + x zbar) / (p x + q - 1): the population mean shrunk towards zbar."""
        x, z = check_spend(frequency, monetary_value)
        return self._expected(x, z, params)

    def _expected(self, x: np.ndarray, z: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        p, q, g = self._params(params)
        return p * (g + x * z) / (p * x + q - 1)
