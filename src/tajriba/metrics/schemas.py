"""What the metrics API reads from a request (the slice every metrics question shares) and what it answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query

from tajriba.metrics.scores import LEVEL, MIN_SAMPLE
from tajriba.web.answers import Answer
from tajriba.web.params import Day


@dataclass(frozen=True)
class Slice:
    """How to cut and estimate: by what, per which period and calendar, over which local days [start, end),
    at which confidence level, hiding estimates on fewer than min_n answers."""

    by: str | None
    period: str | None
    calendar: str
    week_start: str
    start: Any
    end: Any
    level: float
    min_n: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def slice_params(
    by: str | None = None,
    period: str | None = None,
    calendar: str = "gregorian",
    week_start: str = "monday",
    start: Day | None = None,
    end: Day | None = None,
    level: Annotated[float, Query(ge=0.5, lt=1)] = LEVEL,
    min_n: Annotated[int, Query(ge=1)] = MIN_SAMPLE,
) -> Slice:
    """The query parameters of every metrics and service-KPI question (an empty value means none)."""
    return Slice(by or None, period or None, calendar, week_start, start, end, level, min_n)


SliceDep = Annotated[Slice, Depends(slice_params)]


class MetricRow(Answer):
    """One slice (and period): n and the estimate with its interval; NPS adds its shares, CSAT its top-2-box
    and CES its share finding it easy, each with a Wilson interval. Below the minimum sample the figures are
    null and `suppressed` says why. Fields a metric does not have are left out."""

    group: str | None = None
    label: str | None = None
    period: str | None = None
    n: int
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    std_error: float | None = None
    promoters: float | None = None
    passives: float | None = None
    detractors: float | None = None
    top2_box: float | None = None
    top2_box_ci_low: float | None = None
    top2_box_ci_high: float | None = None
    easy: float | None = None
    easy_ci_low: float | None = None
    easy_ci_high: float | None = None
    suppressed: str | None = None


class MetricQueryRead(Answer):
    """What was asked: the metric (on its scale), the slice and period, the level and the minimum sample."""

    workspace: str
    metric: str
    scale: list[int]
    level: float
    by: str | None
    period: str | None
    calendar: str
    min_n: int


class MetricTable(MetricQueryRead):
    rows: list[MetricRow]


class Change(Answer):
    """After minus before, its interval and two-sided p-value."""

    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None


class CompareRow(Answer):
    group: str | None
    label: str | None
    before: MetricRow | None
    after: MetricRow | None
    change: Change | None
    suppressed: str | None = None


class CompareTable(Answer):
    workspace: str
    metric: str
    by: str | None
    before: list[date]
    after: list[date]
    rows: list[CompareRow]


class TrendLine(Answer):
    """The weighted straight line through the periods: slope per period with its interval and p-value, and
    the fitted value with its band at every period."""

    slope: float
    slope_ci_low: float
    slope_ci_high: float
    slope_std_error: float
    p_value: float | None
    dispersion: float
    fit: list[float]
    fit_low: list[float]
    fit_high: list[float]


class Trend(Answer):
    group: str | None
    label: str | None
    points: list[MetricRow]
    line: TrendLine | None
    direction: Literal["rising", "falling", "flat", "unknown"]


class TrendTable(MetricQueryRead):
    trends: list[Trend]


class ServiceTimes(Answer):
    """First-response times (minutes) and resolution times (hours) as median and p90 with order-statistic
    intervals, and the share within target with a Wilson interval among those whose outcome is known."""

    first_response_median: float | None = None
    first_response_median_ci_low: float | None = None
    first_response_median_ci_high: float | None = None
    first_response_p90: float | None = None
    first_response_p90_ci_low: float | None = None
    first_response_p90_ci_high: float | None = None
    first_response_n: int | None = None
    first_response_within_target: float | None = None
    first_response_within_target_ci_low: float | None = None
    first_response_within_target_ci_high: float | None = None
    first_response_decided: int | None = None
    resolution_median: float | None = None
    resolution_median_ci_low: float | None = None
    resolution_median_ci_high: float | None = None
    resolution_p90: float | None = None
    resolution_p90_ci_low: float | None = None
    resolution_p90_ci_high: float | None = None
    resolution_n: int | None = None
    resolution_within_target: float | None = None
    resolution_within_target_ci_low: float | None = None
    resolution_within_target_ci_high: float | None = None
    resolution_decided: int | None = None


class ServiceRow(ServiceTimes):
    """Tickets of one slice (and period): how many, complaints, still open, and their times (ServiceTimes).
    Suppressed below min_n."""

    group: str | None
    period: str | None = None
    n: int
    complaints: int
    open: int
    suppressed: str | None = None


class ServiceTargets(Answer):
    first_response_minutes: float
    resolution_hours: float


class ServiceTable(Answer):
    workspace: str
    by: str | None
    period: str | None
    calendar: str
    level: float
    targets: ServiceTargets
    units: dict[str, str]
    rows: list[ServiceRow]


class ResponseRateRow(Answer):
    """Invitations of one slice (and period) by status; the rate is completed over delivered with a Wilson
    interval, null (with `suppressed` saying why) below the minimum delivered."""

    group: str | None
    label: str | None
    period: str | None = None
    delivered: int
    completed: int
    skipped: int
    failed: int
    scheduled: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: str | None = None


class ResponseRateTable(Answer):
    workspace: str
    by: str | None
    period: str | None
    calendar: str
    level: float
    rows: list[ResponseRateRow]


class AgeBand(Answer):
    """Complaints aged from `from_days` up to `to_days` (open-ended when null)."""

    from_days: int
    to_days: int | None
    n: int


class PendingComplaint(Answer):
    ticket_id: str
    customer_id: str | None
    subject: str | None
    channel: str | None
    agent: str | None
    created_at: str
    age_days: float


class PendingComplaints(Answer):
    """Complaints open at `at`: how many, how many never answered, the median age, by age band, oldest first."""

    workspace: str
    at: str
    total: int
    unanswered: int
    median_age_days: float | None
    bands: list[AgeBand]
    oldest: list[PendingComplaint]


class BacklogRow(Answer):
    """One period: tickets created, resolved and open at its end (`end` is the day after it, local)."""

    period: str
    created: int
    resolved: int
    open_at_end: int
    end: str
    complete: bool


class Backlog(Answer):
    workspace: str
    period: str
    calendar: str
    rows: list[BacklogRow]


class GroupEstimate(Answer):
    """An outcome's estimate in one group (customers of an answer group, orders of a delivery experience)."""

    group: str
    n: int
    value: float | None
    ci_low: float | None
    ci_high: float | None


class GroupDifference(Answer):
    """First group minus second, its interval and two-sided p-value."""

    first: str
    second: str
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None


class OutcomeRow(GroupEstimate):
    """An outcome (repeat purchase, spend, churn) of the customers of one answer group, with its interval."""

    outcome: str


class OutcomeDifference(GroupDifference):
    """For one outcome: first group minus second."""

    outcome: str


class Outcomes(Answer):
    workspace: str
    metric: str
    groups: list[str]
    days: int
    churn_days: int
    currency: str
    answers: int
    followed: int
    rows: list[OutcomeRow]
    differences: list[OutcomeDifference]
