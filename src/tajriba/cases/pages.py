"""Pages of the closed loop: the case inbox, the case page, the loop's set-up (rules, SLA policies, calendars,
teams, root causes, alerts, webhooks), the report, and the notification centre."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.cases import config, context, inbox, notify, report, root_causes, rules, service, signals
from tajriba.cases.schemas import (
    PRIORITIES,
    SOURCES,
    TRANSITIONS,
    CalendarIn,
    CaseCreate,
    CaseUpdate,
    NoteIn,
    RuleConditions,
    RuleIn,
    SlaPolicyIn,
    TeamIn,
    TransitionIn,
    WebhookIn,
)
from tajriba.errors import Invalid, TajribaError
from tajriba.i18n import N_, _
from tajriba.models import Membership, Persona, RootCause, Touchpoint, User
from tajriba.text import service as text
from tajriba.value import service as value
from tajriba.warehouse import Warehouse
from tajriba.web.deps import DB, Context, FormDep, Require, WarehouseDep, verify_csrf
from tajriba.web.render import error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)
Read = Annotated[Context, Depends(Require("cases:read"))]
Work = Annotated[Context, Depends(Require("cases:work"))]
Configure = Annotated[Context, Depends(Require("cases:configure"))]
Hooks = Annotated[Context, Depends(Require("webhooks:manage"))]

VIEW_LABELS = {
    "mine": N_("Mine"),
    "team": N_("My teams"),
    "unassigned": N_("Unassigned"),
    "at_risk": N_("At risk"),
    "breached": N_("Breached"),
    "resolved": N_("Resolved"),
    "all": N_("All"),
}
SLA_LABELS = {
    "none": N_("No SLA"),
    "ok": N_("On time"),
    "at_risk": N_("At risk"),
    "breached": N_("Breached"),
    "met": N_("Met"),
}
SIGNAL_LABELS = {
    "score": N_("A low score (NPS, CSAT, CES)"),
    "text": N_("Negative words in feedback"),
    "ticket": N_("A complaint ticket"),
    "churn": N_("A valuable customer likely to leave"),
}
ROUTING_LABELS = {
    "round_robin": N_("Round robin"),
    "least_loaded": N_("Least loaded"),
    "manual": N_("By hand"),
}


def _render(request: Request, template: str, **context_: Any) -> Response:
    context_.setdefault("active", "cases")
    return request.app.state.renderer.page(
        request,
        template,
        status_labels=service.STATUS_LABELS,
        priority_labels=service.PRIORITY_LABELS,
        source_labels=service.SOURCE_LABELS,
        view_labels=VIEW_LABELS,
        sla_labels=SLA_LABELS,
        signal_labels=SIGNAL_LABELS,
        routing_labels=ROUTING_LABELS,
        kind_labels=notify.KIND_LABELS,
        **context_,
    )


def _back(ctx: Context, path: str, **query: str) -> RedirectResponse:
    suffix = ("?" + urlencode(query)) if query else ""
    return RedirectResponse(f"/w/{ctx.workspace.slug}{path}{suffix}", status_code=303)


def _viewer(db: DB, ctx: Context) -> inbox.Viewer:
    return inbox.viewer_of(
        db, workspace_id=ctx.workspace.id, user_id=ctx.user.id if ctx.user else None, role=ctx.role
    )


def _people(db: DB, ctx: Context) -> dict[int, str]:
    rows = db.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == ctx.workspace.id, Membership.role != "viewer")
        .order_by(User.name)
    ).all()
    return {int(i): str(n) for i, n in rows}


def _choices(db: DB, ctx: Context, locale: str) -> dict[str, Any]:
    """Names for the forms and tables, in the page's language where the workspace gave one."""
    ws = ctx.workspace.id
    tps = db.execute(
        select(Touchpoint.id, Touchpoint.name, Touchpoint.names).where(Touchpoint.workspace_id == ws)
    )
    personas = db.execute(select(Persona.key, Persona.name, Persona.names).where(Persona.workspace_id == ws))
    return {
        "people": _people(db, ctx),
        "teams": {t.id: t.name for t in config.list_teams(db, workspace_id=ws)},
        "touchpoints": {i: (names or {}).get(locale) or name for i, name, names in tps},
        "personas": {key: (names or {}).get(locale) or name for key, name, names in personas},
        "causes": root_causes.root_causes(db, workspace_id=ws),
        "topic_names": text.topic_names(ctx.workspace.settings, locale),
        "cause_label": root_causes.label,
    }


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise Invalid(_("Expected a number."), field="id")
    return int(text)


def _list(form: Any, name: str) -> list[str]:
    return [str(v) for v in form.getlist(name) if str(v).strip()]


# ---- inbox ------------------------------------------------------------------------------------------------


@router.get("/cases")
def inbox_page(
    request: Request,
    db: DB,
    ctx: Read,
    view: str = "",
    status: str = "",
    priority: str = "",
    source: str = "",
    touchpoint_id: str = "",
    q: str = "",
    page: int = 1,
    error: str | None = None,
) -> Response:
    who = _viewer(db, ctx)
    view = view or ("all" if who.sees_all else "mine")
    try:
        filters = inbox.CaseFilters(
            view=view,
            status=status or None,
            priority=priority or None,
            source=source or None,
            touchpoint_id=_int(touchpoint_id),
            q=q[:200] or None,
        ).check()
    except TajribaError as exc:
        filters, error = inbox.CaseFilters(view="all"), error_text(exc)
    page = max(1, min(page, 100_000))
    rows, total = inbox.list_cases(
        db, workspace_id=ctx.workspace.id, viewer=who, filters=filters, limit=50, offset=(page - 1) * 50
    )
    pii = ctx.can("pii:read")
    return _render(
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
        **_choices(db, ctx, getattr(request.state, "locale", "en")),
    )


@router.post("/cases")
def create_case(request: Request, db: DB, ctx: Work, form: FormDep) -> Response:
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
            return _back(ctx, f"/cases/{existing}")
        data = CaseCreate.model_validate(
            dict(
                subject=str(form.get("subject") or ""),
                customer_id=str(form.get("customer_id") or "") or None,
                source=str(form.get("source") or "manual"),
                priority=str(form.get("priority") or "normal"),
                touchpoint_id=_int(form.get("touchpoint_id")),
                team_id=_int(form.get("team_id")),
                owner_id=_int(form.get("owner_id")),
                note=str(form.get("note") or "") or None,
                links=links,
            )
        )
        case = service.create_case(db, workspace_id=ctx.workspace.id, data=data, actor=ctx)
    except (TajribaError, ValidationError) as exc:
        return _back(ctx, "/cases", error=error_text(exc))
    return _back(ctx, f"/cases/{case.id}")


@router.post("/cases/assign")
def bulk_assign(request: Request, db: DB, ctx: Work, form: FormDep) -> Response:
    who = _viewer(db, ctx)
    try:
        ids = [int(v) for v in _list(form, "case_id") if v.isdigit() and len(v) < 19][:500]
        if not ids:
            raise Invalid(_("Choose at least one case."), field="case_id")
        owner, team = _int(form.get("owner_id")), _int(form.get("team_id"))
        for case_id in ids:
            case = inbox.get_case(db, workspace_id=ctx.workspace.id, case_id=case_id, viewer=who)
            service.assign(db, case=case, owner_id=owner, team_id=team, actor=ctx)
    except TajribaError as exc:
        return _back(ctx, "/cases", error=error_text(exc))
    return _back(ctx, "/cases")


# ---- one case ---------------------------------------------------------------------------------------------


@router.get("/cases/report")
def report_page(request: Request, db: DB, wh: WarehouseDep, ctx: Read) -> Response:
    data = report.summary(db, wh, workspace=ctx.workspace, locale=getattr(request.state, "locale", "en"))
    return _render(request, "cases/report.html", data=data)


@router.get("/cases/{case_id}")
def case_page(
    request: Request, db: DB, wh: WarehouseDep, ctx: Read, case_id: int, error: str | None = None
) -> Response:
    case = inbox.get_case(db, workspace_id=ctx.workspace.id, case_id=case_id, viewer=_viewer(db, ctx))
    pii = ctx.can("pii:read")
    return _render(
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
        **_choices(db, ctx, getattr(request.state, "locale", "en")),
    )


@router.post("/cases/{case_id}")
def work_case(request: Request, db: DB, ctx: Work, case_id: int, form: FormDep) -> Response:
    """One form per action on the case page: note/message/call, status, assignment, details."""
    case = inbox.get_case(db, workspace_id=ctx.workspace.id, case_id=case_id, viewer=_viewer(db, ctx))
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
                        root_cause_id=_int(form.get("root_cause_id")),
                        action_taken=str(form.get("action_taken") or "") or None,
                        note=str(form.get("note") or "") or None,
                    )
                ),
            )
        elif action == "assign":
            service.assign(
                db,
                case=case,
                owner_id=_int(form.get("owner_id")),
                team_id=_int(form.get("team_id")),
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
                        root_cause_id=_int(form.get("root_cause_id")),
                    )
                ),
            )
        else:
            raise Invalid(_("Unknown action."), field="action")
    except (TajribaError, ValidationError) as exc:
        return _back(ctx, f"/cases/{case_id}", error=error_text(exc))
    return _back(ctx, f"/cases/{case_id}")


# ---- set-up -----------------------------------------------------------------------------------------------


@router.get("/cases-setup")
def setup_page(
    request: Request,
    db: DB,
    ctx: Read,
    error: str | None = None,
    secret: str | None = None,
    preview: str | None = None,
) -> Response:
    ws = ctx.workspace.id
    hooks = []
    if ctx.can("webhooks:manage"):
        from tajriba.models import Webhook

        for hook in db.scalars(select(Webhook).where(Webhook.workspace_id == ws).order_by(Webhook.id)):
            hooks.append((hook, notify.deliveries(db, hook=hook, limit=10)))
    return _render(
        request,
        "cases/setup.html",
        error=error,
        secret=secret,
        preview=preview,
        rules=[rules.rule_dict(r) for r in rules.list_rules(db, workspace_id=ws)],
        policies=config.list_policies(db, workspace_id=ws),
        calendars=config.list_calendars(db, workspace_id=ws),
        team_rows=[config.team_dict(db, t) for t in config.list_teams(db, workspace_id=ws)],
        alerts=config.list_alerts(db, workspace_id=ws),
        hooks=hooks,
        events=notify.EVENTS,
        **_choices(db, ctx, getattr(request.state, "locale", "en")),
    )


def _rule_in(form: Any) -> RuleIn:
    signal = str(form.get("signal") or "score")
    max_score = str(form.get("max_score") or "").strip()
    conditions = RuleConditions.model_validate(
        dict(
            signal=signal,
            metric=str(form.get("metric") or "") or None if signal == "score" else None,
            max_score=float(max_score) if max_score else None,
            sentiments=_list(form, "sentiments"),
            topics=[str(t).strip() for t in form.getlist("topics") if str(t).strip()],
            words=[w.strip() for w in str(form.get("words") or "").split(",") if w.strip()],
            use_complaint_words=form.get("use_complaint_words") == "on",
            max_p_alive=float(str(form.get("max_p_alive"))) if form.get("max_p_alive") else None,
            touchpoint_ids=[int(v) for v in _list(form, "touchpoint_ids") if v.isdigit()],
            channels=_list(form, "channels"),
            personas=_list(form, "personas"),
            languages=_list(form, "languages"),
            tiers=_list(form, "tiers"),
            dedupe_days=int(str(form.get("dedupe_days") or 14)),
        )
    )
    return RuleIn.model_validate(
        dict(
            name=str(form.get("name") or ""),
            priority=str(form.get("priority") or "normal"),
            team_id=_int(form.get("team_id")),
            position=int(str(form.get("position") or 0)),
            active=form.get("active", "on") == "on",
            conditions=conditions,
        )
    )


@router.post("/cases-setup")
def setup_save(request: Request, db: DB, wh: WarehouseDep, ctx: Configure, form: FormDep) -> Response:
    """One form per part of the set-up: rules (and their back-fill), SLA policies, calendars, teams, root
    causes, webhooks."""
    what = str(form.get("what") or "")
    ws = ctx.workspace.id
    extra: dict[str, str] = {}
    try:
        if what == "rule":
            rules.create_rule(db, workspace_id=ws, data=_rule_in(form), actor=ctx)
        elif what == "rule_preview":
            extra["preview"] = _rule_preview(db, wh, ctx, form)
        elif what == "policy":
            config.save_policy(db, workspace_id=ws, actor=ctx, data=_policy_in(form))
        elif what == "calendar":
            config.save_calendar(db, workspace_id=ws, actor=ctx, data=_calendar_in(form))
        elif what == "team":
            config.save_team(db, workspace_id=ws, actor=ctx, data=_team_in(form))
        elif what == "root_cause":
            labels = {k: str(form.get(f"label_{k}") or "") for k in ("ar", "fa", "en")}
            root_causes.save_root_cause(
                db, workspace_id=ws, key=str(form.get("key") or ""), actor=ctx, labels=labels
            )
        elif what in ("webhook", "webhook_test"):
            if not ctx.can("webhooks:manage"):
                raise Invalid(_("Your role does not allow this."), field="what")
            if what == "webhook":
                extra["secret"] = notify.create_webhook(
                    db, workspace_id=ws, actor=ctx, data=_webhook_in(form)
                ).secret
            else:
                hook_id = _int(form.get("webhook_id")) or 0
                notify.send_test(db, hook=notify.get_webhook(db, workspace_id=ws, webhook_id=hook_id))
        else:
            raise Invalid(_("Unknown action."), field="what")
    except (TajribaError, ValidationError, ValueError) as exc:
        return _back(ctx, "/cases-setup", error=error_text(exc))
    return _back(ctx, "/cases-setup", **extra)


def _rule_preview(db: Session, wh: Warehouse, ctx: Context, form: Any) -> str:
    """What a rule would match over a period, and (with "run") the back-fill that opens those cases."""
    import datetime as dt

    ws = ctx.workspace.id
    rule = rules.get_rule(db, workspace_id=ws, rule_id=_int(form.get("rule_id")) or 0)
    start = dt.datetime.fromisoformat(str(form.get("start"))).replace(tzinfo=dt.UTC)
    end = dt.datetime.fromisoformat(str(form.get("end"))).replace(tzinfo=dt.UTC)
    got = rules.preview(wh, workspace_id=ws, rule=rule, since=start, until=end)
    if form.get("run") == "on":
        found = rules.backfill(db, wh, workspace_id=ws, rule=rule, since=start, until=end, actor=ctx)
        got = {**got, "opened": found.opened}
    return _("{matched} records match; {cases} cases at most.").format(**got)


def _minutes(form: Any, name: str) -> float | None:
    return float(str(form.get(name))) if form.get(name) else None


def _policy_in(form: Any) -> SlaPolicyIn:
    return SlaPolicyIn.model_validate(
        dict(
            name=str(form.get("name") or ""),
            priorities=_list(form, "priorities"),
            sources=_list(form, "sources"),
            first_response_minutes=_minutes(form, "first_response_minutes"),
            next_response_minutes=_minutes(form, "next_response_minutes"),
            resolution_minutes=_minutes(form, "resolution_minutes"),
            warn_at=float(str(form.get("warn_at") or 75)) / 100,
            calendar_id=_int(form.get("calendar_id")),
        )
    )


def _calendar_in(form: Any) -> CalendarIn:
    fitr = str(form.get("eid_al_fitr") or "1,0").split(",")
    adha = str(form.get("eid_al_adha") or "9,0").split(",")
    return CalendarIn.model_validate(
        dict(
            name=str(form.get("name") or ""),
            timezone=str(form.get("timezone") or "Asia/Riyadh"),
            week=str(form.get("week") or ""),
            country=str(form.get("country") or "") or None,
            ramadan=str(form.get("ramadan") or "") or None,
            eid_al_fitr=(int(fitr[0]), int(fitr[-1])),
            eid_al_adha=(int(adha[0]), int(adha[-1])),
            closed=[d.strip() for d in str(form.get("closed") or "").split(",") if d.strip()],
        )
    )


def _team_in(form: Any) -> TeamIn:
    members = [int(v) for v in _list(form, "members") if v.isdigit()]
    return TeamIn.model_validate(
        dict(
            name=str(form.get("name") or ""),
            lead_id=_int(form.get("lead_id")),
            calendar_id=_int(form.get("calendar_id")),
            routing=str(form.get("routing") or "round_robin"),
            capacity=_int(form.get("capacity")),
            members=members,
            languages={m: _list(form, f"languages_{m}") for m in members},
        )
    )


def _webhook_in(form: Any) -> WebhookIn:
    return WebhookIn.model_validate(
        dict(
            name=str(form.get("name") or ""),
            url=str(form.get("url") or ""),
            style=str(form.get("style") or "standard"),
            events=_list(form, "events"),
        )
    )


# ---- notifications ----------------------------------------------------------------------------------------


@router.get("/notifications")
def notifications_page(request: Request, db: DB, ctx: Read) -> Response:
    rows = (
        notify.list_notifications(db, workspace_id=ctx.workspace.id, user_id=ctx.user.id) if ctx.user else []
    )
    return _render(request, "cases/notifications.html", notes=rows, active="notifications")


@router.post("/notifications")
def notifications_read(request: Request, db: DB, ctx: Read, form: FormDep) -> Response:
    if ctx.user is not None:
        ids = [int(v) for v in _list(form, "id") if v.isdigit() and len(v) < 19]
        notify.mark_read(db, workspace_id=ctx.workspace.id, user_id=ctx.user.id, ids=ids or None)
    return _back(ctx, "/notifications")
