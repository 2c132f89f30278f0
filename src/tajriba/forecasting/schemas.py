"""The questions and answers of `/api/v1/forecasts` and `/api/v1/staffing`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tajriba.i18n import N_
from tajriba.web.answers import Answer

EVENT_LABELS = {  # the calendar's events shown ahead of a forecast, in calendar_features' column names
    "ramadan": N_("Ramadan begins"),
    "ramadan_last_ten": N_("The last ten nights of Ramadan"),
    "eid_al_fitr": N_("Eid al-Fitr"),
    "eid_al_adha": N_("Eid al-Adha"),
    "public_holiday": N_("Public holiday"),
    "white_friday": N_("White Friday"),
    "singles_day": N_("11.11 sale"),
    "salary_day": N_("Salary days"),
    "nowruz": N_("Nowruz"),
    "yalda": N_("Yalda night"),
}
MODEL_LABELS = {
    "seasonal_naive": N_("Seasonal naive"),
    "seasonal_naive_week": N_("Same interval a week ago"),
    "ets": N_("Exponential smoothing"),
    "calendar": N_("Calendar regression (Hijri events)"),
    "profile_ets": N_("Smoothed day total x day shape"),
    "profile_calendar": N_("Calendar day total x day shape"),
}
SOURCE_LABELS = {
    "contacts": N_("Contact centre history"),
    "tickets": N_("Tickets"),
    "orders": N_("Orders"),
    "responses": N_("Survey responses"),
    "events": N_("Tracked events"),
    "cases": N_("Cases"),
    "origin": N_("Origin"),
    "team": N_("Team"),
    "channel": N_("Channel"),
    "event": N_("Event"),
}

MAX_POINTS = 500_000  # rows in one forecast question (a year of 15-minute intervals for fourteen teams)


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")
    series: str = Field(
        "", max_length=200, description="The series (team, channel...); empty for one series."
    )
    ds: str = Field(max_length=40, description="The day or the interval's start (ISO 8601).")
    y: float = Field(ge=0, description="The count.")


class ForecastAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    points: list[Point] = Field(min_length=1, max_length=MAX_POINTS)
    horizon: int = Field(ge=1, le=366 * 96, description="Steps ahead: days, or intervals of freq.")
    freq: Literal["D", "5min", "10min", "15min", "30min", "60min", "1h"] = "D"
    country: str = Field(
        "SA", min_length=2, max_length=2, description="Calendar and holidays: SA, AE, EG, IR..."
    )
    levels: list[int] = Field(default=[80, 95], min_length=1, max_length=4)
    backtest: int = Field(
        3, ge=0, le=60, description="Rolling-origin windows that choose each series' model."
    )


class ForecastRow(Answer):
    series: str
    ds: str
    model: str
    closed: bool
    mean: float
    bounds: dict[str, float] = Field(description="lo_80, hi_80, lo_95, hi_95... per level asked.")


class BacktestRow(Answer):
    series: str
    model: str
    chosen: bool
    mase: float | None
    smape: float | None
    mase_event_days: float | None
    mase_ordinary_days: float | None
    days: int
    event_days: int
    coverage: dict[str, float | None] = Field(description="Share of actuals inside each level's interval.")


class ForecastRead(Answer):
    freq: str
    horizon: int
    levels: list[int]
    forecast: list[ForecastRow]
    backtest: list[BacktestRow]
    note: str | None = Field(None, description="Why there is no forecast yet (too little history).")


class StaffingAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contacts: float = Field(ge=0, le=1e7)
    interval_seconds: float = Field(gt=0, le=86_400)
    aht_seconds: float = Field(gt=0, le=86_400)
    target_level: float = Field(0.8, gt=0, lt=1)
    target_seconds: float = Field(20, ge=0, le=86_400)
    target_asa: float | None = Field(None, gt=0)
    max_occupancy: float | None = Field(None, gt=0, le=1)
    shrinkage: float = Field(0.0, ge=0, lt=1)
    patience_seconds: float | None = Field(None, gt=0, description="Given: Erlang A (callers hang up).")


class Staffed(Answer):
    agents: int
    p_wait: float
    service_level: float
    average_speed_of_answer: float | None
    occupancy: float
    p_abandon: float | None


class StaffingRead(Answer):
    model: Literal["erlang_c", "erlang_a"]
    erlangs: float
    agents: int
    scheduled: int
    rows: list[Staffed]


class TeamIn(BaseModel):
    """A team as its tickets name it, what it promises and how long a contact takes."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    channel: Literal["voice", "chat", "email"] = "voice"
    aht_seconds: float = Field(300, gt=0, le=86_400)
    target_level: float = Field(0.8, gt=0, lt=1)
    target_seconds: float = Field(20, ge=0, le=7 * 86_400)
    shrinkage: float = Field(0.3, ge=0, lt=1)
    patience_seconds: float | None = Field(None, gt=0, le=86_400)
    concurrency: int = Field(1, ge=1, le=10, description="Chats one agent holds at once.")
    max_occupancy: float | None = Field(None, gt=0, le=1)
    interval_minutes: Literal[15, 30, 60] = 30
    quantile: Literal[50, 80, 95] = Field(80, description="Staff to this forecast bound (50: the mean).")


class TeamRead(TeamIn):
    model_config = ConfigDict(extra="forbid", from_attributes=True)
    id: int


class TeamsRead(Answer):
    teams: list[TeamRead]


class Shift(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team: str = Field(max_length=200)
    start: str = Field(max_length=40, description="The interval's local start, e.g. 2026-12-06T09:00.")
    people: int = Field(ge=0, le=100_000)


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shifts: list[Shift] = Field(min_length=1, max_length=200_000)


class ScheduleRead(Answer):
    stored: dict[str, int] = Field(description="Intervals stored per team.")


class PlanInterval(Answer):
    start: str
    closed: bool
    contacts: float
    contacts_staffed: float
    scheduled: int | None
    agents: int
    needed: int
    gap: int | None
    service_level: float | None
    p_abandon: float | None


class PlanDay(Answer):
    day: str
    closed: bool
    contacts: float
    needed: int
    scheduled: int | None
    short_intervals: int
    service_level: float | None


class PlanRead(Answer):
    team: str
    source: str | None = Field(None, description="contacts (the contact centre's history) or tickets.")
    interval_minutes: int
    quantile: int
    model: str | None
    backtest: dict[str, dict[str, float | int | None]]
    rows: list[PlanInterval]
    days: list[PlanDay]
    scheduled_known: bool
    first_day: str | None = None
    slow_answers: dict[str, object]
    note: str | None = Field(None, description="Why there is no plan yet (too little history).")


class CalendarIn(BaseModel):
    """The workspace's forecasting calendar: its country, and the days a moon sighting moved Ramadan or an
    Eid to ({"eid_al_fitr:1447": "2026-03-21"})."""

    model_config = ConfigDict(extra="forbid")
    country: str = Field("SA", min_length=2, max_length=2)
    overrides: dict[str, str] = Field(default_factory=dict, max_length=60)


class CalendarRead(CalendarIn):
    model_config = ConfigDict(extra="forbid")


class ContactInterval(BaseModel):
    """One interval of a contact centre's history, as its ACD or chat platform exports it."""

    model_config = ConfigDict(extra="forbid")
    team: str = Field(min_length=1, max_length=200)
    channel: str = Field("", max_length=200)
    start: str = Field(max_length=40, description="The interval's local start, e.g. 2026-03-01T09:30.")
    minutes: Literal[5, 10, 15, 30, 60] = 30
    offered: int = Field(ge=0, le=10**9)
    answered: int | None = Field(None, ge=0, le=10**9)
    abandoned: int | None = Field(None, ge=0, le=10**9)
    answered_within: int | None = Field(None, ge=0, le=10**9)
    handle_seconds: float | None = Field(None, ge=0, le=86_400)
    wait_seconds: float | None = Field(None, ge=0, le=86_400)
    csat: float | None = Field(None, ge=0, le=10)
    csat_n: int | None = Field(None, ge=0, le=10**9)


class ContactsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    intervals: list[ContactInterval] = Field(min_length=1, max_length=200_000)


class ContactsRead(Answer):
    stored: int
