"""Page: success stories per touchpoint and period, with their consent state; CSV/XLSX download."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tajriba.i18n import _
from tajriba.journeys.service import touchpoint_names
from tajriba.stories import service
from tajriba.web.deps import DB, Context, Require, WarehouseDep, verify_csrf
from tajriba.web.export import table_file

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)
Read = Annotated[Context, Depends(Require("feedback:read"))]


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/stories")
def stories_page(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: Read,
    touchpoint: str | None = None,
    start: str | None = None,
    end: str | None = None,
    format: str | None = None,
) -> Response:
    tp = int(touchpoint) if touchpoint and touchpoint.isdigit() else None
    data = service.stories(
        db,
        wh,
        ctx.workspace,
        touchpoint_id=tp,
        start=_date(start),
        end=_date(end),
        limit=200 if format else 30,
        show_personal_data=ctx.can("pii:read"),
    )
    names = touchpoint_names(db, workspace_id=ctx.workspace.id, locale=request.state.locale)
    if format:
        for s in data["stories"]:
            s["touchpoint"] = names.get(s["touchpoint_id"])
        columns = [
            ("created_at", _("Date")),
            ("touchpoint", _("Touchpoint")),
            ("channel", _("Channel")),
            ("scores", _("Scores")),
            ("rating", _("Rating")),
            ("text", _("Text")),
            ("staff", _("Staff named")),
            ("consent", _("Consent to be quoted")),
            ("customer_id", _("Customer")),
        ]
        return table_file(
            columns, data["stories"], format, "success-stories", rtl=request.state.locale != "en"
        )
    return request.app.state.renderer.page(
        request,
        "stories.html",
        active="stories",
        data=data,
        names=names,
        touchpoint=tp,
        start=start or "",
        end=end or "",
    )
