"""Pages: journeys, the journey map, the editor (drag to reorder), personas, history, redesign, analytics.

Pages call the same service functions as the JSON API; forms post back and redirect (or show the error).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData

from tajriba.errors import Invalid, TajribaError
from tajriba.i18n import _
from tajriba.journeys import analytics, journey_map, redesign, schemas, service, transfer
from tajriba.journeys.discovery import flow
from tajriba.journeys.render import LABEL_W, MARGIN, lane_titles, map_file, render_svg
from tajriba.models import Membership, Persona, Stage, Touchpoint, User
from tajriba.web.deps import DB, Context, FormDep, JsonDep, Require, WarehouseDep, verify_csrf
from tajriba.web.render import attachment, error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)

Read = Annotated[Context, Depends(Require("journeys:read"))]
Write = Annotated[Context, Depends(Require("journeys:write"))]
DEFAULT_STAGES = [
    ("awareness", "Awareness"),
    ("consideration", "Consideration"),
    ("purchase", "Purchase"),
    ("delivery", "Delivery"),
    ("support", "Support"),
    ("loyalty", "Loyalty and advocacy"),
]


def _render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("active", "journeys")
    context.setdefault("vocab", schemas)
    return request.app.state.renderer.page(request, template, status=status, **context)


def _back(ctx: Context, path: str) -> RedirectResponse:
    return RedirectResponse(f"/w/{ctx.workspace.slug}{path}", status_code=303)


def _members(db: DB, ctx: Context) -> list[tuple[int, str]]:
    rows = db.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == ctx.workspace.id)
        .order_by(User.name)
    )
    return [(int(i), str(n)) for i, n in rows]


def _names(form: FormData, prefix: str = "name") -> dict[str, str]:
    return {
        loc: str(v).strip()
        for loc in schemas.LOCALES
        if (v := form.get(f"{prefix}_{loc}")) and str(v).strip()
    }


def _lines(value: Any) -> list[str]:
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def _opt_int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


# -- journeys list and creation ------------------------------------------------------------------


@router.get("/journeys")
def journeys_page(request: Request, db: DB, ctx: Read, error: str | None = None) -> Response:
    journeys = service.list_journeys(db, workspace_id=ctx.workspace.id)
    counts = {j.id: len(service.list_touchpoints(db, journey_id=j.id)) for j in journeys}
    return _render(
        request,
        "journeys/list.html",
        journeys=journeys,
        counts=counts,
        personas=service.list_personas(db, workspace_id=ctx.workspace.id),
        error=error,
    )


@router.post("/journeys")
def create_journey(request: Request, db: DB, ctx: Write, form: FormDep) -> Response:
    try:
        stages = (
            [schemas.StageIn(key=k, name=_(n)) for k, n in DEFAULT_STAGES]
            if form.get("default_stages")
            else []
        )
        journey_in = schemas.JourneyIn(
            name=str(form.get("name") or ""),
            names=_names(form),
            description=str(form.get("description") or "") or None,
            persona_keys=[str(k) for k in form.getlist("persona_keys")],
            stages=stages,
        )
        journey = service.create_journey(db, workspace_id=ctx.workspace.id, journey_in=journey_in, actor=ctx)
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        return journeys_page(request, db, ctx, error=error_text(exc))
    return _back(ctx, f"/journeys/{journey.id}/edit")


@router.post("/journeys/import")
def import_journey(request: Request, db: DB, ctx: Write, file: Annotated[UploadFile, File()]) -> Response:
    content = file.file.read()
    kind = "xlsx" if (file.filename or "").lower().endswith(".xlsx") else "json"
    try:
        journey, _renamed = transfer.import_journey(
            db, workspace_id=ctx.workspace.id, data=content, kind=kind, actor=ctx
        )
    except TajribaError as exc:
        db.rollback()
        return journeys_page(request, db, ctx, error=error_text(exc))
    return _back(ctx, f"/journeys/{journey.id}")


# -- the map -------------------------------------------------------------------------------------


def _filters(
    persona: str | None = None,
    start: str | None = None,
    end: str | None = None,
    channel: str | None = None,
    language: str | None = None,
) -> journey_map.Filters:
    def day(value: str | None, field: str) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise Invalid(_("Use a date like 2026-03-31."), field=field) from None

    return journey_map.Filters(
        persona=persona or None,
        start=day(start, "start"),
        end=day(end, "end"),
        channel=channel or None,
        language=language or None,
    )


FiltersDep = Annotated[journey_map.Filters, Depends(_filters)]


@router.get("/journeys/{journey_id}")
def map_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, journey_id: int, filters: FiltersDep
) -> Response:
    started = time.perf_counter()
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    data = journey_map.build(db, wh, journey=journey, filters=filters, locale=request.state.locale)
    svg = render_svg(data)
    query = str(request.url.query)
    return _render(
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
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, journey_id: int, fmt: str, filters: FiltersDep
) -> Response:
    """The journey map drawn server-side as SVG, PNG or PDF (Arabic and Persian shaped, right to left)."""
    return attachment(
        *map_file(
            db, wh, workspace_id=ctx.workspace.id, journey_id=journey_id, filters=filters,
            locale=request.state.locale, fmt=fmt,
        )
    )  # fmt: skip


@router.get("/journeys/{journey_id}/export.{fmt}")
def export_journey(db: DB, ctx: Read, journey_id: int, fmt: str) -> Response:
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
    return _render(
        request,
        "journeys/edit.html",
        status=status,
        journey=journey,
        full=service.journey_out(db, journey),
        personas=service.list_personas(db, workspace_id=ctx.workspace.id),
        members=_members(db, ctx),
        error=error,
    )


@router.get("/journeys/{journey_id}/edit")
def edit_page(request: Request, db: DB, ctx: Write, journey_id: int) -> Response:
    return _editor(request, db, ctx, journey_id)


@router.post("/journeys/{journey_id}/edit")
def update_journey(request: Request, db: DB, ctx: Write, journey_id: int, form: FormDep) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    try:
        launched = str(form.get("launched_at") or "")
        journey_in = schemas.JourneyUpdate(
            name=str(form.get("name") or ""),
            names=_names(form),
            description=str(form.get("description") or "") or None,
            status=str(form.get("status") or "current"),  # type: ignore[arg-type]
            owner_user_id=_opt_int(form.get("owner_user_id")),
            persona_keys=[str(k) for k in form.getlist("persona_keys")],
            launched_at=f"{launched}T00:00:00+00:00" if launched else None,  # type: ignore[arg-type]
        )
        service.update_journey(db, journey=journey, journey_in=journey_in, actor=ctx)
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        return _editor(request, db, ctx, journey_id, error=error_text(exc), status=422)
    return _back(ctx, f"/journeys/{journey_id}/edit")


@router.post("/journeys/{journey_id}/delete")
def delete_journey(db: DB, ctx: Write, journey_id: int) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    service.delete_journey(db, journey=journey, actor=ctx)
    return _back(ctx, "/journeys")


@router.post("/journeys/{journey_id}/stages")
def stage_action(request: Request, db: DB, ctx: Write, journey_id: int, form: FormDep) -> Response:
    """Add a stage, or (with stage_id) rename or delete one."""
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    try:
        stage_id = _opt_int(form.get("stage_id"))
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
                        names=_names(form),
                        fallback="stage",
                        journey_id=journey.id,
                    ),
                    name=str(form.get("name") or ""),
                    names=_names(form),
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
                        name=str(form.get("name") or "") or None, names=_names(form) or None
                    ),
                    actor=ctx,
                )
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        return _editor(request, db, ctx, journey_id, error=error_text(exc), status=422)
    return _back(ctx, f"/journeys/{journey_id}/edit")


@router.post("/journeys/{journey_id}/order")
def save_order(request: Request, db: DB, ctx: Write, journey_id: int, body: JsonDep) -> dict[str, Any]:
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


def _touchpoint_values(form: FormData) -> dict[str, Any]:
    targets = {}
    for kpi in schemas.KPIS:
        raw = str(form.get(f"target_{kpi}") or "").strip()
        if raw:
            targets[kpi] = transfer.parse_target(raw, _("Target {kpi}").format(kpi=kpi), f"target_{kpi}")
    return {
        "key": str(form.get("key") or "").strip(),
        "name": str(form.get("name") or "").strip(),
        "names": _names(form),
        "stage_id": _opt_int(form.get("stage_id")),
        "customer_action": str(form.get("customer_action") or "").strip() or None,
        "channel": str(form.get("channel") or "other"),
        "direct": bool(form.get("direct")),
        "business_purpose": str(form.get("business_purpose") or "") or None,
        "customer_impact": str(form.get("customer_impact") or "") or None,
        "owner_user_id": _opt_int(form.get("owner_user_id")),
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
    return _render(
        request,
        "journeys/touchpoint.html",
        status=422 if error else 200,
        journey=journey,
        stages=service.list_stages(db, journey_id=journey.id),
        members=_members(db, ctx),
        tp=tp,
        v=current,
        items=service.list_items(db, touchpoint_id=tp.id) if tp is not None else [],
        error=error,
        stage_id=_opt_int(request.query_params.get("stage")),
    )


@router.get("/journeys/{journey_id}/touchpoints/new")
def new_touchpoint_page(request: Request, db: DB, ctx: Write, journey_id: int) -> Response:
    return _touchpoint_form(request, db, ctx, journey_id)


@router.post("/journeys/{journey_id}/touchpoints/new")
def create_touchpoint(request: Request, db: DB, ctx: Write, journey_id: int, form: FormDep) -> Response:
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
    return _back(ctx, f"/touchpoints/{tp.id}")


@router.get("/touchpoints/{touchpoint_id}")
def touchpoint_page(request: Request, db: DB, ctx: Write, touchpoint_id: int) -> Response:
    tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
    return _touchpoint_form(request, db, ctx, tp.journey_id, tp)


@router.post("/touchpoints/{touchpoint_id}")
def update_touchpoint(request: Request, db: DB, ctx: Write, touchpoint_id: int, form: FormDep) -> Response:
    tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
    if form.get("action") == "delete":
        journey_id = tp.journey_id
        service.delete_touchpoint(db, touchpoint=tp, actor=ctx)
        return _back(ctx, f"/journeys/{journey_id}/edit")
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
    return _back(ctx, f"/touchpoints/{touchpoint_id}")


@router.post("/touchpoints/{touchpoint_id}/items")
def add_item(request: Request, db: DB, ctx: Write, touchpoint_id: int, form: FormDep) -> Response:
    tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
    try:
        item_in = schemas.ItemIn(
            kind=str(form.get("kind") or ""),  # type: ignore[arg-type]
            text=str(form.get("text") or ""),
            owner_user_id=_opt_int(form.get("owner_user_id")),
            owner_team=str(form.get("owner_team") or "").strip() or None,
            status=str(form.get("status") or "open"),  # type: ignore[arg-type]
        )
        service.create_item(db, touchpoint=tp, item_in=item_in, actor=ctx)
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        tp = service.get_touchpoint(db, workspace_id=ctx.workspace.id, touchpoint_id=touchpoint_id)
        return _touchpoint_form(request, db, ctx, tp.journey_id, tp, error=error_text(exc))
    return _back(ctx, f"/touchpoints/{touchpoint_id}")


@router.post("/touchpoint-items/{item_id}")
def change_item(request: Request, db: DB, ctx: Write, item_id: int, form: FormDep) -> Response:
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
    return _back(ctx, f"/touchpoints/{touchpoint_id}")


# -- history, redesign ---------------------------------------------------------------------------


@router.get("/journeys/{journey_id}/history")
def history_page(request: Request, db: DB, ctx: Read, journey_id: int) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    entries = service.history(db, journey=journey)
    users = {uid: name for uid, name in _members(db, ctx)}
    return _render(request, "journeys/history.html", journey=journey, entries=entries, users=users)


@router.post("/journeys/{journey_id}/future-state")
def copy_future(db: DB, ctx: Write, journey_id: int) -> Response:
    journey = service.get_journey(db, workspace_id=ctx.workspace.id, journey_id=journey_id)
    future = redesign.copy_as_future(db, journey=journey, actor=ctx)
    return _back(ctx, f"/journeys/{future.id}/edit")


@router.get("/journeys/{journey_id}/compare")
def compare_page(
    request: Request,
    db: DB,
    wh: WarehouseDep,
    ctx: Read,
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
    return _render(
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


# -- journey analytics ---------------------------------------------------------------------------


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
    ctx: Read,
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
    f = _filters(persona, start, end, channel, None).in_zone(ctx.workspace.timezone)
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
    return _render(
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


# -- personas ------------------------------------------------------------------------------------


def _persona_values(form: FormData) -> dict[str, Any]:
    import orjson

    from tajriba.customers import service as customers

    rule_text = str(form.get("segment_rule") or "").strip()
    rule = customers.segment_from_rows(
        str(form.get("rule_match") or "all"),
        [
            (
                str(form.get(f"rule_field_{i}") or ""),
                str(form.get(f"rule_op_{i}") or ""),
                str(form.get(f"rule_value_{i}") or ""),
            )
            for i in range(customers.SEGMENT_ROWS)
        ],
    )
    if rule is None and rule_text:
        try:
            rule = orjson.loads(rule_text)
        except orjson.JSONDecodeError:
            raise Invalid(
                _("The segment rule must be JSON, for example {example}.").format(
                    example='{"field": "city", "op": "eq", "value": "الرياض"}'
                ),
                field="segment_rule",
            ) from None
    return {
        "key": str(form.get("key") or "").strip(),
        "name": str(form.get("name") or "").strip(),
        "names": _names(form),
        "avatar": str(form.get("avatar") or "").strip() or None,
        "description": str(form.get("description") or "").strip() or None,
        "goals": _lines(form.get("goals")),
        "needs": _lines(form.get("needs")),
        "frustrations": _lines(form.get("frustrations")),
        "habits": _lines(form.get("habits")),
        "channels": [str(c) for c in form.getlist("channels")],
        "languages": [str(c) for c in form.getlist("languages")],
        "quote": str(form.get("quote") or "").strip() or None,
        "desired_experience": str(form.get("desired_experience") or "").strip() or None,
        "segment_rule": rule,
    }


def _persona_form(
    request: Request,
    ctx: Context,
    wh: Any,
    persona: Any = None,
    error: str | None = None,
    values: dict | None = None,
) -> Response:
    from tajriba.customers import service as customers

    v = values or (
        service.persona_out(persona)
        if persona is not None
        else {"names": {}, "channels": [], "languages": []}
    )
    size = None
    if persona is not None and not error:
        try:
            size = customers.count_segment(
                wh, workspace_id=ctx.workspace.id, rule=persona.segment_rule, persona_key=persona.key
            )
        except TajribaError:
            size = None
    return _render(
        request,
        "journeys/persona.html",
        status=422 if error else 200,
        persona=persona,
        v=v,
        error=error,
        segment_size=size,
        rule_rows=customers.segment_to_rows,
    )


@router.get("/personas/new")
def new_persona_page(request: Request, wh: WarehouseDep, ctx: Write) -> Response:
    return _persona_form(request, ctx, wh)


@router.post("/personas/new")
def create_persona(request: Request, db: DB, wh: WarehouseDep, ctx: Write, form: FormDep) -> Response:
    values: dict[str, Any] = {}
    try:
        values = _persona_values(form)
        if not values["key"]:
            values["key"] = service.made_key(
                db, Persona, workspace_id=ctx.workspace.id, name=values["name"], names=values["names"],
                fallback="persona",
            )  # fmt: skip
        persona = service.create_persona(
            db, workspace_id=ctx.workspace.id, persona_in=schemas.PersonaIn(**values), actor=ctx
        )
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        return _persona_form(request, ctx, wh, error=error_text(exc), values=values or None)
    return _back(ctx, f"/personas/{persona.id}")


@router.get("/personas/{persona_id}")
def persona_page(request: Request, db: DB, wh: WarehouseDep, ctx: Read, persona_id: int) -> Response:
    persona = service.get_persona(db, workspace_id=ctx.workspace.id, persona_id=persona_id)
    return _persona_form(request, ctx, wh, persona)


@router.post("/personas/{persona_id}")
def update_persona(
    request: Request, db: DB, wh: WarehouseDep, ctx: Write, persona_id: int, form: FormDep
) -> Response:
    persona = service.get_persona(db, workspace_id=ctx.workspace.id, persona_id=persona_id)
    if form.get("action") == "delete":
        service.delete_persona(db, persona=persona, actor=ctx)
        return _back(ctx, "/journeys")
    values: dict[str, Any] = {}
    try:
        values = _persona_values(form)
        values["key"] = values["key"] or persona.key
        service.update_persona(db, persona=persona, persona_in=schemas.PersonaUpdate(**values), actor=ctx)
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        persona = service.get_persona(db, workspace_id=ctx.workspace.id, persona_id=persona_id)
        return _persona_form(request, ctx, wh, persona, error=error_text(exc), values=values or None)
    return _back(ctx, f"/personas/{persona_id}")
