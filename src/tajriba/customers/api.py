"""JSON API for customer profiles, search, timelines and identity merges."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tajriba.customers import service
from tajriba.customers.schemas import (
    ConsentGiven,
    ConsentHistory,
    ConsentIn,
    ConsentRecord,
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


@router.get("/{customer_id}/consents")
def consent_history(
    wh: WarehouseDep, ctx: Annotated[Context, Depends(RequireKey("customers:read"))], customer_id: str
) -> ConsentHistory:
    """The person's consent ledger: every grant and withdrawal as stored, newest first (append-only)."""
    profile_id = service.get_profile(wh, workspace_id=ctx.workspace.id, customer_id=customer_id)[
        "customer_id"
    ]
    rows = service.consent_history(wh, workspace_id=ctx.workspace.id, customer_id=profile_id)
    if not ctx.can("pii:read"):  # staff addresses are personal data too
        rows = [{**r, "actor": "subject" if r["actor"] == "subject" else None} for r in rows]
    return ConsentHistory(customer_id=profile_id, records=[ConsentRecord(**r) for r in rows])


@router.post("/{customer_id}/consents", status_code=201)
def record_consent(
    db: DB,
    wh: WarehouseDep,
    ctx: Annotated[Context, Depends(RequireKey("consents:record"))],
    customer_id: str,
    body: ConsentIn,
) -> ConsentGiven:
    """Record a decision the person gave staff (on the phone, at a branch): a grant or a withdrawal, with how
    it was given. It takes effect at once: survey invitations not yet sent are skipped after a withdrawal."""
    given = service.record_consent_given(
        db, wh, workspace_id=ctx.workspace.id, customer_id=customer_id, change=body.model_dump(), actor=ctx
    )
    return ConsentGiven(**given)


@router.post("/merges/{merge_id}/undo")
def undo_merge(
    db: DB, wh: WarehouseDep, ctx: Annotated[Context, Depends(RequireKey("identities:manage"))], merge_id: str
) -> UndoRead:
    """Split a merge: the profiles get their identifiers and data back and are not merged again automatically."""
    counts = service.undo_merge(db, wh, workspace_id=ctx.workspace.id, merge_id=merge_id, actor=ctx)
    return UndoRead(merge_id=merge_id, restored=counts)
