"""The public request form (`/privacy/{workspace}/request`): no account needed, Arabic, Persian or English,
right to left where it should be; a code sent to the person's e-mail or phone confirms it is theirs."""

from __future__ import annotations

import smtplib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tajriba import i18n
from tajriba.accounts import service as accounts
from tajriba.errors import NotFound, TajribaError, TooManyRequests
from tajriba.i18n import _
from tajriba.privacy import intake
from tajriba.web.deps import DB, FormDep, WarehouseDep
from tajriba.web.ratelimit import per_minute
from tajriba.web.render import error_text

router = APIRouter(prefix="/privacy/{workspace}", include_in_schema=False)
LANGUAGES = ("ar", "fa", "en")
KINDS = ("access", "correction", "erasure", "objection", "portability", "restriction")


def _language(request: Request, asked: str | None) -> str:
    if asked in LANGUAGES:
        return str(asked)
    header = request.headers.get("accept-language", "")
    return next((lang for lang in LANGUAGES if header.lower().startswith(lang)), "ar")


def _page(request: Request, template: str, locale: str, status: int = 200, **context: Any) -> HTMLResponse:
    i18n.set_locale(locale)
    html = request.app.state.renderer.env.get_template(template).render(
        locale=locale, dir=i18n.DIRECTION.get(locale, "ltr"), languages=LANGUAGES, **context
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _limit(request: Request) -> None:
    ip = request.client.host if request.client else "unknown"
    limit = request.app.state.settings.privacy_rate_per_minute  # posts per address (each may send a code)
    if per_minute(request.app.state, "privacy_limiter", limit).hit(ip):
        raise TooManyRequests(
            _("Too many requests from this address; try again in a minute."), retry_after=60
        )


def _workspace(db: Any, slug: str) -> Any:
    try:
        return accounts.get_workspace(db, slug=slug)
    except TajribaError:
        raise NotFound(_("This link is not valid.")) from None


@router.get("/request")
def form_page(request: Request, db: DB, workspace: str, lang: str | None = None) -> Response:
    ws = _workspace(db, workspace)
    return _page(request, "privacy/public_form.html", _language(request, lang), ws=ws, kinds=KINDS, values={},
                 notice=accounts.current_notice(ws))  # fmt: skip


@router.post("/request")
def submit(request: Request, db: DB, workspace: str, form: FormDep) -> Response:
    _limit(request)
    ws = _workspace(db, workspace)
    locale = _language(request, str(form.get("lang") or ""))
    values = {k: str(form.get(k) or "") for k in ("kind", "contact", "details")}
    i18n.set_locale(locale)  # the errors are written in the person's language
    try:
        made, ticket = intake.submit(db, request.app.state.settings, workspace=ws, kind=values["kind"],
                                     contact=values["contact"], language=locale, details=values["details"] or None)  # fmt: skip
    except (TajribaError, ValueError, OSError, smtplib.SMTPException) as exc:
        db.rollback()
        message = (
            error_text(exc)
            if isinstance(exc, TajribaError | ValueError)
            else _("We could not send the code; try again later or contact us directly.")
        )
        return _page(request, "privacy/public_form.html", locale, 422, ws=ws, kinds=KINDS, values=values,
                     error=message, notice=accounts.current_notice(ws))  # fmt: skip
    return RedirectResponse(f"/privacy/{ws.slug}/request/{ticket}?lang={locale}", status_code=303)


@router.get("/request/{ticket}")
def code_page(request: Request, db: DB, workspace: str, ticket: str, lang: str | None = None) -> Response:
    ws = _workspace(db, workspace)
    found = intake.by_ticket(db, workspace=ws, ticket=ticket)
    return _page(
        request, "privacy/public_code.html", _language(request, lang or found.language), ws=ws, r=found
    )


@router.post("/request/{ticket}")
def check_code(
    request: Request, db: DB, wh: WarehouseDep, workspace: str, ticket: str, form: FormDep
) -> Response:
    _limit(request)
    ws = _workspace(db, workspace)
    found = intake.by_ticket(db, workspace=ws, ticket=ticket)
    locale = _language(request, str(form.get("lang") or found.language))
    try:
        intake.verify(db, wh, request=found, code=str(form.get("code") or ""))
    except TajribaError as exc:
        db.commit()  # the wrong try counts
        return _page(request, "privacy/public_code.html", locale, 422, ws=ws, r=found, error=error_text(exc))
    return _page(request, "privacy/public_code.html", locale, ws=ws, r=found)
