"""JSON API for customer profiles, search, timelines and identity merges."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tajriba.customers import service
from tajriba.customers.schemas import (
    CustomerRow,
    ProfileRead,
    SearchRead,
    TimelineItem,
    TimelineRead,
    UndoRead,
)
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])


@router.get("")
def search(
    wh: WarehouseDep,
    ctx: Annotated[Context, Depends(RequireKey("customers:read"))],
    search: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> SearchRead:
    """Customers by name (Arabic or Latin script), email, phone in any format, or any identifier."""
    rows, total = service.search_customers(
        wh,
        workspace_id=ctx.workspace.id,
        query=search,
        page=page,
        per_page=per_page,
        region=(ctx.workspace.settings or {}).get("region", "SA"),
    )
    if not ctx.can("pii:read"):
        rows = [service.masked_row(r) for r in rows]
    for r in rows:
        r.pop("traits", None)
    return SearchRead(total=total, page=page, customers=[CustomerRow(**r) for r in rows])


@router.get("/{customer_id}")
def profile(
    wh: WarehouseDep, ctx: Annotated[Context, Depends(RequireKey("customers:read"))], customer_id: str
) -> ProfileRead:
    """One profile with identities, merges and a summary; a merged-away id answers with the surviving profile."""
    data = service.get_profile(wh, workspace_id=ctx.workspace.id, customer_id=customer_id)
    return ProfileRead(**(data if ctx.can("pii:read") else service.masked_profile(data)))


@router.get("/{customer_id}/timeline")
def timeline(
    wh: WarehouseDep,
    ctx: Annotated[Context, Depends(RequireKey("customers:read"))],
    customer_id: str,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> TimelineRead:
    """Events, orders, responses, feedback and tickets of one customer, newest first."""
    profile_id = service.get_profile(wh, workspace_id=ctx.workspace.id, customer_id=customer_id)[
        "customer_id"
    ]
    items, more = service.timeline(
        wh, workspace_id=ctx.workspace.id, customer_id=profile_id, page=page, per_page=per_page
    )
    if not ctx.can("pii:read"):
        items = service.masked_timeline(items)
    return TimelineRead(
        customer_id=profile_id, page=page, more=more, items=[TimelineItem(**i) for i in items]
    )


@router.post("/merges/{merge_id}/undo")
def undo_merge(
    db: DB, wh: WarehouseDep, ctx: Annotated[Context, Depends(RequireKey("identities:manage"))], merge_id: str
) -> UndoRead:
    """Split a merge: the profiles get their identifiers and data back and are not merged again automatically."""
    counts = service.undo_merge(db, wh, workspace_id=ctx.workspace.id, merge_id=merge_id, actor=ctx)
    return UndoRead(merge_id=merge_id, restored=counts)
