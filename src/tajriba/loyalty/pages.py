"""Pages: the programme dashboard (figures, tiers, campaigns with their lift, rewards, offer batches) and its forms.
The same service functions as `/api/v1/loyalty`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from tajriba.errors import TajribaError
from tajriba.i18n import to_latin_digits
from tajriba.loyalty import actions, dashboard, service
from tajriba.loyalty.schemas import CampaignCreate, RewardCreate
from tajriba.models import OfferBatch
from tajriba.models.base import utcnow
from tajriba.web.deps import DB, Context, FormDep, Require, WarehouseDep, verify_csrf
from tajriba.web.render import error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)
Read = Annotated[Context, Depends(Require("loyalty:read"))]
Manage = Annotated[Context, Depends(Require("loyalty:manage"))]


def _back(ctx: Context, **query: str) -> RedirectResponse:
    from urllib.parse import urlencode

    return RedirectResponse(
        f"/w/{ctx.workspace.slug}/loyalty" + ("?" + urlencode(query) if query else ""), status_code=303
    )


def _text(form: Any, name: str) -> str | None:
    value = to_latin_digits(str(form.get(name) or "").strip())
    return value or None


@router.get("/loyalty")
def loyalty_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, error: str | None = None, done: str | None = None
) -> Response:
    from sqlalchemy import select

    now = utcnow()
    try:
        figures = dashboard.figures(db, wh, workspace=ctx.workspace, now=now)
    except TajribaError:
        figures = None
    batches = list(
        db.scalars(
            select(OfferBatch)
            .where(OfferBatch.workspace_id == ctx.workspace.id)
            .order_by(OfferBatch.id.desc())
            .limit(10)
        )
    )
    return request.app.state.renderer.page(
        request,
        "loyalty/dashboard.html",
        active="loyalty",
        f=figures,
        error=error,
        done=done,
        rewards=service.catalogue(db, workspace_id=ctx.workspace.id, active_only=False) if figures else [],
        batches=[(b, actions.batch_lift(db, wh, batch=b, now=now)) for b in batches],
        seasons=service.SEASONS,
        action_labels=actions.ACTION_LABELS,
        channels=list(actions.CHANNEL_PURPOSES),
        this_year=now.year,
    )


@router.post("/loyalty/start")
def start(request: Request, db: DB, ctx: Manage, form: FormDep) -> Response:
    service.start_programme(db, workspace_id=ctx.workspace.id, name=_text(form, "name") or ctx.workspace.name)
    return _back(ctx, done="started")


@router.post("/loyalty/run")
def run_now(request: Request, db: DB, wh: WarehouseDep, ctx: Manage) -> Response:
    """Earn from new orders, expire, send notices and review tiers now (the job does it every few minutes)."""
    from tajriba.loyalty.tasks import run_programme

    try:
        run_programme(
            db, wh, workspace_id=ctx.workspace.id, settings=request.app.state.settings, now=utcnow()
        )
    except TajribaError as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx, done="run")


@router.post("/loyalty/campaigns")
def create_campaign(request: Request, db: DB, ctx: Manage, form: FormDep) -> Response:
    try:
        season = _text(form, "season")
        data = CampaignCreate(
            name=_text(form, "name") or "",
            season=season,
            year=int(_text(form, "year") or 0) or None,
            starts_on=date.fromisoformat(s) if (s := _text(form, "starts_on")) else None,
            ends_on=date.fromisoformat(e) if (e := _text(form, "ends_on")) else None,
            multiplier=float(_text(form, "multiplier") or 1),
            bonus_points=int(_text(form, "bonus_points") or 0),
            holdout_share=float(_text(form, "holdout_percent") or 10) / 100,
        )
        service.create_campaign(db, workspace_id=ctx.workspace.id, data=data)
    except (TajribaError, ValidationError, ValueError) as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx, done="campaign")


@router.post("/loyalty/rewards")
def create_reward(request: Request, db: DB, ctx: Manage, form: FormDep) -> Response:
    try:
        data = RewardCreate(
            name=_text(form, "name") or "",
            points=int(_text(form, "points") or 0),
            stock=int(s) if (s := _text(form, "stock")) else None,
            per_member=int(p) if (p := _text(form, "per_member")) else None,
        )
        service.programme_of(db, ctx.workspace.id)
        service.create_reward(db, workspace_id=ctx.workspace.id, data=data)
    except (TajribaError, ValidationError, ValueError) as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx, done="reward")


@router.post("/loyalty/offers")
def create_offers(request: Request, db: DB, wh: WarehouseDep, ctx: Manage, form: FormDep) -> Response:
    try:
        actions.create_batch(
            db,
            wh,
            workspace=ctx.workspace,
            name=_text(form, "name") or "",
            channel=_text(form, "channel") or "email",
            now=utcnow(),
            holdout_share=float(_text(form, "holdout_percent") or 10) / 100,
            cost_per_offer=float(_text(form, "cost_per_offer") or 0),
        )
    except (TajribaError, ValidationError, ValueError) as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx, done="offers")
