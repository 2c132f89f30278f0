"""Pages: a touchpoint's form (create, edit) and its pain points, opportunities and solutions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from tajriba.errors import Invalid, TajribaError
from tajriba.i18n import _
from tajriba.journeys import forms, schemas, service, sheets
from tajriba.models import Touchpoint
from tajriba.web.deps import DB, Context, FormDep, verify_csrf
from tajriba.web.render import error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)


def _touchpoint_values(form: FormData) -> dict[str, Any]:
    targets = {}
    for kpi in schemas.KPIS:
        raw = str(form.get(f"target_{kpi}") or "").strip()
        if raw:
            targets[kpi] = sheets.parse_target(raw, _("Target {kpi}").format(kpi=kpi), f"target_{kpi}")
    return {
        "key": str(form.get("key") or "").strip(),
        "name": str(form.get("name") or "").strip(),
        "names": forms.names(form),
        "stage_id": forms.opt_int(form.get("stage_id")),
        "customer_action": str(form.get("customer_action") or "").strip() or None,
        "channel": str(form.get("channel") or "other"),
        "direct": bool(form.get("direct")),
        "business_purpose": str(form.get("business_purpose") or "") or None,
        "customer_impact": str(form.get("customer_impact") or "") or None,
        "owner_user_id": forms.opt_int(form.get("owner_user_id")),
        "owner_team": str(form.get("owner_team") or "").strip() or None,
        "desired_emotion": str(form.get("desired_emotion") or "") or None,
        "targets": targets,
        "manual_assessment": str(form.get("manual_assessment") or "") or None,
        "notes": str(form.get("notes") or "").strip() or None,
        "unnecessary": bool(form.get("unnecessary")),
    }


def _touchpoint_form(
    request: Request,
    db: DB,
    ctx: Context,
    journey_id: int,
    tp: Any = None,
    error: str | None = None,
    values: dict | None = None,
) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    current = values or (
        service.touchpoint_out(tp) if tp is not None else {"direct": True, "targets": {}, "names": {}}
    )
    return forms.render(
        request,
        "journeys/touchpoint.html",
        status=422 if error else 200,
        journey=journey,
        stages=service.list_stages(db, journey_id=journey.id),
        members=forms.members(db, ctx),
        tp=tp,
        v=current,
        items=service.list_items(db, touchpoint_id=tp.id) if tp is not None else [],
        error=error,
        stage_id=forms.opt_int(request.query_params.get("stage")),
    )


@router.get("/journeys/{journey_id}/touchpoints/new")
def new_touchpoint_page(request: Request, db: DB, ctx: forms.Write, journey_id: int) -> Response:
    return _touchpoint_form(request, db, ctx, journey_id)


@router.post("/journeys/{journey_id}/touchpoints/new")
def create_touchpoint(request: Request, db: DB, ctx: forms.Write, journey_id: int, form: FormDep) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    values: dict[str, Any] = {}
    try:
        values = _touchpoint_values(form)
        if not values["key"]:
            values["key"] = service.made_key(
                db, Touchpoint, workspace_id=ctx.workspace.id, name=values["name"], names=values["names"],
                fallback="touchpoint",
            )  # fmt: skip
        tp = service.create_touchpoint(
            db, journey=journey, touchpoint_in=schemas.TouchpointIn(**values), actor=ctx
        )
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        return _touchpoint_form(request, db, ctx, journey_id, error=error_text(exc), values=values or None)
    return forms.back(ctx, f"/touchpoints/{tp.id}")


@router.get("/touchpoints/{touchpoint_id}")
def touchpoint_page(request: Request, db: DB, ctx: forms.Write, touchpoint_id: int) -> Response:
    tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
    return _touchpoint_form(request, db, ctx, tp.journey_id, tp)


@router.post("/touchpoints/{touchpoint_id}")
def update_touchpoint(
    request: Request, db: DB, ctx: forms.Write, touchpoint_id: int, form: FormDep
) -> Response:
    tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
    if form.get("action") == "delete":
        journey_id = tp.journey_id
        service.delete_touchpoint(db, touchpoint=tp, actor=ctx)
        return forms.back(ctx, f"/journeys/{journey_id}/edit")
    values: dict[str, Any] = {}
    try:
        values = _touchpoint_values(form)
        values["key"] = values["key"] or tp.key
        service.update_touchpoint(
            db, touchpoint=tp, touchpoint_in=schemas.TouchpointUpdate(**values), actor=ctx
        )
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
        return _touchpoint_form(
            request, db, ctx, tp.journey_id, tp, error=error_text(exc), values={**values, "id": tp.id}
        )
    return forms.back(ctx, f"/touchpoints/{touchpoint_id}")


@router.post("/touchpoints/{touchpoint_id}/items")
def add_item(request: Request, db: DB, ctx: forms.Write, touchpoint_id: int, form: FormDep) -> Response:
    tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
    try:
        item_in = schemas.ItemIn(
            kind=str(form.get("kind") or ""),  # type: ignore[arg-type]
            text=str(form.get("text") or ""),
            owner_user_id=forms.opt_int(form.get("owner_user_id")),
            owner_team=str(form.get("owner_team") or "").strip() or None,
            status=str(form.get("status") or "open"),  # type: ignore[arg-type]
        )
        service.create_item(db, touchpoint=tp, item_in=item_in, actor=ctx)
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
        return _touchpoint_form(request, db, ctx, tp.journey_id, tp, error=error_text(exc))
    return forms.back(ctx, f"/touchpoints/{touchpoint_id}")


@router.post("/touchpoint-items/{item_id}")
def change_item(request: Request, db: DB, ctx: forms.Write, item_id: int, form: FormDep) -> Response:
    item = service.get_item(db, workspace_id=ctx.workspace.id, item_id=item_id)
    touchpoint_id = item.touchpoint_id
    if form.get("action") == "delete":
        service.delete_item(db, item=item, actor=ctx)
    else:
        try:
            service.update_item(
                db,
                item=item,
                item_in=schemas.ItemUpdate.model_validate({"status": str(form.get("status") or "open")}),
                actor=ctx,
            )
        except ValidationError as exc:
            raise Invalid(error_text(exc), field="status") from None
    return forms.back(ctx, f"/touchpoints/{touchpoint_id}")


# -- history, redesign ---------------------------------------------------------------------------
