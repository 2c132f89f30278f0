"""Pages: personas (create, edit), with the customers their segment rule matches."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from tajriba.errors import Invalid, TajribaError
from tajriba.i18n import _
from tajriba.journeys import forms, schemas, service
from tajriba.models import Persona
from tajriba.web.deps import DB, Context, FormDep, WarehouseDep, verify_csrf
from tajriba.web.render import error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)


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
        "names": forms.names(form),
        "avatar": str(form.get("avatar") or "").strip() or None,
        "description": str(form.get("description") or "").strip() or None,
        "goals": forms.lines(form.get("goals")),
        "needs": forms.lines(form.get("needs")),
        "frustrations": forms.lines(form.get("frustrations")),
        "habits": forms.lines(form.get("habits")),
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
    return forms.render(
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
def new_persona_page(request: Request, wh: WarehouseDep, ctx: forms.Write) -> Response:
    return _persona_form(request, ctx, wh)


@router.post("/personas/new")
def create_persona(request: Request, db: DB, wh: WarehouseDep, ctx: forms.Write, form: FormDep) -> Response:
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
    return forms.back(ctx, f"/personas/{persona.id}")


@router.get("/personas/{persona_id}")
def persona_page(request: Request, db: DB, wh: WarehouseDep, ctx: forms.Read, persona_id: int) -> Response:
    persona = service.get_persona(db, workspace_id=ctx.workspace.id, persona_id=persona_id)
    return _persona_form(request, ctx, wh, persona)


@router.post("/personas/{persona_id}")
def update_persona(
    request: Request, db: DB, wh: WarehouseDep, ctx: forms.Write, persona_id: int, form: FormDep
) -> Response:
    persona = service.get_persona(db, workspace_id=ctx.workspace.id, persona_id=persona_id)
    if form.get("action") == "delete":
        service.delete_persona(db, persona=persona, actor=ctx)
        return forms.back(ctx, "/journeys")
    values: dict[str, Any] = {}
    try:
        values = _persona_values(form)
        values["key"] = values["key"] or persona.key
        service.update_persona(db, persona=persona, persona_in=schemas.PersonaUpdate(**values), actor=ctx)
    except (ValidationError, TajribaError) as exc:
        db.rollback()
        persona = service.get_persona(db, workspace_id=ctx.workspace.id, persona_id=persona_id)
        return _persona_form(request, ctx, wh, persona, error=error_text(exc), values=values or None)
    return forms.back(ctx, f"/personas/{persona_id}")
