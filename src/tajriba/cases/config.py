"""What analysts configure for the loop: SLA policies, business calendars, teams, alert rules; and how each
is shown by the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.cases import business_time as bt
from tajriba.cases import clocks, sla
from tajriba.cases.schemas import AlertRuleIn, CalendarIn, SlaPolicyIn, TeamIn
from tajriba.db import scoped
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models import (
    AlertRule,
    BusinessCalendar,
    Membership,
    Notification,
    SlaPolicy,
    Team,
    TeamMember,
    Webhook,
    WebhookDelivery,
)


def _owned(session: Session, model: Any, workspace_id: int, row_id: int | None, name: str) -> Any:
    missing = _("{name} {row_id} not found").format(name=name, row_id=row_id)
    return scoped.get(session, model, row_id, workspace_id=workspace_id, missing=missing)


def _ref(session: Session, model: Any, workspace_id: int, row_id: int | None, field: str) -> None:
    scoped.check_ref(session, model, row_id, workspace_id=workspace_id, field=field)


# ---- calendars --------------------------------------------------------------------------------------------


def list_calendars(session: Session, *, workspace_id: int) -> list[BusinessCalendar]:
    return list(
        session.scalars(
            select(BusinessCalendar)
            .where(BusinessCalendar.workspace_id == workspace_id)
            .order_by(BusinessCalendar.id)
        )
    )


def get_calendar(session: Session, *, workspace_id: int, calendar_id: int) -> BusinessCalendar:
    return _owned(session, BusinessCalendar, workspace_id, calendar_id, "calendar")


def save_calendar(
    session: Session,
    *,
    workspace_id: int,
    data: CalendarIn,
    actor: Auditor,
    row: BusinessCalendar | None = None,
) -> BusinessCalendar:
    """Create or change a calendar (every field checked); open cases on it get new due times."""
    cal = bt.from_dict(data.model_dump(exclude={"name"}))
    clash = session.scalar(
        select(BusinessCalendar.id).where(
            BusinessCalendar.workspace_id == workspace_id, BusinessCalendar.name == data.name
        )
    )
    if clash is not None and (row is None or clash != row.id):
        raise Invalid(_("a calendar named {name} exists already").format(name=repr(data.name)), field="name")
    if row is None:
        row = BusinessCalendar(workspace_id=workspace_id, name=data.name, definition=bt.to_dict(cal))
        session.add(row)
    else:
        row.name, row.definition = data.name, bt.to_dict(cal)
    session.flush()
    sla.forget(session)
    actor.audit(
        session, "calendar.save", target_type="calendar", target_id=str(row.id), details=row.definition
    )
    clocks.recompute(session, workspace_id=workspace_id)
    return row


def calendar_dict(row: BusinessCalendar) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, **row.definition}


# ---- SLA policies -----------------------------------------------------------------------------------------


def list_policies(session: Session, *, workspace_id: int) -> list[SlaPolicy]:
    return list(
        session.scalars(
            select(SlaPolicy)
            .where(SlaPolicy.workspace_id == workspace_id)
            .order_by(SlaPolicy.position, SlaPolicy.id)
        )
    )


def get_policy(session: Session, *, workspace_id: int, policy_id: int) -> SlaPolicy:
    return _owned(session, SlaPolicy, workspace_id, policy_id, "SLA policy")


def save_policy(
    session: Session, *, workspace_id: int, data: SlaPolicyIn, actor: Auditor, policy: SlaPolicy | None = None
) -> SlaPolicy:
    """Create or change a policy; a change keeps each open case's clock reading (paused time stays paused)."""
    _ref(session, BusinessCalendar, workspace_id, data.calendar_id, "calendar_id")
    if not (data.first_response_minutes or data.next_response_minutes or data.resolution_minutes):
        raise Invalid(_("an SLA policy needs at least one target"), field="resolution_minutes")
    conditions = {k: getattr(data, k) for k in ("priorities", "sources", "touchpoint_ids", "tiers")}
    values = data.model_dump(exclude={"priorities", "sources", "touchpoint_ids", "tiers"})
    if policy is None:
        policy = SlaPolicy(workspace_id=workspace_id, conditions=conditions, **values)
        session.add(policy)
    else:
        for key, value in values.items():
            setattr(policy, key, value)
        policy.conditions = conditions
    session.flush()
    sla.forget(session)
    actor.audit(
        session,
        "sla_policy.save",
        target_type="sla_policy",
        target_id=str(policy.id),
        details=data.model_dump(mode="json"),
    )
    clocks.recompute(session, workspace_id=workspace_id)
    return policy


def policy_dict(p: SlaPolicy) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "active": p.active,
        "position": p.position,
        **(p.conditions or {}),
        "first_response_minutes": p.first_response_minutes,
        "next_response_minutes": p.next_response_minutes,
        "resolution_minutes": p.resolution_minutes,
        "warn_at": p.warn_at,
        "calendar_id": p.calendar_id,
    }


# ---- teams ------------------------------------------------------------------------------------------------


def list_teams(session: Session, *, workspace_id: int) -> list[Team]:
    return list(session.scalars(select(Team).where(Team.workspace_id == workspace_id).order_by(Team.name)))


def get_team(session: Session, *, workspace_id: int, team_id: int) -> Team:
    return _owned(session, Team, workspace_id, team_id, "team")


def save_team(
    session: Session, *, workspace_id: int, data: TeamIn, actor: Auditor, team: Team | None = None
) -> Team:
    _ref(session, BusinessCalendar, workspace_id, data.calendar_id, "calendar_id")
    people = set(data.members) | ({data.lead_id} if data.lead_id else set())
    if people:
        found = set(
            session.scalars(
                select(Membership.user_id).where(
                    Membership.workspace_id == workspace_id, Membership.user_id.in_(people)
                )
            )
        )
        missing = sorted(people - found)
        if missing:
            raise Invalid(
                _("user {missing} is not a member of this workspace").format(missing=missing[0]),
                field="members",
            )
    clash = session.scalar(select(Team.id).where(Team.workspace_id == workspace_id, Team.name == data.name))
    if clash is not None and (team is None or clash != team.id):
        raise Invalid(_("a team named {name} exists already").format(name=repr(data.name)), field="name")
    values = data.model_dump(exclude={"members", "languages"})
    if team is None:
        team = Team(workspace_id=workspace_id, **values)
        session.add(team)
        session.flush()
    else:
        for key, value in values.items():
            setattr(team, key, value)
        session.execute(delete(TeamMember).where(TeamMember.team_id == team.id))
    for uid in data.members:
        session.add(
            TeamMember(
                workspace_id=workspace_id,
                team_id=team.id,
                user_id=uid,
                languages=list(data.languages.get(uid, [])),
            )
        )
    session.flush()
    sla.forget(session)
    actor.audit(
        session, "team.save", target_type="team", target_id=str(team.id), details=data.model_dump(mode="json")
    )
    return team


def team_dict(session: Session, team: Team) -> dict[str, Any]:
    members = session.execute(
        select(TeamMember.user_id, TeamMember.languages, TeamMember.active).where(
            TeamMember.team_id == team.id
        )
    ).all()
    return {
        "id": team.id,
        "name": team.name,
        "lead_id": team.lead_id,
        "calendar_id": team.calendar_id,
        "routing": team.routing,
        "capacity": team.capacity,
        "members": [{"user_id": u, "languages": langs, "active": active} for u, langs, active in members],
    }


# ---- alerts, webhooks, notifications ----------------------------------------------------------------------


def list_alerts(session: Session, *, workspace_id: int) -> list[AlertRule]:
    return list(
        session.scalars(
            select(AlertRule).where(AlertRule.workspace_id == workspace_id).order_by(AlertRule.id)
        )
    )


def save_alert(session: Session, *, workspace_id: int, data: AlertRuleIn, actor: Auditor) -> AlertRule:
    core = {"name", "kind", "channels", "active"}
    row = AlertRule(
        workspace_id=workspace_id, **data.model_dump(include=core), settings=data.model_dump(exclude=core)
    )
    session.add(row)
    session.flush()
    actor.audit(
        session,
        "alert_rule.create",
        target_type="alert_rule",
        target_id=str(row.id),
        details=data.model_dump(mode="json"),
    )
    return row


def get_alert(session: Session, *, workspace_id: int, alert_id: int) -> AlertRule:
    return _owned(session, AlertRule, workspace_id, alert_id, "alert rule")


def update_alert(session: Session, *, row: AlertRule, data: AlertRuleIn, actor: Auditor) -> AlertRule:
    """Change an alert rule; what it already fired stays fired."""
    core = {"name", "kind", "channels", "active"}
    for key, value in data.model_dump(include=core).items():
        setattr(row, key, value)
    kept = {k: v for k, v in (row.settings or {}).items() if k in ("fired", "checked_at")}
    row.settings = {**data.model_dump(exclude=core), **kept}
    sla.forget(session)
    actor.audit(
        session,
        "alert_rule.update",
        target_type="alert_rule",
        target_id=str(row.id),
        details=data.model_dump(mode="json"),
    )
    return row


def delete_alert(session: Session, *, row: AlertRule, actor: Auditor) -> None:
    session.delete(row)
    sla.forget(session)
    actor.audit(session, "alert_rule.delete", target_type="alert_rule", target_id=str(row.id))


def alert_dict(a: AlertRule) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "kind": a.kind,
        "channels": a.channels,
        "active": a.active,
        "settings": a.settings,
    }


def webhook_dict(h: Webhook) -> dict[str, Any]:
    return {
        "id": h.id,
        "name": h.name,
        "url": h.url,
        "style": h.style,
        "events": h.events,
        "active": h.active,
    }


def delivery_dict(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "message_id": d.message_id,
        "event": d.event,
        "status": d.status,
        "attempts": d.attempts,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "created_at": d.created_at.isoformat(),
        "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
    }


def notification_dict(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "case_id": n.case_id,
        "text": n.text,
        "urgent": n.urgent,
        "created_at": n.created_at.isoformat(),
        "read_at": n.read_at.isoformat() if n.read_at else None,
    }
