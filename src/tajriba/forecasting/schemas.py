"""The questions and answers of `/api/v1/forecasts` and `/api/v1/staffing`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tajriba.web.answers import Answer

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
