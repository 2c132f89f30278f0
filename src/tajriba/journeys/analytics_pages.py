"""Page: journey analytics on the workspace's events (discovery, the flow of the top paths, funnels)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tajriba.i18n import _
from tajriba.journeys import analytics, forms, service
from tajriba.journeys.discovery import flow
from tajriba.web.deps import DB, WarehouseDep, verify_csrf

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)


def _sankey(result: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    """The flow view of the top paths, each node labelled: the touchpoint's name, or the bucket's."""
    sankey = flow(result["variants"], total_cases=result["cases"], max_steps=6)
    kinds = {"other": _("Other paths"), "more": _("More steps"), "end": _("Journey ends")}
    for node in sankey["nodes"]:
        activity = node.get("activity")
        node["label"] = (
            names.get(int(activity), activity)
            if node["kind"] == "step" and activity
            else kinds.get(node["kind"], node["kind"])
        )
    return sankey


@router.get("/journey-analytics")
def analytics_page(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: forms.Read,
    case: str = "customer",
    start: str | None = None,
    end: str | None = None,
    channel: str | None = None,
    persona: str | None = None,
    window_days: float | None = None,
    by: str | None = None,
    collapse: str | None = None,
) -> Response:
    names = service.touchpoint_names(db, workspace_id=ctx.workspace.id, locale=request.state.locale)
    f = forms.map_filters(persona, start, end, channel, None).in_zone(ctx.workspace.timezone)
    start_dt, end_dt = f.bounds()
    scope = analytics.Scope(
        case, "touchpoint", start_dt, end_dt, channel or None, persona or None, collapse=collapse == "1"
    )
    result = analytics.discover(wh, workspace_id=ctx.workspace.id, scope=scope, names=names, max_variants=15)
    sankey = _sankey(result, names)
    chosen = [s for s in request.query_params.getlist("steps") if s]
    funnel = None
    if len(chosen) >= 2:
        funnel = analytics.funnel(
            wh,
            workspace_id=ctx.workspace.id,
            scope=scope,
            steps=chosen,
            window_seconds=window_days * 86400 if window_days else None,
            by=by or None,
            names=names,
        )
    return forms.render(
        request,
        "journeys/analytics.html",
        result=result,
        sankey=sankey,
        funnel=funnel,
        names=names,
        chosen=chosen,
        personas=service.list_personas(db, workspace_id=ctx.workspace.id),
        params={
            "case": case,
            "start": start or "",
            "end": end or "",
            "channel": channel or "",
            "persona": persona or "",
            "window_days": window_days or "",
            "by": by or "",
            "collapse": "1" if collapse == "1" else "",
        },
    )
