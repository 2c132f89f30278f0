"""Respondent pages under /s/: server-rendered, usable without JavaScript, right to left in Arabic and Persian.

Flow (post/redirect/get, so a refresh never submits twice):
  GET  /s/<token>[?lang=&at=<question>&p=<progress>&<hidden fields>]  one screen of questions
  POST /s/<token>   answers of that screen; Next validates and moves on, Back keeps what was typed
  GET  /s/<token>/done                                                the thank-you page
<token> is a survey's public token or a personal invitation token (`<id>.<expiry>.<signature>`).
A partial response lives in `survey_progress` (cookie and form field `p`; a personal link finds it by its
invitation), so a respondent can leave and resume. Abuse: a per-address rate limit on posts, a honeypot
field, the final step guarded by a conditional UPDATE (a double click stores one response), personal links
single-use.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, object_session

from tajriba import i18n
from tajriba.accounts import service as accounts
from tajriba.errors import NotFound
from tajriba.i18n import _
from tajriba.models import Survey, SurveyInvitation, SurveyProgress, Workspace
from tajriba.surveys import links, respondent_parts, service
from tajriba.surveys import progress as progress_service
from tajriba.surveys.definition import Definition, Question, pick
from tajriba.warehouse import Warehouse
from tajriba.web.deps import DB, FormDep, WarehouseDep

router = APIRouter(prefix="/s", include_in_schema=False)


def screens(definition: Definition, answers: dict[str, Any], hidden: dict[str, Any]) -> list[list[Question]]:
    """The visible questions cut into screens: one question each, or as many as can share a screen (a question
    whose condition depends on a question of the current screen starts the next one, so no JavaScript is needed)."""
    out: list[list[Question]] = []
    current: list[Question] = []
    for q in definition.visible(answers, hidden):
        depends = q.visible_if is not None and bool(q.visible_if.names() & {c.key for c in current})
        if current and (definition.one_per_screen or depends):
            out.append(current)
            current = []
        current.append(q)
    if current:
        out.append(current)
    return out


def _resolve(db: Session, request: Request, token: str) -> tuple[Survey, SurveyInvitation | None]:
    if "." in token:
        inv_id = links.read_personal_token(request.app.state.settings.secret, token)
        inv = db.get(SurveyInvitation, inv_id)
        if inv is None:
            raise NotFound(_("This survey link does not exist."))
        survey = db.get(Survey, inv.survey_id)
        if survey is None:
            raise NotFound(_("This survey link does not exist."))
        return survey, inv
    survey = service.survey_for_link(db, token)
    if not survey.public_link:
        raise NotFound(_("This survey link does not exist."))
    return survey, None


def _language(request: Request, definition: Definition, *choices: str | None) -> str:
    for c in choices:
        if c in definition.languages:
            return str(c)
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in definition.languages:
            return code
    return definition.default_language


def _progress(
    db: Session, request: Request, survey: Survey, inv: SurveyInvitation | None, p: str | None
) -> tuple[str | None, SurveyProgress | None]:
    if inv is not None:
        return None, progress_service.invitation_progress(db, inv)
    token = p or request.cookies.get(f"{respondent_parts.COOKIE}{survey.id}")
    return token, progress_service.progress_for(db, token, survey)


def _hidden_from_query(request: Request, definition: Definition) -> dict[str, str]:
    q = request.query_params
    return {name: q[name][:200] for name in definition.hidden_fields if name != "customer_id" and q.get(name)}


@router.get("/{token}")
def show(
    request: Request,
    token: str,
    db: DB,
    lang: str | None = None,
    at: str | None = None,
    p: str | None = None,
) -> Response:
    try:
        survey, inv = _resolve(db, request, token)
    except links.LinkClosed as exc:
        return respondent_parts.closed(request, None, exc.message, 410)
    definition = respondent_parts.definition_cached(survey)
    ptoken, progress = _progress(db, request, survey, inv, p)
    locale = _language(
        request, definition, lang, progress.language if progress else None, inv.language if inv else None
    )
    i18n.set_locale(locale)
    if inv is not None and inv.completed_at is not None:
        return respondent_parts.closed(
            request, survey, _("You have already answered this survey. Thank you!"), 410, locale
        )
    if inv is not None and inv.status == "expired":
        return respondent_parts.closed(request, survey, _("This survey link has expired."), 410, locale)
    if survey.status != "active":
        return respondent_parts.closed(request, survey, _("This survey is closed."), 410, locale)
    if progress is not None and progress.completed_at is not None:
        return RedirectResponse(f"/s/{token}/done?lang={locale}", status_code=303)
    if inv is not None and inv.opened_at is None:
        inv.opened_at = datetime.now(UTC)
    answers = dict(progress.answers) if progress else {}
    hidden = (
        dict(progress.hidden)
        if progress
        else (dict(inv.hidden) if inv else _hidden_from_query(request, definition))
    )
    return _screen(
        request,
        survey,
        definition,
        token,
        locale,
        answers,
        hidden,
        ptoken,
        at=at or (progress.at if progress else None),
        errors={},
        form=None,
    )


def _screen(
    request: Request,
    survey: Survey,
    definition: Definition,
    token: str,
    locale: str,
    answers: dict[str, Any],
    hidden: dict[str, Any],
    ptoken: str | None,
    *,
    at: str | None,
    errors: dict[str, str],
    form: dict[str, Any] | None,
    status: int = 200,
    preview: bool = False,
) -> HTMLResponse:
    parts = screens(definition, answers, hidden)
    index = None
    if at:
        index = next((i for i, s in enumerate(parts) if any(q.key == at for q in s)), None)
    if index is None:  # resume at the first screen with an unanswered question
        index = next(
            (i for i, s in enumerate(parts) if any(answers.get(q.key) in (None, "", [], {}) for q in s)),
            len(parts) - 1,
        )
    current = parts[index]
    values = dict(answers)
    if form is not None:
        values.update({k: v for k, v in form.items()})
    return respondent_parts.page(
        request,
        "respond/survey.html",
        status=status,
        locale=locale,
        fallback=definition.default_language,
        survey=survey,
        d=definition,
        token=token,
        questions=current,
        index=index,
        total=len(parts),
        first=index == 0,
        last=index == len(parts) - 1,
        values=values,
        hidden=hidden,
        errors=errors,
        ptoken=ptoken or "",
        started=int(time.time()),
        preview=preview,
        languages=definition.languages,
        title=pick(definition.title, locale, definition.default_language),
        notice=_notice(survey),
    )


def _notice(survey: Survey) -> dict[str, Any] | None:
    """The workspace's privacy notice, shown under every screen (answers record its version)."""
    session = object_session(survey)
    workspace = session.get(Workspace, survey.workspace_id) if session is not None else None
    return accounts.current_notice(workspace) if workspace is not None else None


def _form_dict(form: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in set(form.keys()):
        values = form.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def _progress_of(
    db: Session,
    request: Request,
    survey: Survey,
    inv: SurveyInvitation | None,
    definition: Definition,
    form: dict[str, Any],
    locale: str,
) -> tuple[str | None, SurveyProgress, str | None]:
    """The respondent's progress (found by the form's token, their cookie or their invitation, or started
    now with the hidden fields and the time the first screen was shown), its token for the next URL, and a
    new cookie to set."""
    ptoken, progress = _progress(db, request, survey, inv, str(form.get("p") or "") or None)
    if progress is not None:
        return ptoken, progress, None
    hidden = dict(inv.hidden) if inv else _hidden_from_query(request, definition)
    for name in definition.hidden_fields:  # hidden fields of a public link travel in the form
        if inv is None and name != "customer_id" and form.get(f"h.{name}"):
            hidden[name] = str(form[f"h.{name}"])[:200]
    new_cookie, progress = progress_service.start_progress(
        db, survey=survey, language=locale, hidden=hidden, invitation=inv
    )
    try:
        started = float(str(form.get("started") or "0"))
        if 0 < time.time() - started < 86400:
            progress.started_at = datetime.fromtimestamp(started, UTC)
    except ValueError:
        pass
    return (None if inv else new_cookie), progress, new_cookie


@router.post("/{token}")
def answer(request: Request, token: str, db: DB, wh: WarehouseDep, raw: FormDep) -> Response:
    """One posted screen: Back keeps what was typed, Next validates and moves on, the last screen stores."""
    respondent_parts.limit(request)
    try:
        survey, inv = _resolve(db, request, token)
    except links.LinkClosed as exc:
        return respondent_parts.closed(request, None, exc.message, 410)
    definition = respondent_parts.definition_cached(survey)
    form = _form_dict(raw)
    locale = _language(request, definition, str(form.get("lang") or ""))
    i18n.set_locale(locale)
    refused = respondent_parts.refused(request, survey, inv, form, token, locale)
    if refused is not None:
        return refused
    ptoken, progress, new_cookie = _progress_of(db, request, survey, inv, definition, form, locale)
    if progress.completed_at is not None:
        return RedirectResponse(f"/s/{token}/done?lang={locale}", status_code=303)
    screen = progress_service.record_screen(progress, definition, form, locale=locale, now=datetime.now(UTC))
    response = _next_step(
        request, db, wh, survey, inv, definition, form, token, locale, progress, ptoken, screen
    )
    return respondent_parts.remember(response, survey, inv, new_cookie)


def _next_step(
    request: Request,
    db: Session,
    wh: Warehouse,
    survey: Survey,
    inv: SurveyInvitation | None,
    definition: Definition,
    form: dict[str, Any],
    token: str,
    locale: str,
    progress: SurveyProgress,
    ptoken: str | None,
    screen: progress_service.Screen,
) -> Response:
    """Where a recorded screen leads: back, the same screen with its errors, the next screen, the first
    unanswered question, or (the last screen, complete) the response stored once and the thank-you page."""
    answers, hidden, shown = screen.answers, screen.hidden, screen.shown
    parts = screens(definition, answers, hidden)
    here = next((i for i, s in enumerate(parts) if shown and any(q.key == shown[0].key for q in s)), 0)
    suffix = f"&p={ptoken}" if ptoken else ""

    def go(at: str, *, resume_here: bool = True) -> Response:
        if resume_here:
            progress.at = at
        return RedirectResponse(f"/s/{token}?lang={locale}&at={at}{suffix}", status_code=303)

    if form.get("nav") == "back":
        return go(parts[max(here - 1, 0)][0].key if parts else "")
    if screen.errors:
        at = shown[0].key if shown else None
        return _screen(
            request, survey, definition, token, locale, answers, hidden, ptoken,
            at=at, errors=screen.errors, form=form, status=422,
        )  # fmt: skip
    if here + 1 < len(parts):
        return go(parts[here + 1][0].key)
    missing = definition.complete(answers, hidden)
    if missing:
        return go(next(iter(missing)), resume_here=False)
    # the last screen: store once, whatever double click or replay arrives
    progress_service.complete(db, wh, survey=survey, progress=progress, invitation=inv)
    return RedirectResponse(f"/s/{token}/done?lang={locale}", status_code=303)


@router.get("/{token}/done")
def done(request: Request, token: str, db: DB, lang: str | None = None) -> Response:
    try:
        survey, _inv = _resolve(db, request, token)
    except links.LinkClosed:
        survey = None
    if survey is None:
        return respondent_parts.closed(
            request, None, _("Thank you!"), 200, lang if lang in i18n.LOCALES else None
        )
    definition = respondent_parts.definition_cached(survey)
    locale = _language(request, definition, lang)
    i18n.set_locale(locale)
    message = pick(definition.thank_you, locale, definition.default_language) or _(
        "Thank you for your answers!"
    )
    return respondent_parts.closed(request, survey, message, 200, locale)


def preview(request: Request, survey: Survey, locale: str, at: str | None = None) -> HTMLResponse:
    """The respondent page as staff see it before publishing (nothing is stored)."""
    definition = respondent_parts.definition_cached(survey)
    locale = definition.language(locale)
    return _screen(
        request,
        survey,
        definition,
        survey.public_token,
        locale,
        {},
        {},
        None,
        at=at,
        errors={},
        form=None,
        preview=True,
    )
