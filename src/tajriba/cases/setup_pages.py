"""Pages: the closed loop's set-up (rules with their preview, SLA policies, business calendars, teams,
webhooks, alert rules), each saved by one action of the set-up form."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.cases import config, forms, notify, root_causes, rules
from tajriba.cases.schemas import CalendarIn, RuleConditions, RuleIn, SlaPolicyIn, TeamIn, WebhookIn
from tajriba.errors import Invalid, TajribaError
from tajriba.i18n import _
from tajriba.warehouse import Warehouse
from tajriba.web.deps import DB, Context, FormDep, WarehouseDep, verify_csrf
from tajriba.web.render import error_text

router = APIRouter(prefix="/w/{workspace}", dependencies=[Depends(verify_csrf)], include_in_schema=False)


@router.get("/cases-setup")
def setup_page(
    request: Request,
    db: DB,
    ctx: forms.Read,
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
    return forms.render(
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
        **forms.choices(db, ctx, getattr(request.state, "locale", "en")),
    )


def _rule_in(form: Any) -> RuleIn:
    signal = str(form.get("signal") or "score")
    max_score = str(form.get("max_score") or "").strip()
    conditions = RuleConditions.model_validate(
        dict(
            signal=signal,
            metric=str(form.get("metric") or "") or None if signal == "score" else None,
            max_score=float(max_score) if max_score else None,
            sentiments=forms.listed(form, "sentiments"),
            topics=[str(t).strip() for t in form.getlist("topics") if str(t).strip()],
            intents=forms.listed(form, "intents"),
            aspects=[f"{t}:negative" for t in forms.listed(form, "complained_topics")],
            words=[w.strip() for w in str(form.get("words") or "").split(",") if w.strip()],
            use_complaint_words=form.get("use_complaint_words") == "on",
            max_p_alive=float(str(form.get("max_p_alive"))) if form.get("max_p_alive") else None,
            touchpoint_ids=[int(v) for v in forms.listed(form, "touchpoint_ids") if v.isdigit()],
            channels=forms.listed(form, "channels"),
            personas=forms.listed(form, "personas"),
            languages=forms.listed(form, "languages"),
            tiers=forms.listed(form, "tiers"),
            dedupe_days=int(str(form.get("dedupe_days") or 14)),
        )
    )
    return RuleIn.model_validate(
        dict(
            name=str(form.get("name") or ""),
            priority=str(form.get("priority") or "normal"),
            team_id=forms.number(form.get("team_id")),
            position=int(str(form.get("position") or 0)),
            active=form.get("active", "on") == "on",
            conditions=conditions,
        )
    )


@router.post("/cases-setup")
def setup_save(request: Request, db: DB, wh: WarehouseDep, ctx: forms.Configure, form: FormDep) -> Response:
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
                hook_id = forms.number(form.get("webhook_id")) or 0
                notify.send_test(db, hook=notify.get_webhook(db, workspace_id=ws, webhook_id=hook_id))
        else:
            raise Invalid(_("Unknown action."), field="what")
    except (TajribaError, ValidationError, ValueError) as exc:
        return forms.back(ctx, "/cases-setup", error=error_text(exc))
    return forms.back(ctx, "/cases-setup", **extra)


def _rule_preview(db: Session, wh: Warehouse, ctx: Context, form: Any) -> str:
    """What a rule would match over a period, and (with "run") the back-fill that opens those cases."""
    import datetime as dt

    ws = ctx.workspace.id
    rule = rules.get_rule(db, workspace_id=ws, rule_id=forms.number(form.get("rule_id")) or 0)
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
            priorities=forms.listed(form, "priorities"),
            sources=forms.listed(form, "sources"),
            first_response_minutes=_minutes(form, "first_response_minutes"),
            next_response_minutes=_minutes(form, "next_response_minutes"),
            resolution_minutes=_minutes(form, "resolution_minutes"),
            warn_at=float(str(form.get("warn_at") or 75)) / 100,
            calendar_id=forms.number(form.get("calendar_id")),
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
    members = [int(v) for v in forms.listed(form, "members") if v.isdigit()]
    return TeamIn.model_validate(
        dict(
            name=str(form.get("name") or ""),
            lead_id=forms.number(form.get("lead_id")),
            calendar_id=forms.number(form.get("calendar_id")),
            routing=str(form.get("routing") or "round_robin"),
            capacity=forms.number(form.get("capacity")),
            members=members,
            languages={m: forms.listed(form, f"languages_{m}") for m in members},
        )
    )


def _webhook_in(form: Any) -> WebhookIn:
    return WebhookIn.model_validate(
        dict(
            name=str(form.get("name") or ""),
            url=str(form.get("url") or ""),
            style=str(form.get("style") or "standard"),
            events=forms.listed(form, "events"),
        )
    )
