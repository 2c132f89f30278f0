"""JSON API twin of the overview page."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends

from tajriba.overview import service
from tajriba.overview.schemas import OverviewRead, StatsRead
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep

router = APIRouter(prefix="/api/v1", tags=["overview"])


@router.get("/overview")
def get_overview(
    db: DB, wh: WarehouseDep, ctx: Annotated[Context, Depends(RequireKey("workspace:read"))]
) -> OverviewRead:
    """Headline numbers of the key's workspace."""
    data = asdict(service.overview(db, wh, ctx.workspace))
    data["revenue"] = str(data["revenue"])
    data["average_order_value"] = (
        None if data["average_order_value"] is None else str(data["average_order_value"])
    )
    return OverviewRead.model_validate({"workspace": ctx.workspace.slug, **data})


@router.get("/stats")
def get_stats(wh: WarehouseDep, ctx: Annotated[Context, Depends(RequireKey("workspace:read"))]) -> StatsRead:
    """Row counts of every warehouse table for the key's workspace."""
    return StatsRead(workspace=ctx.workspace.slug, tables=wh.counts(ctx.workspace.id))
