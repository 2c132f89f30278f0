"""Pages of the closed loop: the case inbox, the case page, the loop's set-up (rules, SLA policies, calendars,
teams, root causes, alerts, webhooks), the report, and the notification centre."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from tajriba.cases import context, forms, inbox, notify, report, service, signals
from tajriba.cases.schemas import (
    PRIORITIES,
    SOURCES,
    TRANSITIONS,
    CaseCreate,
    CaseUpdate,
    NoteIn,
    TransitionIn,
)
from tajriba.errors import Invalid, TajribaError
from tajriba.i18n import _
from tajriba.models import RootCause
from tajriba.value import service as value
from tajriba.web.deps import DB, FormDep, WarehouseDep, verify_csrf
from tajriba.web.render import error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)


# ---- inbox ------------------------------------------------------------------------------------------------


@router.get("/cases")
def inbox_page(
    request: Request,
    db: DB,
    ctx: forms.Read,
    view: str = "",
    status: str = "",
    priority: str = "",
    source: str = "",
    touchpoint_id: str = "",
    q: str = "",
    page: int = 1,
    error: str | None = None,
) -> Response:
    who = forms.viewer(db, ctx)
    view = view or ("all" if who.sees_all else "mine")
    try:
        filters = inbox.CaseFilters(
            view=view,
            status=status or None,
            priority=priority or None,
            source=source or None,
            touchpoint_id=forms.number(touchpoint_id),
            q=q[:200] or None,
        ).check()
    except TajribaError as exc:
        filters, error = inbox.CaseFilters(view="all"), error_text(exc)
    page = max(1, min(page, 100_000))
    rows, total = inbox.list_cases(
        db, workspace_id=ctx.workspace.id, viewer=who, filters=filters, limit=50, offset=(page - 1) * 50
    )
    pii = ctx.can("pii:read")
    return forms.render(
        request,
        "cases/inbox.html",
        cases=rows,
        total=total,
        page=page,
        filters=filters,
        error=error,
        counts=inbox.counts(db, workspace_id=ctx.workspace.id, viewer=who),
        subject=lambda c: inbox.maybe_redact(c.subject, not pii),
        statuses=service.STATUS_LABELS,
        priorities=PRIORITIES,
        sources=SOURCES,
        **forms.choices(db, ctx, getattr(request.state, "locale", "en")),
    )


@router.post("/cases")
def create_case(request: Request, db: DB, ctx: forms.Work, form: FormDep) -> Response:
    """A case by hand, also from the metrics page's pending complaints and the value page's call list."""
    try:
        links = []
        if form.get("link_source") and form.get("link_id"):
            links.append((str(form.get("link_source"))[:24], str(form.get("link_id"))[:128]))
        existing = signals.existing_case(
            db,
            workspace_id=ctx.workspace.id,
            links=links,
            customer_id=str(form.get("customer_id") or "") or None,
            source=str(form.get("source") or "manual"),
        )
        if existing is not None:  # the complaint or the customer already has an open case: go there
            return forms.back(ctx, f"/cases/{existing}")
        data = CaseCreate.model_validate(
            dict(
                subject=str(form.get("subject") or ""),
                customer_id=str(form.get("customer_id") or "") or None,
                source=str(form.get("source") or "manual"),
                priority=str(form.get("priority") or "normal"),
                touchpoint_id=forms.number(form.get("touchpoint_id")),
                team_id=forms.number(form.get("team_id")),
                owner_id=forms.number(form.get("owner_id")),
                note=str(form.get("note") or "") or None,
                links=links,
            )
        )
        case = service.create_case(db, workspace_id=ctx.workspace.id, data=data, actor=ctx)
    except (TajribaError, ValidationError) as exc:
        return forms.back(ctx, "/cases", error=error_text(exc))
    return forms.back(ctx, f"/cases/{case.id}")


@router.post("/cases/assign")
def bulk_assign(request: Request, db: DB, ctx: forms.Work, form: FormDep) -> Response:
    who = forms.viewer(db, ctx)
    try:
        ids = [int(v) for v in forms.listed(form, "case_id") if v.isdigit() and len(v) < 19][:500]
        if not ids:
            raise Invalid(_("Choose at least one case."), field="case_id")
        owner, team = forms.number(form.get("owner_id")), forms.number(form.get("team_id"))
        for case_id in ids:
            case = inbox.get_case(db, workspace_id=ctx.workspace.id, case_id=case_id, viewer=who)
            service.assign(db, case=case, owner_id=owner, team_id=team, actor=ctx)
    except TajribaError as exc:
        return forms.back(ctx, "/cases", error=error_text(exc))
    return forms.back(ctx, "/cases")


# ---- one case ---------------------------------------------------------------------------------------------


@router.get("/cases/report")
def report_page(request: Request, db: DB, wh: WarehouseDep, ctx: forms.Read) -> Response:
    data = report.summary(db, wh, workspace=ctx.workspace, locale=getattr(request.state, "locale", "en"))
    return forms.render(request, "cases/report.html", data=data)


@router.get("/cases/{case_id}")
def case_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: forms.Read, case_id: int, error: str | None = None
) -> Response:
    case = inbox.get_case(db, workspace_id=ctx.workspace.id, case_id=case_id, viewer=forms.viewer(db, ctx))
    pii = ctx.can("pii:read")
    return forms.render(
        request,
        "cases/case.html",
        case=case,
        error=error,
        events=inbox.timeline(db, case=case),
        links=inbox.links(db, case=case),
        next_statuses=TRANSITIONS[case.status],
        hide=not pii,
        redact=lambda text: inbox.maybe_redact(text, not pii),
        customer=context.customer_context(
            wh, workspace_id=ctx.workspace.id, customer_id=case.customer_id, pii=pii
        ),
        cause=db.get(RootCause, case.root_cause_id) if case.root_cause_id else None,
        segment_labels=value.RFM_SEGMENTS,
        **forms.choices(db, ctx, getattr(request.state, "locale", "en")),
    )


@router.post("/cases/{case_id}")
def work_case(request: Request, db: DB, ctx: forms.Work, case_id: int, form: FormDep) -> Response:
    """One form per action on the case page: note/message/call, status, assignment, details."""
    case = inbox.get_case(db, workspace_id=ctx.workspace.id, case_id=case_id, viewer=forms.viewer(db, ctx))
    action = str(form.get("action") or "")
    try:
        if action == "note":
            data = NoteIn.model_validate(
                dict(
                    kind=str(form.get("kind") or "note"),
                    body=str(form.get("body") or ""),
                    channel=str(form.get("channel") or "") or None,
                )
            )
            service.add_note(db, case=case, data=data, actor=ctx)
            if data.kind == "message" and data.channel in ("email", "whatsapp", "sms"):
                notify.queue_customer_message(db, case=case, channel=data.channel, text=data.body)
        elif action == "status":
            service.transition(
                db,
                case=case,
                workspace=ctx.workspace,
                actor=ctx,
                data=TransitionIn.model_validate(
                    dict(
                        status=str(form.get("status") or ""),
                        root_cause_id=forms.number(form.get("root_cause_id")),
                        action_taken=str(form.get("action_taken") or "") or None,
                        note=str(form.get("note") or "") or None,
                    )
                ),
            )
        elif action == "assign":
            service.assign(
                db,
                case=case,
                owner_id=forms.number(form.get("owner_id")),
                team_id=forms.number(form.get("team_id")),
                actor=ctx,
            )
        elif action == "details":
            service.update_case(
                db,
                case=case,
                actor=ctx,
                data=CaseUpdate.model_validate(
                    dict(
                        priority=str(form.get("priority") or case.priority),
                        tags=[t.strip()[:40] for t in str(form.get("tags") or "").split(",") if t.strip()][
                            :20
                        ],
                        root_cause_id=forms.number(form.get("root_cause_id")),
                    )
                ),
            )
        else:
            raise Invalid(_("Unknown action."), field="action")
    except (TajribaError, ValidationError) as exc:
        return forms.back(ctx, f"/cases/{case_id}", error=error_text(exc))
    return forms.back(ctx, f"/cases/{case_id}")


# ---- set-up -----------------------------------------------------------------------------------------------


# ---- notifications ----------------------------------------------------------------------------------------


@router.get("/notifications")
def notifications_page(request: Request, db: DB, ctx: forms.Read) -> Response:
    rows = (
        notify.list_notifications(db, workspace_id=ctx.workspace.id, user_id=ctx.user.id) if ctx.user else []
    )
    return forms.render(request, "cases/notifications.html", notes=rows, active="notifications")


@router.post("/notifications")
def notifications_read(request: Request, db: DB, ctx: forms.Read, form: FormDep) -> Response:
    if ctx.user is not None:
        ids = [int(v) for v in forms.listed(form, "id") if v.isdigit() and len(v) < 19]
        notify.mark_read(db, workspace_id=ctx.workspace.id, user_id=ctx.user.id, ids=ids or None)
    return forms.back(ctx, "/notifications")
