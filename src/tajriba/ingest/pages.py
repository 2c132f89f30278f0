"""Page: tracking set-up (how to point Segment/RudderStack clients here) and touchpoint rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from tajriba.db import scoped
from tajriba.errors import TajribaError
from tajriba.ingest import mapping
from tajriba.models import Touchpoint
from tajriba.web.deps import DB, Context, Require, WarehouseDep, verify_csrf

router = APIRouter(
    prefix="/w/{workspace}/tracking", dependencies=[Depends(verify_csrf)], include_in_schema=False
)


def _page(
    request: Request,
    db: DB,
    ctx: Context,
    *,
    error: str | None = None,
    status: int = 200,
    reapplied: int | None = None,
) -> Response:
    tps = db.scalars(
        select(Touchpoint).where(Touchpoint.workspace_id == ctx.workspace.id).order_by(Touchpoint.position)
    ).all()
    names = {t.id: scoped.localized_name(t, request.state.locale) for t in tps}
    return request.app.state.renderer.page(
        request,
        "tracking.html",
        status=status,
        active="journeys",
        rules=mapping.list_rules(db, workspace=ctx.workspace),
        touchpoints=tps,
        names=names,
        error=error,
        reapplied=reapplied,
        host=str(request.base_url).rstrip("/"),
    )


@router.get("")
def tracking_page(
    request: Request, db: DB, ctx: Annotated[Context, Depends(Require("journeys:read"))]
) -> Response:
    return _page(request, db, ctx)


@router.post("/rules")
def add_rule(
    request: Request,
    db: DB,
    ctx: Annotated[Context, Depends(Require("journeys:write"))],
    touchpoint_id: Annotated[int, Form()],
    event_type: Annotated[str, Form()] = "",
    event_name: Annotated[str, Form()] = "",
    page_path: Annotated[str, Form()] = "",
    property_name: Annotated[str, Form()] = "",
    property_value: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
) -> Response:
    try:
        mapping.create_rule(
            db,
            workspace=ctx.workspace,
            touchpoint_id=touchpoint_id,
            event_type=event_type,
            event_name=event_name,
            page_path=page_path,
            property_name=property_name,
            property_value=property_value or None,
            channel=channel,
            actor=ctx,
        )
    except TajribaError as exc:
        db.rollback()
        return _page(request, db, ctx, error=exc.message, status=exc.status)
    request.app.state.ingest_rules.forget(ctx.workspace.id)
    return RedirectResponse(f"/w/{ctx.workspace.slug}/tracking", status_code=303)


@router.post("/rules/{rule_id}/delete")
def remove_rule(
    request: Request, db: DB, ctx: Annotated[Context, Depends(Require("journeys:write"))], rule_id: int
) -> Response:
    mapping.delete_rule(db, workspace=ctx.workspace, rule_id=rule_id, actor=ctx)
    request.app.state.ingest_rules.forget(ctx.workspace.id)
    return RedirectResponse(f"/w/{ctx.workspace.slug}/tracking", status_code=303)


@router.post("/reapply")
def reapply(
    request: Request, db: DB, wh: WarehouseDep, ctx: Annotated[Context, Depends(Require("journeys:write"))]
) -> Response:
    count = mapping.reapply_rules(db, wh, workspace=ctx.workspace, actor=ctx)
    return _page(request, db, ctx, reapplied=count)
