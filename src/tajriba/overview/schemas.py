"""What the overview API answers: the workspace's headline numbers."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class WeekRead(BaseModel):
    week: date
    events: int


class LanguageCount(BaseModel):
    language: str | None
    n: int


class OverviewRead(BaseModel):
    """Headline numbers: customers, events, orders and revenue (a decimal string), NPS/CSAT/CES as the metrics
    module computes them with their answer counts, feedback, tickets and service times, weekly events."""

    workspace: str
    customers: int
    events: int
    first_event: datetime | None
    last_event: datetime | None
    orders: int
    revenue: str
    average_order_value: str | None
    responses: int
    nps: float | None
    nps_n: int
    csat: float | None
    csat_n: int
    ces: float | None
    ces_n: int
    feedback: int
    tickets: int
    open_tickets: int
    median_first_response_min: float | None
    median_resolution_h: float | None
    weekly: list[WeekRead]
    feedback_languages: list[LanguageCount]


class StatsRead(BaseModel):
    """Rows per warehouse table of the workspace."""

    workspace: str
    tables: dict[str, int]
