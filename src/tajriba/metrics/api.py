"""`GET /api/v1/metrics` and `GET /api/v1/metrics/compare`: the metrics module over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from tajriba.errors import Invalid
from tajriba.metrics import outcomes, service, tickets
from tajriba.metrics import response_rate as rates
from tajriba.metrics.schemas import (
    Backlog,
    CompareTable,
    MetricTable,
    Outcomes,
    PendingComplaints,
    ResponseRateTable,
    ServiceTable,
    ServiceTargets,
    SliceDep,
    TrendTable,
)
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep
from tajriba.web.params import Day

router = APIRouter(prefix="/api/v1", tags=["metrics"])
Read = Annotated[Context, Depends(RequireKey("metrics:read"))]


def query_from(
    metric: str,
    shared: SliceDep,
    touchpoint: int | None = None,
    stage: int | None = None,
    journey: int | None = None,
    survey: int | None = None,
    channel: str | None = None,
    language: str | None = None,
) -> service.Query:
    """`start` and `end` are local days, `end` excluded."""
    q = service.Query(
        metric=metric,
        **shared.as_dict(),
        touchpoint_id=touchpoint,
        stage_id=stage,
        journey_id=journey,
        survey_id=survey,
        channel=channel or None,
        language=language or None,
    )
    q.check()
    return q


QueryDep = Annotated[service.Query, Depends(query_from)]


@router.get("/metrics", response_model_exclude_unset=True)
def metrics(db: DB, wh: WarehouseDep, ctx: Read, q: QueryDep) -> MetricTable:
    """NPS, CSAT or CES per slice (touchpoint, stage, journey, channel, language, survey, agent, persona,
    segment) and period (day, week, month, quarter, year; Gregorian, Hijri or Jalali), with intervals."""
    return MetricTable.model_validate(
        {"workspace": ctx.workspace.slug, **service.metric_table(db, wh, ctx.workspace, q)}
    )


@router.get("/metrics/compare", response_model_exclude_unset=True)
def compare(
    db: DB,
    wh: WarehouseDep,
    ctx: Read,
    q: QueryDep,
    before_start: dt.date,
    before_end: dt.date,
    after_start: dt.date,
    after_end: dt.date,
) -> CompareTable:
    """The change between two periods per slice, with its interval and a two-sided p-value."""
    for name, (a, b) in {
        "before_start": (before_start, before_end),
        "after_start": (after_start, after_end),
    }.items():
        if a >= b:
            raise Invalid("each period's start must be before its end", field=name)
    result = service.compare(db, wh, ctx.workspace, q, (before_start, before_end), (after_start, after_end))
    return CompareTable.model_validate({"workspace": ctx.workspace.slug, **result})


@router.get("/metrics/trend", response_model_exclude_unset=True)
def trend(db: DB, wh: WarehouseDep, ctx: Read, q: QueryDep) -> TrendTable:
    """Per slice: the metric per period with its interval (the band) and a weighted straight line through
    the periods (slope per period, its interval and p-value; direction rising, falling or flat)."""
    return TrendTable.model_validate(
        {"workspace": ctx.workspace.slug, **service.trend_table(db, wh, ctx.workspace, q)}
    )


@router.get("/metrics/response-rate", response_model_exclude_unset=True)
def response_rate(
    db: DB,
    ctx: Read,
    by: str | None = None,
    period: str | None = None,
    calendar: str = "gregorian",
    week_start: str = "monday",
    survey: int | None = None,
    start: Day | None = None,
    end: Day | None = None,
    level: Annotated[float, Query(ge=0.5, lt=1)] = 0.95,
    min_n: Annotated[int, Query(ge=1)] = service.scores.MIN_SAMPLE,
) -> ResponseRateTable:
    """Invitations completed over invitations delivered (Wilson interval), per survey, channel or language."""
    result = rates.response_rate(
        db,
        ctx.workspace,
        by=by or None,
        period=period or None,
        calendar=calendar,
        week_start=week_start,
        survey_id=survey,
        start=start,
        end=end,
        level=level,
        min_n=min_n,
    )
    return ResponseRateTable.model_validate({"workspace": ctx.workspace.slug, **result})


def ticket_query(
    shared: SliceDep,
    channel: str | None = None,
    agent: str | None = None,
    touchpoint: int | None = None,
    complaints: bool = False,
) -> tickets.TicketQuery:
    """`start` and `end` are local days of creation, `end` excluded."""
    q = tickets.TicketQuery(
        **shared.as_dict(),
        channel=channel or None,
        agent=agent or None,
        touchpoint_id=touchpoint,
        complaints=complaints,
    )
    q.check()
    return q


@router.get("/metrics/service", response_model_exclude_unset=True)
def service_kpis(
    wh: WarehouseDep, ctx: Read, q: Annotated[tickets.TicketQuery, Depends(ticket_query)]
) -> ServiceTable:
    """Support tickets per slice (channel, agent, team, category, priority, touchpoint) and period: first
    response and resolution time (median, p90, intervals), share within target, complaints, open."""
    return ServiceTable.model_validate(
        {"workspace": ctx.workspace.slug, **tickets.service_kpis(wh, ctx.workspace, q)}
    )


@router.get("/metrics/pending-complaints")
def pending_complaints(
    wh: WarehouseDep, ctx: Read, channel: str | None = None, touchpoint: int | None = None
) -> PendingComplaints:
    """Complaints not resolved yet, by age (days), with the oldest ones."""
    result = tickets.pending_complaints(wh, ctx.workspace, channel=channel or None, touchpoint_id=touchpoint)
    return PendingComplaints.model_validate({"workspace": ctx.workspace.slug, **result})


@router.get("/metrics/backlog")
def backlog(
    wh: WarehouseDep,
    ctx: Read,
    period: str = "week",
    calendar: str = "gregorian",
    week_start: str = "monday",
    start: Day | None = None,
    end: Day | None = None,
    complaints: bool = False,
    channel: str | None = None,
) -> Backlog:
    """Tickets created, resolved and open at the end of each period."""
    result = tickets.backlog(
        wh,
        ctx.workspace,
        period=period,
        calendar=calendar,
        week_start=week_start,
        start=start,
        end=end,
        complaints=complaints,
        channel=channel or None,
    )
    return Backlog.model_validate({"workspace": ctx.workspace.slug, **result})


@router.get("/metrics/service-targets")
def get_service_targets(ctx: Read) -> ServiceTargets:
    """First-response (minutes) and resolution (hours) targets that 'within target' is measured against."""
    return ServiceTargets.model_validate(tickets.targets(ctx.workspace))


@router.put("/metrics/service-targets")
def set_service_targets(
    db: DB,
    ctx: Annotated[Context, Depends(RequireKey("goals:write"))],
    body: Annotated[dict[str, Any], Body()],
) -> ServiceTargets:
    """Set the service targets (a partial body keeps the others)."""
    return ServiceTargets.model_validate(
        tickets.set_targets(db, ctx.workspace, tickets.check_targets(body), actor=ctx)
    )


@router.get("/metrics/outcomes")
def outcomes_by_experience(
    wh: WarehouseDep,
    ctx: Read,
    metric: str = "nps",
    days: Annotated[int, Query(ge=1, le=730)] = 90,
    churn_days: Annotated[int, Query(ge=1, le=1095)] = 180,
    start: Day | None = None,
    end: Day | None = None,
    touchpoint: int | None = None,
) -> Outcomes:
    """Repeat purchase, spend and churn after the answer, by NPS group (or good vs bad CSAT / easy vs
    difficult CES), with intervals and the difference between the extremes."""
    result = outcomes.outcomes(
        wh,
        ctx.workspace,
        metric=metric,
        days=days,
        churn_days=churn_days,
        start=start,
        end=end,
        touchpoint_id=touchpoint,
    )
    return Outcomes.model_validate({"workspace": ctx.workspace.slug, **result})
