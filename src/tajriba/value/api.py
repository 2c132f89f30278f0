"""JSON API of value analytics: /api/v1/value/... (the pages call the same service functions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tajriba.value import service
from tajriba.value.clv import ClvSettings
from tajriba.value.schemas import (
    CohortsRead,
    ComputeIn,
    CustomerValueRead,
    CustomerValuesRead,
    DriversRead,
    ExperienceRead,
    MovementRead,
    OrderValueRead,
    ValueOverviewRead,
    ValueRunRead,
)
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep

router = APIRouter(prefix="/api/v1/value", tags=["value"])
Read = Annotated[Context, Depends(RequireKey("value:read"))]
Compute = Annotated[Context, Depends(RequireKey("value:compute"))]


@router.post("/compute")
def compute(db: DB, wh: WarehouseDep, ctx: Compute, body: ComputeIn) -> ValueRunRead:
    """Refit the models on the workspace's orders and store every customer's CLV, P(alive) and RFM segment."""
    run = service.recompute(
        db,
        wh,
        workspace_id=ctx.workspace.id,
        actor=ctx,
        model=body.model,
        observation_end=body.observation_end,
        settings=ClvSettings(horizon_months=body.horizon_months, discount_rate=body.discount_rate),
    )
    return ValueRunRead.model_validate(run.to_dict())


@router.get("/overview", response_model_exclude_unset=True)
def overview(wh: WarehouseDep, ctx: Read) -> ValueOverviewRead:
    """CLV distribution and mean with its interval, RFM segments, the churn-risk call list, order value."""
    return ValueOverviewRead.model_validate(service.overview(wh, ctx.workspace.id))


@router.get("/order-value")
def order_value(wh: WarehouseDep, ctx: Read, by: str | None = None) -> OrderValueRead:
    """Average order value (t interval), items per order and repeat purchase rate (Wilson), optionally by
    channel, RFM segment or persona."""
    return OrderValueRead.model_validate(
        {"by": by, "groups": service.order_value_by(wh, ctx.workspace.id, by=by)}
    )


@router.get("/customers")
def customers(
    wh: WarehouseDep,
    ctx: Read,
    segment: str | None = None,
    sort: str = "churn",
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CustomerValuesRead:
    """Customers' stored values; sort by churn (risk x spend), clv or spend; filter by RFM segment."""
    found = service.customers(wh, ctx.workspace.id, segment=segment, sort=sort, limit=limit, offset=offset)
    return CustomerValuesRead.model_validate(found)


@router.get("/customers/{customer_id}")
def customer(wh: WarehouseDep, ctx: Read, customer_id: str) -> CustomerValueRead:
    """One customer's CLV (with interval), P(alive), expected purchases and RFM segment."""
    from tajriba.errors import NotFound

    row = service.customer_value(wh, ctx.workspace.id, customer_id)
    if row is None:
        raise NotFound(f"no value for customer {customer_id!r}: not a buyer, or values not computed yet")
    return CustomerValueRead.model_validate(row)


@router.get("/cohorts", response_model_exclude_unset=True)
def cohorts(
    wh: WarehouseDep,
    ctx: Read,
    calendar: str = "gregorian",
    horizon: Annotated[int, Query(ge=1, le=120)] = 12,
) -> CohortsRead:
    """Retention and revenue by first-purchase month, new vs returning buyers, sBG projection."""
    return CohortsRead.model_validate(
        service.cohort_report(wh, ctx.workspace.id, calendar=calendar, horizon=horizon)
    )


@router.get("/movement", response_model_exclude_unset=True)
def movement(wh: WarehouseDep, ctx: Read, days: int = 90) -> MovementRead:
    """How many customers moved between RFM segments over the last ``days`` days."""
    return MovementRead.model_validate(service.segment_movement(wh, ctx.workspace.id, days=days))


@router.get("/experience", response_model_exclude_unset=True)
def experience(wh: WarehouseDep, ctx: Read) -> ExperienceRead:
    """Spend, repeat rate, churn risk and CLV by NPS group; repeat rate after late vs on-time delivery."""
    return ExperienceRead.model_validate(service.experience(wh, ctx.workspace.id))


@router.get("/drivers", response_model_exclude_unset=True)
def drivers(
    wh: WarehouseDep, ctx: Read, target: str = "nps", bootstrap: Annotated[int, Query(ge=0, le=2000)] = 200
) -> DriversRead:
    """Key drivers of NPS among touchpoints' CSAT/CES: Shapley importance with bootstrap intervals."""
    return DriversRead.model_validate(
        service.key_drivers(wh, ctx.workspace.id, target=target, bootstrap=bootstrap)
    )
