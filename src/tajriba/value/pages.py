"""Value pages: overview (CLV, segments, call list, cohorts, experience and drivers) and recompute."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from tajriba.errors import TajribaError
from tajriba.journeys.service import touchpoint_names
from tajriba.value import service
from tajriba.value.rfm import SEGMENTS
from tajriba.web.deps import DB, Context, FormDep, Require, WarehouseDep, verify_csrf

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)
Read = Annotated[Context, Depends(Require("value:read"))]
Compute = Annotated[Context, Depends(Require("value:compute"))]

CALENDARS = ("gregorian", "hijri")


@router.get("/value")
def value_page(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: Read,
    calendar: str = "gregorian",
    segment: str | None = None,
) -> Response:
    return _render(request, db, wh, ctx, calendar=calendar, segment=segment)


def _render(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: Context,
    *,
    calendar: str = "gregorian",
    segment: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    calendar = calendar if calendar in CALENDARS else "gregorian"
    segment = segment if segment in SEGMENTS else None
    # the order log and the stored values are read once and shared by every section of the page
    ws = ctx.workspace.id
    orders, values = service.load_orders(wh, ws), service.values_frame(wh, ws)
    data = service.overview(wh, ws, orders=orders, values=values)
    listing = service.customers(wh, ctx.workspace.id, segment=segment, limit=50) if data["computed"] else None
    drivers = (
        service.key_drivers(wh, ctx.workspace.id, bootstrap=100) if data["computed"] else {"drivers": []}
    )
    return request.app.state.renderer.page(
        request,
        "value.html",
        status=status,
        active="value",
        v=data | {"call_list": _call_list(ctx, data.get("call_list", []))},
        listing=listing,
        segment=segment or "",
        segment_labels=SEGMENTS,
        cohorts=service.cohort_report(wh, ws, calendar=calendar, orders=orders),
        calendar=calendar,
        experience=service.experience(wh, ws, orders=orders, values=values),
        drivers=drivers,
        names=touchpoint_names(db, workspace_id=ctx.workspace.id, locale=request.state.locale),
        months=service.revenue_by_month(wh, workspace_id=ctx.workspace.id),
        by_channel=service.order_value_by(wh, ws, by="channel", orders=orders),
        can_compute=ctx.can("value:compute"),
        error=error,
    )


@router.post("/value/compute")
def compute_values(request: Request, db: DB, wh: WarehouseDep, ctx: Compute, form: FormDep) -> Response:
    try:
        from tajriba.value.clv import ClvSettings

        settings = ClvSettings(
            horizon_months=int(str(form.get("horizon_months") or 12)),
            discount_rate=float(str(form.get("discount_rate") or 1)) / 100,
        )
        service.recompute(
            db,
            wh,
            workspace_id=ctx.workspace.id,
            actor=ctx,
            model=str(form.get("model") or "bgnbd"),
            settings=settings,
        )
    except (TajribaError, ValueError) as exc:
        message = exc.message if isinstance(exc, TajribaError) else str(exc)
        return _render(request, db, wh, ctx, error=message, status=422)
    return RedirectResponse(f"/w/{ctx.workspace.slug}/value", status_code=303)


CALL_COLUMNS = (
    "customer_id",
    "name",
    "phone",
    "segment",
    "orders",
    "total_spend",
    "days_since_last",
    "p_alive",
    "clv",
)


def _call_list(ctx: Context, rows: list[dict]) -> list[dict]:
    """The call list as the reader may see it: phones masked without pii:read."""
    from tajriba.customers.service import mask

    if not ctx.can("pii:read"):  # as the customer pages show them: names, masked phones
        rows = [{**r, "phone": mask(r.get("phone"), "phone")} for r in rows]
    return rows


@router.get("/value/call-list.{fmt}")
def call_list_file(request: Request, wh: WarehouseDep, ctx: Read, fmt: str) -> Response:
    """The customers to call first, as CSV or XLSX (phones masked for readers without pii:read)."""
    from tajriba.i18n import _
    from tajriba.web.export import table_file

    headers = {
        "customer_id": _("Customer"),
        "name": _("Name"),
        "phone": _("Phone"),
        "segment": _("Segment"),
        "orders": _("Orders"),
        "total_spend": _("Spend to date"),
        "days_since_last": _("Days since last purchase"),
        "p_alive": _("P(alive)"),
        "clv": _("Lifetime value"),
    }
    rows = [
        {**r, "segment": _(SEGMENTS[r["segment"]]) if r.get("segment") in SEGMENTS else r.get("segment")}
        for r in _call_list(ctx, service.overview(wh, ctx.workspace.id).get("call_list", []))
    ]
    return table_file(
        [(c, headers[c]) for c in CALL_COLUMNS],
        rows,
        fmt,
        "call-list",
        rtl=request.state.locale in ("ar", "fa"),
    )


@router.post("/value/called")
def mark_called(
    request: Request, wh: WarehouseDep, ctx: Annotated[Context, Depends(Require("cases:work"))], form: FormDep
) -> Response:
    """Someone called this customer: it shows on their timeline and they wait at the end of the list a while."""
    customer = str(form.get("customer_id") or "")
    service.mark_called(wh, ctx.workspace.id, customer, by_user=ctx.user.id if ctx.user else None)
    return RedirectResponse(f"/w/{ctx.workspace.slug}/value#call-list", status_code=303)
