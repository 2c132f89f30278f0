"""JSON API of the closed loop: /api/v1/cases, /case-rules, /sla-policies, /calendars, /teams, /alert-rules,
/webhooks, /notifications (the same services as the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query, Response

from tajriba.cases import business_time as bt
from tajriba.cases import config, inbox, notify, report, rules, service
from tajriba.cases.schemas import (
    AlertRuleIn,
    AlertRuleRead,
    AlertRulesRead,
    AssignedRead,
    BackfillRead,
    BulkAssign,
    BusinessTimeRead,
    CalendarIn,
    CalendarRead,
    CalendarsRead,
    CaseCreate,
    CaseDetailRead,
    CaseEventRead,
    CaseRead,
    CaseReportRead,
    CasesRead,
    CaseUpdate,
    DeliveriesRead,
    NoteIn,
    NotificationsRead,
    PoliciesRead,
    PolicyRead,
    PreviewRead,
    RuleIn,
    RuleRead,
    RulesRead,
    SlaPolicyIn,
    TeamIn,
    TeamRead,
    TeamsRead,
    TransitionIn,
    WebhookIn,
    WebhookRead,
    WebhooksRead,
    WebhookTestRead,
)
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep
from tajriba.web.params import Moment

router = APIRouter(prefix="/api/v1", tags=["cases"])
Read = Annotated[Context, Depends(RequireKey("cases:read"))]
Work = Annotated[Context, Depends(RequireKey("cases:work"))]
Configure = Annotated[Context, Depends(RequireKey("cases:configure"))]
Hooks = Annotated[Context, Depends(RequireKey("webhooks:manage"))]
Id = Annotated[int, Query(ge=1, le=2**63 - 1)]


def viewer(db: DB, ctx: Context) -> inbox.Viewer:
    return inbox.viewer_of(
        db, workspace_id=ctx.workspace.id, user_id=ctx.user.id if ctx.user else None, role=ctx.role
    )


def shown(ctx: Context, case: Any) -> dict[str, Any]:
    out = inbox.as_dict(case)
    if not ctx.can("pii:read"):
        out = inbox.redacted(out)
    return out


@router.get("/cases")
def list_cases(
    db: DB,
    ctx: Read,
    view: str = "all",
    status: str | None = None,
    priority: str | None = None,
    source: str | None = None,
    touchpoint_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    team_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    owner_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> CasesRead:
    """The inbox: views mine, team, unassigned, at_risk, breached, resolved or all, with filters."""
    filters = inbox.CaseFilters(
        view=view,
        status=status,
        priority=priority,
        source=source,
        touchpoint_id=touchpoint_id,
        team_id=team_id,
        owner_id=owner_id,
        customer_id=customer_id,
        q=q,
    )
    rows, total = inbox.list_cases(
        db, workspace_id=ctx.workspace.id, viewer=viewer(db, ctx), filters=filters, limit=limit, offset=offset
    )
    return CasesRead.model_validate({"total": total, "cases": [shown(ctx, c) for c in rows]})


@router.post("/cases", status_code=201)
def create_case(db: DB, ctx: Work, body: CaseCreate) -> CaseRead:
    case = service.create_case(db, workspace_id=ctx.workspace.id, data=body, actor=ctx)
    return CaseRead.model_validate(shown(ctx, case))


@router.post("/cases/bulk-assign")
def bulk_assign(db: DB, ctx: Work, body: BulkAssign) -> AssignedRead:
    """Give many cases to one owner and/or team."""
    who = viewer(db, ctx)
    done = []
    for case_id in body.case_ids:
        case = inbox.get_case(db, workspace_id=ctx.workspace.id, case_id=case_id, viewer=who)
        service.assign(db, case=case, owner_id=body.owner_id, team_id=body.team_id, actor=ctx)
        done.append(case.id)
    return AssignedRead(assigned=done)


@router.get("/cases/report", response_model_exclude_unset=True)
def case_report(
    db: DB, wh: WarehouseDep, ctx: Read, start: Moment | None = None, end: Moment | None = None
) -> CaseReportRead:
    """Recovery rate, repurchase after recovery, SLA compliance, response and resolution times, backlog
    (cases opened in [start, end); times without an offset are UTC)."""
    aware = [t if t is None or t.tzinfo else t.replace(tzinfo=dt.UTC) for t in (start, end)]
    return CaseReportRead.model_validate(
        report.summary(db, wh, workspace=ctx.workspace, start=aware[0], end=aware[1])
    )


@router.get("/cases/{case_id}")
def get_case(db: DB, ctx: Read, case_id: int) -> CaseDetailRead:
    """The case with its timeline and the records behind it."""
    case = inbox.get_case(db, workspace_id=ctx.workspace.id, case_id=case_id, viewer=viewer(db, ctx))
    out = shown(ctx, case)
    hide = not ctx.can("pii:read")
    out["timeline"] = [inbox.event_dict(e, redact=hide) for e in inbox.timeline(db, case=case)]
    out["links"] = [
        {
            "source": link.source,
            "source_id": link.source_id,
            "summary": inbox.maybe_redact(link.summary, hide),
            "at": link.at.isoformat(),
        }
        for link in inbox.links(db, case=case)
    ]
    return CaseDetailRead.model_validate(out)


@router.patch("/cases/{case_id}")
def update_case(db: DB, ctx: Work, case_id: int, body: CaseUpdate) -> CaseRead:
    case = inbox.get_case(db, workspace_id=ctx.workspace.id, case_id=case_id, viewer=viewer(db, ctx))
    return CaseRead.model_validate(shown(ctx, service.update_case(db, case=case, data=body, actor=ctx)))


@router.post("/cases/{case_id}/transitions")
def transition(db: DB, ctx: Work, case_id: int, body: TransitionIn) -> CaseRead:
    """Move the case: open, waiting (pauses the SLA clock), on_hold, resolved (root cause and action), closed,
    reopened."""
    case = inbox.get_case(db, workspace_id=ctx.workspace.id, case_id=case_id, viewer=viewer(db, ctx))
    moved = service.transition(db, case=case, data=body, actor=ctx, workspace=ctx.workspace)
    return CaseRead.model_validate(shown(ctx, moved))


@router.post("/cases/{case_id}/notes", status_code=201)
def add_note(db: DB, ctx: Work, case_id: int, body: NoteIn) -> CaseEventRead:
    """A note (@mentions notify), a message sent to the customer, a logged call, or the customer's reply."""
    case = inbox.get_case(db, workspace_id=ctx.workspace.id, case_id=case_id, viewer=viewer(db, ctx))
    ev = service.add_note(db, case=case, data=body, actor=ctx)
    return CaseEventRead.model_validate(inbox.event_dict(ev, redact=False))


# ---- configuration ----------------------------------------------------------------------------------------


@router.get("/case-rules")
def list_rules(db: DB, ctx: Read) -> RulesRead:
    found = rules.list_rules(db, workspace_id=ctx.workspace.id)
    return RulesRead.model_validate({"rules": [rules.rule_dict(r) for r in found]})


@router.post("/case-rules", status_code=201)
def create_rule(db: DB, ctx: Configure, body: RuleIn) -> RuleRead:
    rule = rules.create_rule(db, workspace_id=ctx.workspace.id, data=body, actor=ctx)
    return RuleRead.model_validate(rules.rule_dict(rule))


@router.put("/case-rules/{rule_id}")
def update_rule(db: DB, ctx: Configure, rule_id: int, body: RuleIn) -> RuleRead:
    rule = rules.get_rule(db, workspace_id=ctx.workspace.id, rule_id=rule_id)
    return RuleRead.model_validate(rules.rule_dict(rules.update_rule(db, rule=rule, data=body, actor=ctx)))


def _period(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = start if start.tzinfo else start.replace(tzinfo=dt.UTC)
    end = end if end.tzinfo else end.replace(tzinfo=dt.UTC)
    if end <= start:
        raise Invalid(_("end must be after start"), field="end")
    return start, end


@router.get("/case-rules/{rule_id}/preview")
def preview_rule(
    db: DB, wh: WarehouseDep, ctx: Configure, rule_id: int, start: Moment, end: Moment
) -> PreviewRead:
    """How many records the rule matches over a period and how many cases a back-fill would open."""
    rule = rules.get_rule(db, workspace_id=ctx.workspace.id, rule_id=rule_id)
    since, until = _period(start, end)
    return PreviewRead.model_validate(
        rules.preview(wh, workspace_id=ctx.workspace.id, rule=rule, since=since, until=until)
    )


@router.post("/case-rules/{rule_id}/backfill")
def backfill_rule(
    db: DB, wh: WarehouseDep, ctx: Configure, rule_id: int, start: Moment, end: Moment
) -> BackfillRead:
    """Open the cases the rule would have opened over a period (at most 20,000 records a call)."""
    rule = rules.get_rule(db, workspace_id=ctx.workspace.id, rule_id=rule_id)
    since, until = _period(start, end)
    found = rules.backfill(
        db, wh, workspace_id=ctx.workspace.id, rule=rule, since=since, until=until, actor=ctx
    )
    return BackfillRead.model_validate(found.as_dict())


@router.get("/sla-policies")
def list_policies(db: DB, ctx: Read) -> PoliciesRead:
    found = config.list_policies(db, workspace_id=ctx.workspace.id)
    return PoliciesRead.model_validate({"policies": [config.policy_dict(p) for p in found]})


@router.post("/sla-policies", status_code=201)
def create_policy(db: DB, ctx: Configure, body: SlaPolicyIn) -> PolicyRead:
    policy = config.save_policy(db, workspace_id=ctx.workspace.id, data=body, actor=ctx)
    return PolicyRead.model_validate(config.policy_dict(policy))


@router.put("/sla-policies/{policy_id}")
def update_policy(db: DB, ctx: Configure, policy_id: int, body: SlaPolicyIn) -> PolicyRead:
    policy = config.get_policy(db, workspace_id=ctx.workspace.id, policy_id=policy_id)
    saved = config.save_policy(db, workspace_id=ctx.workspace.id, data=body, actor=ctx, policy=policy)
    return PolicyRead.model_validate(config.policy_dict(saved))


@router.get("/calendars")
def list_calendars(db: DB, ctx: Read) -> CalendarsRead:
    found = config.list_calendars(db, workspace_id=ctx.workspace.id)
    return CalendarsRead.model_validate({"calendars": [config.calendar_dict(c) for c in found]})


@router.post("/calendars", status_code=201)
def create_calendar(db: DB, ctx: Configure, body: CalendarIn) -> CalendarRead:
    row = config.save_calendar(db, workspace_id=ctx.workspace.id, data=body, actor=ctx)
    return CalendarRead.model_validate(config.calendar_dict(row))


@router.put("/calendars/{calendar_id}")
def update_calendar(db: DB, ctx: Configure, calendar_id: int, body: CalendarIn) -> CalendarRead:
    row = config.get_calendar(db, workspace_id=ctx.workspace.id, calendar_id=calendar_id)
    saved = config.save_calendar(db, workspace_id=ctx.workspace.id, data=body, actor=ctx, row=row)
    return CalendarRead.model_validate(config.calendar_dict(saved))


@router.get("/calendars/{calendar_id}/business-time")
def business_time(db: DB, ctx: Read, calendar_id: int, start: Moment, end: Moment) -> BusinessTimeRead:
    """Business seconds between two times on this calendar, with the working intervals."""
    row = config.get_calendar(db, workspace_id=ctx.workspace.id, calendar_id=calendar_id)
    cal = bt.stored(row.definition)
    tz = bt.zone(cal.timezone)
    since, until = _period(
        start if start.tzinfo else start.replace(tzinfo=tz), end if end.tzinfo else end.replace(tzinfo=tz)
    )
    a, b = since.timestamp(), until.timestamp()
    seconds = float(bt.seconds_between(cal, np.array([a]), np.array([b]))[0])
    return BusinessTimeRead(
        seconds=seconds, intervals=[[bt.iso(s, tz), bt.iso(e, tz)] for s, e in bt.intervals(cal, a, b)]
    )


@router.get("/teams")
def list_teams(db: DB, ctx: Read) -> TeamsRead:
    teams = config.list_teams(db, workspace_id=ctx.workspace.id)
    return TeamsRead.model_validate({"teams": [config.team_dict(db, t) for t in teams]})


@router.post("/teams", status_code=201)
def create_team(db: DB, ctx: Configure, body: TeamIn) -> TeamRead:
    team = config.save_team(db, workspace_id=ctx.workspace.id, data=body, actor=ctx)
    return TeamRead.model_validate(config.team_dict(db, team))


@router.put("/teams/{team_id}")
def update_team(db: DB, ctx: Configure, team_id: int, body: TeamIn) -> TeamRead:
    team = config.get_team(db, workspace_id=ctx.workspace.id, team_id=team_id)
    team = config.save_team(db, workspace_id=ctx.workspace.id, data=body, actor=ctx, team=team)
    return TeamRead.model_validate(config.team_dict(db, team))


@router.get("/alert-rules")
def list_alert_rules(db: DB, ctx: Read) -> AlertRulesRead:
    alerts = config.list_alerts(db, workspace_id=ctx.workspace.id)
    return AlertRulesRead.model_validate({"alert_rules": [config.alert_dict(a) for a in alerts]})


@router.post("/alert-rules", status_code=201)
def create_alert_rule(db: DB, ctx: Configure, body: AlertRuleIn) -> AlertRuleRead:
    alert = config.save_alert(db, workspace_id=ctx.workspace.id, data=body, actor=ctx)
    return AlertRuleRead.model_validate(config.alert_dict(alert))


@router.put("/alert-rules/{alert_id}")
def update_alert_rule(db: DB, ctx: Configure, alert_id: int, body: AlertRuleIn) -> AlertRuleRead:
    row = config.get_alert(db, workspace_id=ctx.workspace.id, alert_id=alert_id)
    return AlertRuleRead.model_validate(
        config.alert_dict(config.update_alert(db, row=row, data=body, actor=ctx))
    )


@router.delete("/alert-rules/{alert_id}", status_code=204)
def delete_alert_rule(db: DB, ctx: Configure, alert_id: int) -> Response:
    config.delete_alert(
        db, row=config.get_alert(db, workspace_id=ctx.workspace.id, alert_id=alert_id), actor=ctx
    )
    return Response(status_code=204)


@router.get("/webhooks", response_model_exclude_unset=True)
def list_webhooks(db: DB, ctx: Hooks) -> WebhooksRead:
    hooks = notify.list_webhooks(db, workspace_id=ctx.workspace.id)
    return WebhooksRead.model_validate({"webhooks": [config.webhook_dict(h) for h in hooks]})


@router.post("/webhooks", status_code=201, response_model_exclude_unset=True)
def create_webhook(db: DB, ctx: Hooks, body: WebhookIn) -> WebhookRead:
    """Create a webhook; the answer carries its signing secret (shown this once)."""
    hook = notify.create_webhook(db, workspace_id=ctx.workspace.id, data=body, actor=ctx)
    return WebhookRead.model_validate({**config.webhook_dict(hook), "secret": hook.secret})


@router.delete("/webhooks/{webhook_id}", response_model_exclude_unset=True)
def deactivate_webhook(db: DB, ctx: Hooks, webhook_id: int) -> WebhookRead:
    """Switch the webhook off; its delivery log is kept (no further deliveries)."""
    hook = notify.get_webhook(db, workspace_id=ctx.workspace.id, webhook_id=webhook_id)
    return WebhookRead.model_validate(
        config.webhook_dict(notify.set_active(db, hook=hook, active=False, actor=ctx))
    )


@router.post("/webhooks/{webhook_id}/test", status_code=202)
def test_webhook(db: DB, ctx: Hooks, webhook_id: int) -> WebhookTestRead:
    hook = notify.get_webhook(db, workspace_id=ctx.workspace.id, webhook_id=webhook_id)
    delivery = notify.send_test(db, hook=hook)
    return WebhookTestRead(delivery_id=delivery.id, message_id=delivery.message_id)


@router.get("/webhooks/{webhook_id}/deliveries")
def webhook_deliveries(db: DB, ctx: Hooks, webhook_id: int) -> DeliveriesRead:
    hook = notify.get_webhook(db, workspace_id=ctx.workspace.id, webhook_id=webhook_id)
    found = notify.deliveries(db, hook=hook)
    return DeliveriesRead.model_validate({"deliveries": [config.delivery_dict(d) for d in found]})


@router.get("/notifications")
def list_notifications(db: DB, ctx: Read) -> NotificationsRead:
    """The caller's notifications (API keys have none)."""
    if ctx.user is None:
        return NotificationsRead(unread=0, notifications=[])
    rows = notify.list_notifications(db, workspace_id=ctx.workspace.id, user_id=ctx.user.id)
    return NotificationsRead.model_validate(
        {
            "unread": notify.unread(db, workspace_id=ctx.workspace.id, user_id=ctx.user.id),
            "notifications": [config.notification_dict(n) for n in rows],
        }
    )
