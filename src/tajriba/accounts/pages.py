"""Pages: login, logout, preferences, workspace settings, members, keys and the audit log."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from tajriba.accounts import service
from tajriba.audit import list_entries, record
from tajriba.errors import Invalid, TajribaError, TooManyRequests, Unauthorized
from tajriba.i18n import LOCALES, _
from tajriba.models import User
from tajriba.permissions import ROLES
from tajriba.web.deps import (
    DB,
    LOCALE_COOKIE,
    SESSION_COOKIE,
    Context,
    CurrentUser,
    Require,
    optional_user,
    verify_csrf,
)
from tajriba.web.ratelimit import login_backoff, per_minute

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are allowed after login (no open redirects)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _render(request: Request, template: str, status: int = 200, **context: object) -> Response:
    return request.app.state.renderer.page(request, template, status=status, **context)


@router.get("/login")
def login_page(
    request: Request, user: Annotated[User | None, Depends(optional_user)], next: str | None = None
) -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _render(request, "login.html", next=_safe_next(next), email="", error=None)


@router.post("/login")
def login(
    request: Request,
    db: DB,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = request.app.state.settings
    ip = request.client.host if request.client else "unknown"
    _limit_attempts(request, ip)
    backoff = login_backoff(request.app.state, settings.login_max_failures, settings.lockout_minutes)
    key = f"{email.strip().casefold()}|{ip}"
    try:
        pause = backoff.wait(key)
        if pause:
            minutes = max(1, int(pause // 60) + 1)
            raise TooManyRequests(
                _(
                    "Too many failed logins for this email from your network. Try again in {minutes} minutes."
                ).format(minutes=minutes),
                retry_after=int(pause) + 1,
            )
        try:
            user = service.authenticate(db, email=email, password=password)
        except Unauthorized:
            if backoff.fail(key):
                record(db, action="login.throttled", details={"email": email.strip().casefold()[:320]}, ip=ip)
                db.commit()  # the record stays although the login failed
            raise
    except TajribaError as exc:
        status = exc.status if exc.status in (401, 429) else 400
        response = _render(
            request, "login.html", status=status, next=_safe_next(next), email=email, error=exc.message
        )
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    backoff.succeed(key)
    token = service.start_session(
        db, user=user, settings=settings, ip=ip, user_agent=request.headers.get("user-agent")
    )
    record(db, action="user.login", actor_user_id=user.id, target_type="user", target_id=str(user.id), ip=ip)
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = request.url.scheme == "https"
    max_age = int(settings.session_hours * 3600)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure, max_age=max_age, path="/"
    )
    return response


def _limit_attempts(request: Request, ip: str) -> None:
    """Login attempts per network per minute (one limiter per application, not per process)."""
    wait = per_minute(
        request.app.state, "login_limiter", request.app.state.settings.login_rate_per_minute
    ).hit(ip)
    if wait:
        raise TooManyRequests(
            _("Too many login attempts from your network. Wait a minute and try again."),
            retry_after=int(wait) + 1,
        )


@router.post("/logout")
def logout(request: Request, db: DB) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(db, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(request: Request, user: CurrentUser, db: DB, ws: str | None = None) -> Response:
    """Open the chosen workspace (the switcher's `ws`, when the user is a member) or the first one."""
    workspaces = service.list_workspaces(db, user=user)
    chosen = [w for w in workspaces if w.slug == ws] or workspaces
    if chosen:
        return RedirectResponse(f"/w/{chosen[0].slug}/", status_code=303)
    return _render(request, "no_workspace.html")


@router.get("/account")
def account_page(request: Request, user: CurrentUser, saved: int = 0) -> Response:
    from datetime import date

    return _render(request, "account.html", saved=bool(saved), today=date.today())


@router.post("/preferences")
def preferences(
    request: Request,
    db: DB,
    user: Annotated[User | None, Depends(optional_user)],
    locale: Annotated[str | None, Form()] = None,
    calendar: Annotated[str | None, Form()] = None,
    digits: Annotated[str | None, Form()] = None,
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Change language, calendar and digits; anonymous visitors keep the language in a cookie."""
    if locale is not None and locale not in LOCALES:
        raise Invalid(_("Language must be one of ar, fa, en."), field="locale")
    if user is not None:
        service.set_preferences(
            db, user=user, locale=locale, calendar=calendar or None, digits=digits or None
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    if locale:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 86400, samesite="lax", path="/")
    return response


# -- workspace administration ---------------------------------------------------------------------


@router.get("/w/{workspace}/settings")
def settings_page(request: Request, ctx: Annotated[Context, Depends(Require("settings:manage"))]) -> Response:
    return _render(request, "settings/workspace.html", saved=False)


@router.post("/w/{workspace}/settings")
def save_settings(
    request: Request,
    db: DB,
    ctx: Annotated[Context, Depends(Require("settings:manage"))],
    name: Annotated[str, Form()],
    default_locale: Annotated[str, Form()],
    calendar: Annotated[str, Form()],
    timezone: Annotated[str, Form()],
    currency: Annotated[str, Form()],
) -> Response:
    service.update_workspace(
        db,
        workspace=ctx.workspace,
        name=name,
        default_locale=default_locale,
        calendar=calendar,
        timezone=timezone,
        currency=currency,
        actor=ctx.user,
    )
    return _render(request, "settings/workspace.html", saved=True)


@router.get("/w/{workspace}/settings/members")
def members_page(
    request: Request, db: DB, ctx: Annotated[Context, Depends(Require("members:manage"))]
) -> Response:
    return _members(request, db, ctx)


def _members(request: Request, db: DB, ctx: Context, error: str | None = None, status: int = 200) -> Response:
    members = service.list_members(db, workspace=ctx.workspace)
    roles = [r for r in ROLES if r != "owner" or ctx.role == "owner"]
    return _render(request, "settings/members.html", status=status, members=members, roles=roles, error=error)


@router.post("/w/{workspace}/settings/members")
def add_member(
    request: Request,
    db: DB,
    ctx: Annotated[Context, Depends(Require("members:manage"))],
    email: Annotated[str, Form()],
    role: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    """Add an existing user by email, or create the account when a name and password are given."""
    try:
        service.add_member(
            db,
            workspace=ctx.workspace,
            email=email,
            role=role,
            name=name,
            password=password,
            actor_role=ctx.role,
            actor=ctx.user,
        )
    except TajribaError as exc:
        db.rollback()
        return _members(request, db, ctx, error=exc.message, status=exc.status)
    return RedirectResponse(f"/w/{ctx.workspace.slug}/settings/members", status_code=303)


@router.post("/w/{workspace}/settings/members/{user_id}/role")
def change_role(
    request: Request,
    db: DB,
    ctx: Annotated[Context, Depends(Require("members:manage"))],
    user_id: int,
    role: Annotated[str, Form()],
) -> Response:
    member = db.get(User, user_id)
    if member is None or service.role_of(db, user=member, workspace=ctx.workspace) is None:
        return _members(request, db, ctx, error=_("No such member."), status=404)
    try:
        service.set_role(
            db, workspace=ctx.workspace, user=member, role=role, actor_role=ctx.role, actor=ctx.user
        )
    except TajribaError as exc:
        db.rollback()
        return _members(request, db, ctx, error=exc.message, status=exc.status)
    return RedirectResponse(f"/w/{ctx.workspace.slug}/settings/members", status_code=303)


@router.get("/w/{workspace}/settings/keys")
def keys_page(request: Request, db: DB, ctx: Annotated[Context, Depends(Require("keys:manage"))]) -> Response:
    return _render(
        request,
        "settings/keys.html",
        keys=service.list_keys(db, workspace=ctx.workspace),
        new_secret=None,
        roles=[r for r in ROLES if r != "owner"],
    )


@router.post("/w/{workspace}/settings/keys")
def create_key(
    request: Request,
    db: DB,
    ctx: Annotated[Context, Depends(Require("keys:manage"))],
    name: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    role: Annotated[str, Form()] = "analyst",
) -> Response:
    _key, secret = service.create_key(
        db, workspace=ctx.workspace, kind=kind, name=name, role=role, created_by=ctx.user
    )
    return _render(
        request,
        "settings/keys.html",
        keys=service.list_keys(db, workspace=ctx.workspace),
        new_secret=secret,
        roles=[r for r in ROLES if r != "owner"],
    )


@router.post("/w/{workspace}/settings/keys/{key_id}/revoke")
def revoke_key(
    request: Request, db: DB, ctx: Annotated[Context, Depends(Require("keys:manage"))], key_id: int
) -> Response:
    service.revoke_key(db, workspace=ctx.workspace, key_id=key_id, actor=ctx.user)
    return RedirectResponse(f"/w/{ctx.workspace.slug}/settings/keys", status_code=303)


@router.get("/w/{workspace}/settings/audit")
def audit_page(request: Request, db: DB, ctx: Annotated[Context, Depends(Require("audit:read"))]) -> Response:
    return _render(request, "settings/audit.html", entries=list_entries(db, workspace_id=ctx.workspace.id))
