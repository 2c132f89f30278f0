"""Pages: the reports screen (download the summary now, subscribe people to it by mail, share a read-only
link that expires) and the shared page itself, which needs no login."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tajriba.calendars import format_date
from tajriba.errors import Invalid, NotFound, TajribaError
from tajriba.i18n import LOCALES, _, speaking
from tajriba.reports import render, schedule, summary
from tajriba.reports.schemas import ShareIn, SubscriptionIn
from tajriba.web.deps import DB, Context, FormDep, Require, WarehouseDep, public_base, verify_csrf
from tajriba.web.export import FORMATS as TABLE_FORMATS
from tajriba.web.render import attachment, error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)
shared_router = APIRouter(include_in_schema=False)
Read = Annotated[Context, Depends(Require("metrics:read"))]
Manage = Annotated[Context, Depends(Require("reports:manage"))]
FILE_TYPES = {"pdf": "application/pdf", "xlsx": TABLE_FORMATS["xlsx"]}


def _frequency(value: str | None) -> str:
    value = value or "weekly"
    if value not in summary.FREQUENCIES:
        raise Invalid(_("A report is weekly or monthly."), field="frequency")
    return value


@router.get("/reports")
def reports_page(
    request: Request,
    db: DB,
    ctx: Read,
    error: str | None = None,
    saved: str | None = None,
    link: str | None = None,
) -> Response:
    return request.app.state.renderer.page(
        request,
        "reports/list.html",
        active="reports",
        subscriptions=schedule.subscriptions(db, ctx.workspace.id) if ctx.can("reports:manage") else [],
        error=error,
        saved=saved,
        link=link if link and link.startswith(public_base(request)) else None,
        max_days=schedule.MAX_LINK_DAYS,
    )


@router.get("/reports/summary.{fmt}")
def download(
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, fmt: str, frequency: str | None = None
) -> Response:
    """The summary now, in the reader's language: PDF or XLSX."""
    if fmt not in FILE_TYPES:
        raise NotFound(_("Not found."))
    chosen = _frequency(frequency)
    locale = request.state.locale
    _data, files = schedule.attachments(
        db, wh, ctx.workspace, frequency=chosen, locale=locale, formats=[fmt], now=datetime.now(UTC)
    )
    name, body, _main, _sub = files[0]
    return attachment(body, FILE_TYPES[fmt], name)


@router.post("/reports")
def change(request: Request, db: DB, ctx: Manage, form: FormDep) -> Response:
    action = str(form.get("action") or "")
    base = f"/w/{ctx.workspace.slug}/reports"
    try:
        if action == "subscribe":
            wanted = SubscriptionIn.from_form(form)
            sub = schedule.subscribe(
                db,
                workspace=ctx.workspace,
                **wanted.model_dump(),
                created_by=ctx.user.id if ctx.user else None,
                actor=ctx,
            )
            message = _("Subscribed: the first summary goes out {when}.").format(
                when=format_date(
                    sub.next_at,
                    locale=request.state.locale,
                    calendar=getattr(request.state, "calendar", "gregorian"),
                    tz=ctx.workspace.timezone,
                    with_time=True,
                )
            )
            return RedirectResponse(f"{base}?saved={_quote(message)}", status_code=303)
        if action == "unsubscribe":
            schedule.unsubscribe(
                db, workspace=ctx.workspace, subscription_id=int(str(form.get("id") or "0")), actor=ctx
            )
            return RedirectResponse(f"{base}?saved={_quote(_('Removed.'))}", status_code=303)
        if action == "share":
            link = ShareIn.from_form(form)
            token = schedule.share(
                db,
                request.app.state.settings.secret,
                ctx.workspace,
                frequency=_frequency(link.frequency),
                days=link.days,
                actor=ctx,
            )
            url = f"{public_base(request)}/r/{token}"
            return RedirectResponse(f"{base}?link={_quote(url)}", status_code=303)
        if action == "revoke":
            schedule.revoke_links(db, workspace=ctx.workspace, actor=ctx)
            return RedirectResponse(
                f"{base}?saved={_quote(_('Every shared link given so far stops working.'))}", status_code=303
            )
        raise Invalid(_("Unknown action."), field="action")
    except (TajribaError, ValueError) as exc:
        db.rollback()
        return RedirectResponse(f"{base}?error={_quote(error_text(exc))}", status_code=303)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@shared_router.get("/r/{token}")
def shared(request: Request, db: DB, wh: WarehouseDep, token: str, lang: str | None = None) -> Response:
    """The summary a signed link grants, read-only, without a login, until the link expires."""
    workspace, frequency, expires = schedule.read_share_token(
        db, request.app.state.settings.secret, token[:200]
    )
    locale = lang if lang in LOCALES else (getattr(request.state, "locale", None) or workspace.default_locale)
    with speaking(locale):
        data = summary.build(db, wh, workspace, frequency=frequency)
        title, subtitle, parts = render.sections(data, locale=locale, calendar=workspace.calendar)
        env = request.app.state.renderer.env
        html = env.get_template("reports/shared.html").render(
            locale=locale,
            dir="rtl" if locale in ("ar", "fa") else "ltr",
            title=title,
            subtitle=subtitle,
            parts=parts,
            expires=format_date(
                expires, locale=locale, calendar=workspace.calendar, tz=workspace.timezone, with_time=True
            ),
            token=token,
            langs=LOCALES,
        )
    return HTMLResponse(
        html,
        headers={
            "X-Robots-Tag": "noindex",
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


@shared_router.get("/r/{token}/summary.{fmt}")
def shared_file(
    request: Request, db: DB, wh: WarehouseDep, token: str, fmt: str, lang: str | None = None
) -> Response:
    if fmt not in FILE_TYPES:
        raise NotFound(_("Not found."))
    workspace, frequency, _expires = schedule.read_share_token(
        db, request.app.state.settings.secret, token[:200]
    )
    locale = lang if lang in LOCALES else workspace.default_locale
    _data, files = schedule.attachments(
        db, wh, workspace, frequency=frequency, locale=locale, formats=[fmt], now=datetime.now(UTC)
    )
    name, body, _m, _s = files[0]
    return attachment(body, FILE_TYPES[fmt], name)
