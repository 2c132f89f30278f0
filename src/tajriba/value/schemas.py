"""What the value API reads (a refit's settings) and answers: model runs, customers' stored values, the value
overview, order value, cohorts, segment movement, outcomes by experience and key drivers."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from tajriba.metrics.schemas import GroupDifference, GroupEstimate, OutcomeDifference, OutcomeRow
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


class EstimateRead(Answer):
    """An estimate with its interval over n observations (null when there are none)."""

    value: float | None
    low: float | None
    high: float | None
    n: int


class OrderValueGroup(Answer):
    """Average order value (t interval), items per order and repeat purchase rate (Wilson) of one group."""

    group: str | None
    orders: int
    customers: int
    aov: EstimateRead
    items_per_order: float | None
    repeat_rate: EstimateRead


class OrderValueRead(Answer):
    by: str | None
    groups: list[OrderValueGroup]


class HistogramBin(Answer):
    low: float
    high: float
    customers: int


class SegmentShare(Answer):
    segment: str
    customers: int
    share: float


class CallListEntry(Answer):
    """A valuable customer slipping away, to call first (those called in the last 30 days come last)."""

    customer_id: str
    segment: str | None
    orders: int | None
    total_spend: float | None
    days_since_last: float | None
    p_alive: float | None
    clv: float | None
    clv_low: float | None
    clv_high: float | None
    name: str | None
    phone: str | None
    called_at: datetime | None


class ValueOverviewRead(Answer):
    """What the value page shows; only `computed` (false) until values are computed."""

    computed: bool
    computed_at: datetime | None = None
    observation_end: date | None = None
    model: str | None = None
    currency: str | None = None
    customers: int | None = None
    clv_mean: EstimateRead | None = None
    clv_total: float | None = None
    clv_histogram: list[HistogramBin] | None = None
    expected_active: float | None = None
    segments: list[SegmentShare] | None = None
    call_list: list[CallListEntry] | None = None
    order_value: list[OrderValueGroup] | None = None


class CohortCell(Answer):
    """A first-purchase cohort at `period` months after it: customers buying, retention and revenue."""

    cohort: str
    period: int
    cohort_size: int
    customers: int
    retention: float | None
    revenue: float | None
    complete: bool
    cumulative_revenue: float | None


class NewVsReturning(Answer):
    month: str
    new_customers: int
    new_revenue: float
    returning_customers: int
    returning_revenue: float


class ProjectionPoint(Answer):
    period: int
    projected: float | None
    ci_low: float | None
    ci_high: float | None
    observed: float | None


class CohortProjection(Answer):
    """The shifted-beta-geometric retention curve fitted to one cohort, projected forward with its band."""

    cohort: str
    alpha: float
    beta: float
    points: list[ProjectionPoint]


class CohortsRead(Answer):
    calendar: str | None = None
    cohorts: list[CohortCell]
    new_vs_returning: list[NewVsReturning]
    projection: CohortProjection | None


class MovementRead(Answer):
    """RFM segments `days` ago (rows) against today (columns): matrix[i][j] customers moved from i to j."""

    days: int
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    segments: list[str]
    matrix: list[list[int]]


class ExperienceRead(Answer):
    """Spend, repeat purchase, churn risk and CLV by NPS group (promoters minus detractors), and repeat
    purchase after a late vs an on-time first delivery."""

    by_nps: list[OutcomeRow]
    differences: list[OutcomeDifference]
    delivery: list[GroupEstimate]
    delivery_difference: GroupDifference | None = None


class DriverRead(Answer):
    """A touchpoint's CSAT or CES as a driver of NPS: Shapley share of R² with a bootstrap interval, its
    standardized coefficient, performance (0-100) and quadrant."""

    driver: str
    importance: float
    ci_low: float | None
    ci_high: float | None
    share_of_r2: float | None
    standardized_coefficient: float | None
    performance: float
    quadrant: str
    metric: str
    touchpoint_id: int


class DriversRead(Answer):
    """The drivers, or none with `reason` (no_data, too_few_answers, or what the decomposition needs)."""

    drivers: list[DriverRead]
    r2: float | None = None
    n: int | None = None
    reason: str | None
