"""Pages: the goals dashboard (every goal with status, progress and projection) and one goal's page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from tajriba.errors import Invalid, TajribaError
from tajriba.goals import service
from tajriba.goals.schemas import METRIC_LABELS, SCOPE_LABELS, STATUS_LABELS, STATUS_REASONS, GoalCreate
from tajriba.i18n import _, localized, to_latin_digits
from tajriba.models import Journey, Membership, Persona, Stage, Touchpoint, User
from tajriba.web.deps import DB, Context, FormDep, Require, WarehouseDep, verify_csrf
from tajriba.web.render import error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)
Read = Annotated[Context, Depends(Require("metrics:read"))]
Write = Annotated[Context, Depends(Require("goals:write"))]


def _render(request: Request, template: str, **context: Any) -> Response:
    context.setdefault("active", "goals")
    return request.app.state.renderer.page(
        request,
        template,
        metric_labels=METRIC_LABELS,
        status_labels=STATUS_LABELS,
        status_reasons=STATUS_REASONS,
        scope_labels=SCOPE_LABELS,
        **context,
    )


def _back(ctx: Context, path: str, **query: str) -> RedirectResponse:
    suffix = ("?" + urlencode(query)) if query else ""
    return RedirectResponse(f"/w/{ctx.workspace.slug}{path}{suffix}", status_code=303)


def _choices(db: DB, ctx: Context) -> dict[str, Any]:
    ws = ctx.workspace.id
    scopes: dict[str, list[tuple[int, str]]] = {}
    for scope, model in (
        ("journey", Journey),
        ("stage", Stage),
        ("touchpoint", Touchpoint),
        ("persona", Persona),
    ):
        rows = db.execute(select(model.id, model.name, model.names).where(model.workspace_id == ws))
        scopes[scope] = sorted(((int(i), localized(n, names)) for i, n, names in rows), key=lambda r: r[1])
    owners = db.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == ws)
    ).all()
    return {"scope_choices": scopes, "owners": [(int(i), str(n)) for i, n in owners]}


def _number(value: Any) -> float:
    text = to_latin_digits(str(value or "").strip()).replace("٫", ".").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise Invalid(_("The target must be a number."), field="target") from None


def _goal_in(form: Any) -> GoalCreate:
    scope = str(form.get("scope") or "company")
    raw_id = form.get(f"scope_id_{scope}") or form.get("scope_id") or None
    return GoalCreate(
        name=str(form.get("name") or ""),
        feeling=str(form.get("feeling") or "") or None,
        metric=str(form.get("metric") or ""),
        scope=scope,
        scope_id=None if scope == "company" or raw_id in (None, "") else int(str(raw_id)),
        target=_number(form.get("target")),
        start_date=str(form.get("start_date") or ""),  # type: ignore[arg-type]
        due_date=str(form.get("due_date") or ""),  # type: ignore[arg-type]
        owner_id=int(str(form.get("owner_id"))) if form.get("owner_id") else None,
    )


@router.get("/goals")
def goals_page(request: Request, db: DB, wh: WarehouseDep, ctx: Read, error: str | None = None) -> Response:
    data = service.dashboard(db, wh, ctx.workspace)
    return _render(request, "goals/list.html", data=data, error=error, **_choices(db, ctx))


@router.post("/goals")
def create_goal(request: Request, db: DB, ctx: Write, form: FormDep) -> Response:
    try:
        goal = service.create_goal(db, workspace_id=ctx.workspace.id, data=_goal_in(form), actor=ctx)
    except (TajribaError, ValidationError, ValueError) as exc:
        return _back(ctx, "/goals", error=error_text(exc))
    return _back(ctx, f"/goals/{goal.id}")


@router.get("/goals/{goal_id}")
def goal_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, goal_id: int, error: str | None = None
) -> Response:
    goal = service.get_goal(db, ctx.workspace.id, goal_id)
    (measured,) = service.named(db, ctx.workspace.id, [service.measure(db, wh, ctx.workspace, goal)])
    return _render(request, "goals/detail.html", g=measured, goal=goal, error=error, **_choices(db, ctx))


@router.post("/goals/{goal_id}")
def update_goal(request: Request, db: DB, ctx: Write, goal_id: int, form: FormDep) -> Response:
    goal = service.get_goal(db, ctx.workspace.id, goal_id)
    try:
        if form.get("action") == "archive":
            service.archive_goal(db, goal=goal, actor=ctx)
            return _back(ctx, "/goals")
        service.update_goal(db, goal=goal, data=_goal_in(form), actor=ctx)
    except (TajribaError, ValidationError, ValueError) as exc:
        return _back(ctx, f"/goals/{goal_id}", error=error_text(exc))
    return _back(ctx, f"/goals/{goal_id}")
