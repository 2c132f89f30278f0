"""Pages: journeys, the journey map, the editor (drag to reorder), history, redesign, analytics (touchpoints
and personas have pages of their own: touchpoint_pages.py, persona_pages.py).

Pages call the same service functions as the JSON API; forms post back and redirect (or show the error).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import ValidationError

from tajriba.errors import Invalid, TajribaError
from tajriba.i18n import _
from tajriba.journeys import forms, journey_map, redesign, schemas, service, transfer
from tajriba.journeys.render import LABEL_W, MARGIN, lane_titles, map_file, render_svg
from tajriba.models import Stage
from tajriba.web.deps import DB, Context, FormDep, JsonDep, WarehouseDep, verify_csrf
from tajriba.web.render import attachment, error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)

# -- journeys list and creation ------------------------------------------------------------------


@router.get("/journeys")
def journeys_page(request: Request, db: DB, ctx: forms.Read, error: str | None = None) -> Response:
    journeys = service.list_journeys(db, workspace_id=ctx.workspace.id)
    counts = {j.id: len(service.list_touchpoints(db, journey_id=j.id)) for j in journeys}
    return forms.render(
        request,
        "journeys/list.html",
        journeys=journeys,
        counts=counts,
        personas=service.list_personas(db, workspace_id=ctx.workspace.id),
        error=error,
    )


@router.post("/journeys")
def create_journey(request: Request, db: DB, ctx: forms.Write, form: FormDep) -> Response:
    try:
        stages = (
            [schemas.StageIn(key=k, name=_(n)) for k, n in forms.DEFAULT_STAGES]
            if form.get("default_stages")
            else []
        )
        journey_in = schemas.JourneyIn(
            name=str(form.get("name") or ""),
            names=forms.names(form),
            description=str(form.get("description") or "") or None,
            persona_keys=[str(k) for k in form.getlist("persona_keys")],
            stages=stages,
        )
        journey = service.create_journey(db, workspace_id=ctx.workspace.id, journey_in=journey_in, actor=ctx)
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        return journeys_page(request, db, ctx, error=error_text(exc))
    return forms.back(ctx, f"/journeys/{journey.id}/edit")


@router.post("/journeys/import")
def import_journey(
    request: Request, db: DB, ctx: forms.Write, file: Annotated[UploadFile, File()]
) -> Response:
    content = file.file.read()
    kind = "xlsx" if (file.filename or "").lower().endswith(".xlsx") else "json"
    try:
        journey, _renamed = transfer.import_journey(
            db, workspace_id=ctx.workspace.id, data=content, kind=kind, actor=ctx
        )
    except TajribaError as exc:
        db.rollback()
        return journeys_page(request, db, ctx, error=error_text(exc))
    return forms.back(ctx, f"/journeys/{journey.id}")


# -- the map -------------------------------------------------------------------------------------


FiltersDep = Annotated[journey_map.Filters, Depends(forms.map_filters)]


@router.get("/journeys/{journey_id}")
def map_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: forms.Read, journey_id: int, filters: FiltersDep
) -> Response:
    started = time.perf_counter()
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    data = journey_map.build(db, wh, journey=journey, filters=filters, locale=request.state.locale)
    svg = render_svg(data)
    query = str(request.url.query)
    return forms.render(
        request,
        "journeys/map.html",
        journey=journey,
        data=data,
        svg=Markup(svg),  # noqa: S704 - built by render_svg, which escapes every label
        lanes=lane_titles(data),
        label_width=MARGIN + LABEL_W,
        personas=service.list_personas(db, workspace_id=ctx.workspace.id),
        query=("?" + query) if query else "",
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


@router.get("/journeys/{journey_id}/map.{fmt}")
def map_export(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: forms.Read,
    journey_id: int,
    fmt: str,
    filters: FiltersDep,
) -> Response:
    """The journey map drawn server-side as SVG, PNG or PDF (Arabic and Persian shaped, right to left)."""
    return attachment(
        *map_file(
            db, wh, workspace_id=ctx.workspace.id, journey_id=journey_id, filters=filters,
            locale=request.state.locale, fmt=fmt,
        )
    )  # fmt: skip


@router.get("/journeys/{journey_id}/export.{fmt}")
def export_journey(db: DB, ctx: forms.Read, journey_id: int, fmt: str) -> Response:
    if fmt not in ("json", "xlsx"):
        raise Invalid(_("Export as json or xlsx."), field="format")
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    content, media_type, filename = transfer.export_journey(db, journey=journey, kind=fmt)
    return attachment(content, media_type, filename)


# -- the editor ----------------------------------------------------------------------------------


def _editor(
    request: Request, db: DB, ctx: Context, journey_id: int, error: str | None = None, status: int = 200
) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    return forms.render(
        request,
        "journeys/edit.html",
        status=status,
        journey=journey,
        full=service.journey_out(db, journey),
        personas=service.list_personas(db, workspace_id=ctx.workspace.id),
        members=forms.members(db, ctx),
        error=error,
    )


@router.get("/journeys/{journey_id}/edit")
def edit_page(request: Request, db: DB, ctx: forms.Write, journey_id: int) -> Response:
    return _editor(request, db, ctx, journey_id)


@router.post("/journeys/{journey_id}/edit")
def update_journey(request: Request, db: DB, ctx: forms.Write, journey_id: int, form: FormDep) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    try:
        launched = str(form.get("launched_at") or "")
        journey_in = schemas.JourneyUpdate(
            name=str(form.get("name") or ""),
            names=forms.names(form),
            description=str(form.get("description") or "") or None,
            status=str(form.get("status") or "current"),  # type: ignore[arg-type]
            owner_user_id=forms.opt_int(form.get("owner_user_id")),
            persona_keys=[str(k) for k in form.getlist("persona_keys")],
            launched_at=f"{launched}T00:00:00+00:00" if launched else None,  # type: ignore[arg-type]
        )
        service.update_journey(db, journey=journey, journey_in=journey_in, actor=ctx)
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        return _editor(request, db, ctx, journey_id, error=error_text(exc), status=422)
    return forms.back(ctx, f"/journeys/{journey_id}/edit")


@router.post("/journeys/{journey_id}/delete")
def delete_journey(db: DB, ctx: forms.Write, journey_id: int) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    service.delete_journey(db, journey=journey, actor=ctx)
    return forms.back(ctx, "/journeys")


@router.post("/journeys/{journey_id}/stages")
def stage_action(request: Request, db: DB, ctx: forms.Write, journey_id: int, form: FormDep) -> Response:
    """Add a stage, or (with stage_id) rename or delete one."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    try:
        stage_id = forms.opt_int(form.get("stage_id"))
        if stage_id is None:
            service.create_stage(
                db,
                journey=journey,
                stage_in=schemas.StageIn(
                    key=str(form.get("key") or "").strip()
                    or service.made_key(
                        db,
                        Stage,
                        workspace_id=ctx.workspace.id,
                        name=str(form.get("name") or ""),
                        names=forms.names(form),
                        fallback="stage",
                        journey_id=journey.id,
                    ),
                    name=str(form.get("name") or ""),
                    names=forms.names(form),
                ),
                actor=ctx,
            )
        else:
            stage = service.get_stage(db, journey=journey, stage_id=stage_id)
            if form.get("action") == "delete":
                service.delete_stage(db, stage=stage, actor=ctx)
            else:
                service.update_stage(
                    db,
                    stage=stage,
                    stage_in=schemas.StageUpdate(
                        name=str(form.get("name") or "") or None, names=forms.names(form) or None
                    ),
                    actor=ctx,
                )
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        return _editor(request, db, ctx, journey_id, error=error_text(exc), status=422)
    return forms.back(ctx, f"/journeys/{journey_id}/edit")


@router.post("/journeys/{journey_id}/order")
def save_order(request: Request, db: DB, ctx: forms.Write, journey_id: int, body: JsonDep) -> dict[str, Any]:
    """Drag-to-reorder: {"stages": [ids], "touchpoints": {stage_id: [ids]}} (sent by the editor's script)."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    if not isinstance(body, dict):
        raise Invalid(_("Send the new order as JSON."), field="body")
    try:
        if body.get("stages"):
            service.reorder_stages(db, journey=journey, order=schemas.Order(ids=body["stages"]), actor=ctx)
        for stage_id, ids in (body.get("touchpoints") or {}).items():
            stage = service.get_stage(db, journey=journey, stage_id=int(stage_id))
            if ids:
                service.reorder_touchpoints(db, stage=stage, order=schemas.Order(ids=ids), actor=ctx)
    except ValidationError as exc:
        raise Invalid(error_text(exc), field="ids") from None
    return {"ok": True, "journey": service.journey_out(db, journey)}


@router.get("/journeys/{journey_id}/history")
def history_page(request: Request, db: DB, ctx: forms.Read, journey_id: int) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    entries = service.history(db, journey=journey)
    users = {uid: name for uid, name in forms.members(db, ctx)}
    return forms.render(request, "journeys/history.html", journey=journey, entries=entries, users=users)


@router.post("/journeys/{journey_id}/future-state")
def copy_future(db: DB, ctx: forms.Write, journey_id: int) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    future = redesign.copy_as_future(db, journey=journey, actor=ctx)
    return forms.back(ctx, f"/journeys/{future.id}/edit")


@router.get("/journeys/{journey_id}/compare")
def compare_page(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: forms.Read,
    journey_id: int,
    other: int | None = None,
    change_date: str | None = None,
    days: int = 90,
) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    error = None
    diff = None
    try:
        diff = redesign.compare(db, future=journey, current_id=other)
    except TajribaError as exc:
        error = exc.message
    effect = None
    moment = None
    if change_date:
        try:
            moment = date.fromisoformat(change_date)
        except ValueError:
            error = _("Use a date like 2026-03-31.")
    if diff is not None and (moment or journey.launched_at):
        try:
            effect = redesign.before_after(db, wh, journey=journey, change_date=moment, days=days)
        except TajribaError as exc:
            error = exc.message
    return forms.render(
        request,
        "journeys/compare.html",
        journey=journey,
        diff=diff,
        effect=effect,
        error=error,
        change_date=change_date or (journey.launched_at.date().isoformat() if journey.launched_at else ""),
        days=days,
        journeys=service.list_journeys(db, workspace_id=ctx.workspace.id),
        other=other,
    )
