"""`GET /api/v1/metrics` and `GET /api/v1/metrics/compare`: the metrics module over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from tajriba.errors import Invalid
from tajriba.metrics import service
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep

router = APIRouter(prefix="/api/v1", tags=["metrics"])
Read = Annotated[Context, Depends(RequireKey("metrics:read"))]


def query_from(
    metric: str,
    by: str | None = None,
    period: str | None = None,
    calendar: str = "gregorian",
    week_start: str = "monday",
    start: dt.date | None = None,
    end: dt.date | None = None,
    touchpoint: int | None = None,
    stage: int | None = None,
    journey: int | None = None,
    survey: int | None = None,
    channel: str | None = None,
    language: str | None = None,
    level: Annotated[float, Query(ge=0.5, lt=1)] = 0.95,
    min_n: Annotated[int, Query(ge=1)] = service.scores.MIN_SAMPLE,
) -> service.Query:
    """`start` and `end` are local days, `end` excluded."""
    q = service.Query(
        metric=metric,
        by=by or None,
        period=period or None,
        calendar=calendar,
        week_start=week_start,
        start=start,
        end=end,
        touchpoint_id=touchpoint,
        stage_id=stage,
        journey_id=journey,
        survey_id=survey,
        channel=channel or None,
        language=language or None,
        level=level,
        min_n=min_n,
    )
    q.check()
    return q


QueryDep = Annotated[service.Query, Depends(query_from)]


@router.get("/metrics")
def metrics(db: DB, wh: WarehouseDep, ctx: Read, q: QueryDep) -> dict[str, Any]:
    """NPS, CSAT or CES per slice (touchpoint, stage, journey, channel, language, survey, agent, persona,
    segment) and period (day, week, month, quarter, year; Gregorian, Hijri or Jalali), with intervals."""
    return {"workspace": ctx.workspace.slug, **service.metric_table(db, wh, ctx.workspace, q)}


@router.get("/metrics/compare")
def compare(
    db: DB,
    wh: WarehouseDep,
    ctx: Read,
    q: QueryDep,
    before_start: dt.date,
    before_end: dt.date,
    after_start: dt.date,
    after_end: dt.date,
) -> dict[str, Any]:
    """The change between two periods per slice, with its interval and a two-sided p-value."""
    for name, (a, b) in {
        "before_start": (before_start, before_end),
        "after_start": (after_start, after_end),
    }.items():
        if a >= b:
            raise Invalid("each period's start must be before its end", field=name)
    result = service.compare(db, wh, ctx.workspace, q, (before_start, before_end), (after_start, after_end))
    return {"workspace": ctx.workspace.slug, **result}
