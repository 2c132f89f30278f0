"""Goals in and out: the answer models of `/api/v1/goals`, and the names people see of metrics, statuses and
scopes (pages, reports, exports)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tajriba.i18n import N_
from tajriba.web.answers import Answer

METRIC_LABELS = {
    "nps": N_("NPS"),
    "csat": N_("CSAT (mean, 1-5)"),
    "csat_top2": N_("CSAT top-2-box (%%)"),
    "ces": N_("Customer effort (mean, 1-7)"),
    "ces_easy": N_("Customers finding it easy (%%)"),
    "first_response_median": N_("Median first response (minutes)"),
    "resolution_median": N_("Median resolution time (hours)"),
    "first_response_within": N_("First responses within target (%%)"),
    "resolution_within": N_("Resolutions within target (%%)"),
    "response_rate": N_("Survey response rate (%%)"),
}
STATUS_LABELS = {
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "off_track": N_("Off track"),
    "uncertain": N_("Too early to tell"),
    "achieved": N_("Achieved"),
    "missed": N_("Missed"),
    "no_data": N_("Not enough data"),
}
STATUS_REASONS = {
    "on_track": N_("The projection at the due date meets the target."),
    "at_risk": N_("The projection misses the target, but its 95%% interval reaches it."),
    "off_track": N_("Even the favourable end of the projection's 95%% interval misses the target."),
    "uncertain": N_(
        "Not enough data to project to the due date: the projection's 95%% interval spans most of the possible values."
    ),
    "achieved": N_("The due date has passed and the target was met."),
    "missed": N_("The due date has passed and the target was not met."),
    "no_data": N_("Fewer than 10 answers in the last 28 days: no status yet."),
}
SCOPE_LABELS = {
    "company": N_("Whole company"),
    "journey": N_("Journey"),
    "stage": N_("Stage"),
    "touchpoint": N_("Touchpoint"),
    "persona": N_("Persona"),
}


class Reading(Answer):
    """A measure over a window or a week, with its interval (None below the minimum sample)."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    std_error: float | None
    n: int


class CurrentReading(Reading):
    """The last 28 days (to the last day with data)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date = Field(alias="from")
    to: date


class WeekReading(Reading):
    period: str
    position: float


class Projection(Answer):
    """Where the measure will be at the due date: the weekly trend line's value and band, or (too few weeks)
    the current value; `informative` says whether the band is narrow enough to say anything."""

    value: float | None
    low: float | None
    high: float | None
    slope_per_week: float | None = None
    method: Literal["trend", "current"]
    informative: bool


class GoalRead(Answer):
    """A goal measured: current value and baseline, progress, weekly series, projection and status."""

    id: int
    name: str
    feeling: str | None
    metric: str
    scope: str
    scope_id: int | None
    target: float
    start_date: date
    due_date: date
    owner_id: int | None
    higher_is_better: bool
    percent: bool
    as_of: date
    current: CurrentReading
    baseline: Reading | None
    progress: float | None
    series: list[WeekReading]
    projection: Projection | None
    status: str
    status_reason: str
    scope_name: str | None
    owner_name: str | None


class GoalsRead(Answer):
    workspace: str
    goals: list[GoalRead]
    counts: dict[str, int]


class GoalCreate(BaseModel):
    """A new goal, or the whole of a goal's new settings (PUT)."""

    name: str = Field(min_length=1, max_length=200)
    feeling: str | None = Field(default=None, max_length=2000)
    metric: str
    scope: str = "company"
    scope_id: int | None = None
    target: float
    start_date: date
    due_date: date
    owner_id: int | None = None

    @field_validator("metric")
    @classmethod
    def _metric(cls, v: str) -> str:
        if v not in METRIC_LABELS:
            raise ValueError(f"metric must be one of {', '.join(METRIC_LABELS)}")
        return v

    @field_validator("scope")
    @classmethod
    def _scope(cls, v: str) -> str:
        if v not in SCOPE_LABELS:
            raise ValueError(f"scope must be one of {', '.join(SCOPE_LABELS)}")
        return v
