"""Pages of the privacy team (`/w/{workspace}/privacy`): the queue of people's requests by due date with their
answers (an archive, an erasure, the one extension), legal holds, the breach register with its clocks, the
retention rules with a preview of the next purge, the records of processing and the privacy notice; and the
page where an agent notes a request made on the phone or at a branch. The same service functions as the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from tajriba.accounts import service as accounts
from tajriba.errors import TajribaError
from tajriba.i18n import _
from tajriba.models.base import utcnow
from tajriba.privacy import breaches, erase, export, holds, records, requests, retention
from tajriba.privacy.schemas import Channel, Kind, RequestIn
from tajriba.web.deps import DB, Context, FormDep, Require, WarehouseDep, verify_csrf
from tajriba.web.export import MEDIA
from tajriba.web.render import error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)
Manage = Annotated[Context, Depends(Require("privacy:manage"))]
Log = Annotated[Context, Depends(Require("privacy:request"))]
KINDS: tuple[Kind, ...] = ("access", "correction", "erasure", "restriction", "objection", "portability")
CHANNELS: tuple[Channel, ...] = ("agent", "email", "web", "api")


def _back(ctx: Context, path: str = "privacy", **query: str) -> RedirectResponse:
    suffix = ("?" + urlencode(query)) if query else ""
    return RedirectResponse(f"/w/{ctx.workspace.slug}/{path}{suffix}", status_code=303)


def _text(form: Any, name: str) -> str | None:
    value = str(form.get(name) or "").strip()
    return value or None


@router.get("/privacy")
def privacy_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: Manage, error: str | None = None, done: str | None = None
) -> Response:
    ws = ctx.workspace.id
    now = utcnow()
    queue = [
        {"r": r, "days_left": (r.current_due_at.replace(tzinfo=UTC) - now).total_seconds() / 86400}
        for r in requests.list_requests(db, workspace_id=ws, open_only=False)
    ]
    preview = retention.purge(db, wh, workspace_id=ws, actor=ctx, dry_run=True)  # counts only
    return request.app.state.renderer.page(
        request,
        "privacy/privacy.html",
        active="privacy",
        error=error,
        done=done,
        queue=queue,
        kinds=KINDS,
        holds=holds.list_holds(db, workspace_id=ws),
        breaches=[
            (b, breaches.clock(b), breaches.missing(b)) for b in breaches.list_breaches(db, workspace_id=ws)
        ],
        required=breaches.REQUIRED,
        months=retention.rules(db, workspace_id=ws),
        categories=retention.CATEGORIES,
        preview=preview,
        purposes=records.purposes(db, workspace_id=ws),
        notice=accounts.current_notice(ctx.workspace),
    )


@router.get("/privacy/new")
def new_request_page(
    request: Request, ctx: Log, error: str | None = None, done: str | None = None
) -> Response:
    """Note a request someone made on the phone, by e-mail or at a branch (it gets its legal due date)."""
    return request.app.state.renderer.page(
        request, "privacy/new.html", active="privacy", error=error, done=done, kinds=KINDS, channels=CHANNELS
    )


@router.post("/privacy/requests")
def log_request(db: DB, ctx: Log, form: FormDep) -> Response:
    try:
        data = RequestIn(
            kind=str(form.get("kind") or ""),  # type: ignore[arg-type]
            channel=str(form.get("channel") or "agent"),  # type: ignore[arg-type]
            jurisdiction=str(form.get("jurisdiction") or "pdpl"),  # type: ignore[arg-type]
            language=str(form.get("language") or "ar"),  # type: ignore[arg-type]
            contact=_text(form, "contact"),
            customer_id=_text(form, "customer_id"),
            details=_text(form, "details"),
        )
        made = requests.log_request(db, workspace_id=ctx.workspace.id, data=data, actor=ctx)
    except (TajribaError, ValidationError) as exc:
        return _back(ctx, "privacy/new", error=error_text(exc))
    return _back(ctx, "privacy/new", done=str(made.id))


@router.post("/privacy/requests/{privacy_request_id}/extension")
def extend(db: DB, ctx: Manage, privacy_request_id: int, form: FormDep) -> Response:
    try:
        found = requests.get_request(db, workspace_id=ctx.workspace.id, request_id=privacy_request_id)
        requests.extend_request(db, request=found, reason=str(form.get("reason") or ""), actor=ctx)
    except TajribaError as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx, done=f"request-{privacy_request_id}")


@router.post("/privacy/requests/{privacy_request_id}/erasure")
def erase_request(
    request: Request, db: DB, wh: WarehouseDep, ctx: Manage, privacy_request_id: int
) -> Response:
    try:
        found = requests.get_request(db, workspace_id=ctx.workspace.id, request_id=privacy_request_id)
        uploads = request.app.state.settings.data_dir / "uploads"
        outcome = erase.erase_for_request(db, wh, request=found, actor=ctx, uploads=uploads)
    except TajribaError as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx, done=f"erasure-{outcome.status}")


@router.get("/privacy/requests/{privacy_request_id}/archive")
def archive(db: DB, wh: WarehouseDep, ctx: Manage, privacy_request_id: int) -> Response:
    try:
        found = requests.get_request(db, workspace_id=ctx.workspace.id, request_id=privacy_request_id)
        content = export.request_archive(db, wh, request=found, actor=ctx)
    except TajribaError as exc:
        return _back(ctx, error=error_text(exc))
    headers = {"Content-Disposition": f'attachment; filename="privacy-request-{found.id}.zip"'}
    return Response(content, media_type=MEDIA["zip"], headers=headers)


@router.post("/privacy/holds")
def place_hold(db: DB, ctx: Manage, form: FormDep) -> Response:
    try:
        holds.place_hold(db, workspace_id=ctx.workspace.id, customer_id=str(form.get("customer_id") or ""),
                         reason=str(form.get("reason") or ""), reference=_text(form, "reference"), actor=ctx)  # fmt: skip
    except TajribaError as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx, done="hold")


@router.post("/privacy/holds/{hold_id}/release")
def release_hold(db: DB, ctx: Manage, hold_id: int) -> Response:
    try:
        holds.release_hold(db, workspace_id=ctx.workspace.id, hold_id=hold_id, actor=ctx)
    except TajribaError as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx, done="released")


@router.post("/privacy/breaches")
def log_breach(db: DB, ctx: Manage, form: FormDep) -> Response:
    try:
        aware = _text(form, "aware_at")
        title, description = str(form.get("title") or "").strip(), str(form.get("description") or "").strip()
        if len(title) < 3 or not description:
            raise ValueError(_("give the breach a title and say what happened"))
        data = {
            "title": title,
            "description": description,
            "aware_at": datetime.fromisoformat(aware).replace(tzinfo=UTC) if aware else None,
            "categories": [c.strip() for c in str(form.get("categories") or "").split(",") if c.strip()],
            "contact": _text(form, "contact"),
        }
        breaches.log_breach(db, workspace_id=ctx.workspace.id, data=data, actor=ctx)
    except (TajribaError, ValueError) as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx, done="breach")


@router.post("/privacy/retention")
def set_retention(db: DB, ctx: Manage, form: FormDep) -> Response:
    try:
        months = {
            c: int(str(form.get(c))) if str(form.get(c) or "").strip() else None for c in retention.CATEGORIES
        }
        retention.set_rules(db, workspace_id=ctx.workspace.id, months=months, actor=ctx)
    except (TajribaError, ValueError) as exc:
        return _back(ctx, error=error_text(exc))
    return _back(ctx, done="retention")
