"""What the value API reads (a refit's settings) and answers (model runs, customers' stored values); the other
value answers are listed as not described yet in tests/web/test_openapi.py."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from tajriba.web.answers import Answer
from tajriba.web.params import Day


class ParameterRead(Answer):
    """A fitted parameter with its standard error and log-scale interval."""

    parameter: str
    estimate: float
    std_error: float | None
    ci_low: float | None
    ci_high: float | None


class ValueRunRead(Answer):
    """One refit: the purchase model (BG/NBD or Pareto/NBD) and the spend model (Gamma-Gamma), their
    parameters and log-likelihood, and the CLV settings used."""

    observation_end: date
    customers: int
    model: str
    transaction_model: list[ParameterRead]
    spend_model: list[ParameterRead]
    log_likelihood: float
    horizon_months: int
    discount_rate: float


class CustomerValueRead(Answer):
    """A customer's stored value: RFM summary, P(alive), expected purchases and spend, CLV with its interval,
    RFM score and segment."""

    customer_id: str
    computed_at: datetime
    observation_end: datetime
    model: str | None
    orders: int | None
    frequency: int | None
    recency_days: float | None
    age_days: float | None
    days_since_last: float | None
    total_spend: float | None
    mean_spend: float | None
    p_alive: float | None
    expected_purchases: float | None
    expected_spend: float | None
    clv: float | None
    clv_low: float | None
    clv_high: float | None
    rfm: str | None
    segment: str | None
    currency: str | None
    horizon_months: int | None
    discount_rate: float | None


class CustomerValuesRead(Answer):
    total: int
    customers: list[CustomerValueRead]


class ComputeIn(BaseModel):
    model: str = Field("bgnbd", description="bgnbd or pareto-nbd")
    horizon_months: int = Field(12, ge=1, le=600)
    discount_rate: float = Field(0.01, ge=0, lt=1, description="per month")
    observation_end: Day | None = None
