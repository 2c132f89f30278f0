"""Customer lifetime value, churn risk and its calibration on a holdout period.

Discounted CLV over H months (Fader, Hardie & Lee 2005, "RFM and CLV", section 4; the monthly-sum form used
by lifetimes' `customer_lifetime_value`):
    CLV_i = sum_{m=1..H} E[spend_i] * (E[Y_i(m)] - E[Y_i(m - 1)]) / (1 + d)^m
with E[Y_i(t)] the conditional expected purchases of the transaction model, E[spend_i] the Gamma-Gamma
conditional expected spend and d the monthly discount rate. Interval: delta method on the log parameters of
both models (their estimates treated as independent), per customer.

Churn risk for non-contractual customers = 1 - P(alive). It is checked on a holdout period through what it
implies and what can be observed: P(no purchase in the next t) = P(dead) + P(alive) ((alpha+T)/(alpha+T+t))^(r+x)
for BG/NBD (a purchase needs the customer alive; lambda | alive ~ Gamma(r + x, alpha + T)).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from tajriba.errors import Invalid
from tajriba.value.bgnbd import BetaGeoModel
from tajriba.value.fitting import one_blas_thread
from tajriba.value.gammagamma import GammaGammaModel
from tajriba.value.paretonbd import ParetoNBDModel
from tajriba.value.purchases import Pairs, check_rft
from tajriba.value.summary import UNITS, unit_days

TransactionModel = BetaGeoModel | ParetoNBDModel


@dataclass(frozen=True)
class ClvSettings:
    horizon_months: int = 12
    #: per month; 0.01 a month is about 12.7 % a year
    discount_rate: float = 0.01
    unit: str = "week"

    def check(self) -> None:
        if not 1 <= self.horizon_months <= 600:
            raise Invalid("horizon_months must be between 1 and 600", field="horizon_months")
        if not 0 <= self.discount_rate < 1:
            raise Invalid(
                "discount_rate is per month and must be in [0, 1), e.g. 0.01", field="discount_rate"
            )
        unit_days(self.unit)


def _theta(model: Any) -> np.ndarray:
    return np.array([model.params_[n] for n in model.param_names])


def _clv_at(
    tm: TransactionModel,
    sm: GammaGammaModel,
    x: np.ndarray,
    t_x: np.ndarray,
    age: np.ndarray,
    z: np.ndarray,
    settings: ClvSettings,
    tm_params: np.ndarray | None = None,
    sm_params: np.ndarray | None = None,
) -> np.ndarray:
    month = UNITS["month"] / UNITS[settings.unit]
    spend = sm._expected(x, z, sm_params)
    pairs = Pairs(x, age)
    total = np.zeros(pairs.x.shape)
    previous = np.zeros(pairs.x.shape)
    for m in range(1, settings.horizon_months + 1):
        current = tm._if_alive(m * month, pairs.x, pairs.T, tm_params)
        total += (current - previous) / (1 + settings.discount_rate) ** m
        previous = current
    alive = expit(-tm.log_odds_dead(x, t_x, age, tm_params))
    return spend * alive * pairs.spread(total)


def customer_lifetime_value(
    transaction_model: TransactionModel,
    spend_model: GammaGammaModel,
    frequency: Any,
    recency: Any,
    T: Any,
    monetary_value: Any,
    *,
    settings: ClvSettings | None = None,
    interval: bool = False,
) -> pd.DataFrame:
    """Discounted CLV per customer (columns clv, and clv_low / clv_high when interval=True)."""
    settings = settings or ClvSettings()
    settings.check()
    x, t_x, age = check_rft(frequency, recency, T)
    z = np.asarray(monetary_value, dtype=float)
    if z.shape != x.shape or (~np.isfinite(z)).any() or (z < 0).any():
        raise Invalid("monetary_value must be one number >= 0 per customer", field="monetary_value")
    with one_blas_thread(), np.errstate(divide="ignore", over="ignore"):
        clv = _clv_at(transaction_model, spend_model, x, t_x, age, z, settings)
        out = pd.DataFrame({"clv": clv})
        if interval:
            var = np.zeros(x.shape)
            for model, other in ((transaction_model, "tm"), (spend_model, "sm")):
                theta = _theta(model)
                grads = []
                for i in range(theta.size):
                    bumped = theta.copy()
                    bumped[i] *= np.exp(1e-4)
                    kw = {"tm_params": bumped} if other == "tm" else {"sm_params": bumped}
                    grads.append(
                        (_clv_at(transaction_model, spend_model, x, t_x, age, z, settings, **kw) - clv) / 1e-4
                    )
                g = np.stack(grads, axis=1)
                jac = np.diag(theta)
                cov_log = np.linalg.inv(jac) @ model.covariance_ @ np.linalg.inv(jac)
                # a parameter at the edge of its space (heterogeneity vanishing) has no standard error;
                # the interval then reflects the other parameters' uncertainty (docs/value.md)
                unknown = ~np.isfinite(np.diag(cov_log))
                cov_log[unknown, :] = 0.0
                cov_log[:, unknown] = 0.0
                cov_log = np.nan_to_num(cov_log)
                var += np.einsum("ni,ij,nj->n", g, cov_log, g)
            half = float(stats.norm.ppf(0.5 + transaction_model.level / 2)) * np.sqrt(np.maximum(var, 0))
            out["clv_low"] = np.maximum(clv - half, 0.0)
            out["clv_high"] = clv + half
    return out


def churn_risk(model: TransactionModel, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """1 - P(alive): the chance the customer has already lapsed, given the purchases seen."""
    return 1.0 - model.probability_alive(frequency, recency, T)


def probability_of_purchase(
    model: BetaGeoModel, t: float, frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """P(at least one purchase in the next t time units | x, t_x, T) under BG/NBD."""
    x, t_x, age = check_rft(frequency, recency, T)
    r, alpha = model.params_["r"], model.params_["alpha"]
    alive = expit(-model.log_odds_dead(x, t_x, age))
    quiet = np.exp((r + x) * (np.log(alpha + age) - np.log(alpha + age + t)))
    return alive * (1 - quiet)


def calibration_table(predicted: np.ndarray, observed: np.ndarray, *, bins: int = 10) -> pd.DataFrame:
    """Predicted vs observed share by bins of the prediction (equal-count bins), with Wilson intervals."""
    from tajriba.metrics.service import wilson

    predicted = np.asarray(predicted, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if predicted.size == 0:
        raise Invalid("no customers to check calibration on", field="predicted")
    order = np.argsort(predicted, kind="stable")
    rows = []
    for chunk in np.array_split(order, min(bins, predicted.size)):
        if chunk.size == 0:
            continue
        hits = int(observed[chunk].sum())
        est = wilson(hits, int(chunk.size))
        rows.append(
            {
                "n": int(chunk.size),
                "predicted": float(predicted[chunk].mean()),
                "observed": hits / chunk.size,
                "ci_low": est.low,
                "ci_high": est.high,
            }
        )
    return pd.DataFrame(rows)


def brier_score(predicted: np.ndarray, observed: np.ndarray) -> float:
    p = np.asarray(predicted, dtype=float)
    return float(np.mean((p - np.asarray(observed, dtype=float)) ** 2))
