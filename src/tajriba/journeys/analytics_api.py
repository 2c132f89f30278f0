"""JSON API for journey analytics on the workspace's events: discovery, flow and funnels."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from tajriba.journeys import analytics
from tajriba.journeys.discovery import flow
from tajriba.journeys.schemas import DiscoveryRead, FunnelRead
from tajriba.journeys.service import touchpoint_names
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep

analytics_router = APIRouter(prefix="/api/v1/journey-analytics", tags=["journey analytics"])


def _scope(
    case: str = "customer",
    activity: str = "touchpoint",
    start: datetime | None = None,
    end: datetime | None = None,
    channel: str | None = None,
    persona: str | None = None,
    collapse: bool = False,
) -> analytics.Scope:
    """Case (customer|session), activity (touchpoint|event), period [start, end) in UTC, channel, persona;
    `collapse` counts repeated steps in a row as one."""
    return analytics.Scope(
        case, activity, _naive(start), _naive(end), channel, persona, collapse=collapse
    )  # checked on use


def _naive(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


ScopeDep = Annotated[analytics.Scope, Depends(_scope)]


@analytics_router.get("/discovery", response_model_exclude_unset=True)
def discovery(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: Annotated[Context, Depends(RequireKey("journeys:read"))],
    scope: ScopeDep,
    max_variants: Annotated[int, Query(ge=1, le=1000)] = 50,
    flow_steps: Annotated[int, Query(ge=2, le=12)] = 6,
) -> DiscoveryRead:
    """Directly-follows graph with times, start/end touchpoints, the top variants and a flow (Sankey) view."""
    names = touchpoint_names(db, workspace_id=ctx.workspace.id, locale=request.state.locale)
    result = analytics.discover(
        wh, workspace_id=ctx.workspace.id, scope=scope, names=names, max_variants=max_variants
    )
    result["flow"] = flow(result["variants"], total_cases=result["cases"], max_steps=flow_steps)
    return DiscoveryRead.model_validate(result)


@analytics_router.get("/funnel", response_model_exclude_unset=True)
def funnel(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: Annotated[Context, Depends(RequireKey("journeys:read"))],
    scope: ScopeDep,
    steps: Annotated[list[str], Query(min_length=2, max_length=20)],
    window_days: Annotated[float | None, Query(gt=0, le=3650)] = None,
    by: str | None = None,
) -> FunnelRead:
    """An ordered funnel between touchpoints (ids) or event names within a conversion window."""
    names = touchpoint_names(db, workspace_id=ctx.workspace.id, locale=request.state.locale)
    result = analytics.funnel(
        wh,
        workspace_id=ctx.workspace.id,
        scope=scope,
        steps=steps,
        window_seconds=window_days * 86400 if window_days else None,
        by=by,
        names=names,
    )
    return FunnelRead.model_validate(result)
