"""Pages: the workspace overview and the metrics dashboard (whole workspace, one touchpoint or one survey)
with its table downloads (feedback: tajriba.text.pages)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from tajriba.goals.schemas import METRIC_LABELS, SCOPE_LABELS, STATUS_LABELS, STATUS_REASONS
from tajriba.journeys.service import touchpoint_names
from tajriba.models import Survey
from tajriba.overview import dashboard, service
from tajriba.web.deps import DB, Context, Require, WarehouseDep, verify_csrf
from tajriba.web.export import table_file

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)


def _render(request: Request, template: str, **context: object) -> Response:
    return request.app.state.renderer.page(request, template, **context)


@router.get("/")
def overview_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: Annotated[Context, Depends(Require("workspace:read"))]
) -> Response:
    data = service.overview(db, wh, ctx.workspace)
    return _render(request, "overview.html", o=data, active="overview")


Read = Annotated[Context, Depends(Require("metrics:read"))]


def _filters(
    request: Request, touchpoint: str | None, survey: str | None, period: str | None
) -> dashboard.Filters:
    def number(v: str | None) -> int | None:
        return int(v) if v and v.isdigit() else None

    return dashboard.Filters(
        touchpoint_id=number(touchpoint),
        survey_id=number(survey),
        period=period or "month",
        calendar=getattr(request.state, "calendar", "gregorian"),
    ).check()


@router.get("/metrics")
def metrics_page(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: Read,
    touchpoint: str | None = None,
    survey: str | None = None,
    period: str | None = None,
) -> Response:
    f = _filters(request, touchpoint, survey, period)
    data = dashboard.build(db, wh, ctx.workspace, f)
    surveys = db.execute(
        select(Survey.id, Survey.name).where(Survey.workspace_id == ctx.workspace.id).order_by(Survey.name)
    ).all()
    names = touchpoint_names(db, workspace_id=ctx.workspace.id, locale=request.state.locale)
    query = f"touchpoint={f.touchpoint_id or ''}&survey={f.survey_id or ''}&period={f.period}"
    context: dict[str, Any] = {
        "data": data,
        "f": f,
        "names": names,
        "surveys": surveys,
        "query": query,
        "metric_labels": METRIC_LABELS,
        "scope_labels": SCOPE_LABELS,
        "status_labels": STATUS_LABELS,
        "status_reasons": STATUS_REASONS,
    }
    return request.app.state.renderer.page(request, "metrics.html", active="metrics", **context)


@router.get("/metrics/export")
def metrics_export(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: Read,
    table: str,
    format: str = "csv",
    touchpoint: str | None = None,
    survey: str | None = None,
    period: str | None = None,
) -> Response:
    """One dashboard table as CSV or XLSX (columns named as in the API)."""
    f = _filters(request, touchpoint, survey, period)
    rows, columns = dashboard.table(db, wh, ctx.workspace, f, table)
    return table_file([(c, c) for c in columns], rows, format, f"{ctx.workspace.slug}-{table}")
