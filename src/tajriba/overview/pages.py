"""Page: the workspace overview (metrics: tajriba.metrics.pages; feedback: tajriba.text.pages)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tajriba.overview import service
from tajriba.web.deps import DB, Context, Require, WarehouseDep, verify_csrf

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)


def _render(request: Request, template: str, **context: object) -> Response:
    return request.app.state.renderer.page(request, template, **context)


@router.get("/")
def overview_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: Annotated[Context, Depends(Require("workspace:read"))]
) -> Response:
    data = service.overview(db, wh, ctx.workspace)
    return _render(request, "overview.html", o=data, active="overview")
