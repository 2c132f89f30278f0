"""Closed-loop cases and what runs them: teams, business calendars, root causes, the rules that open cases,
SLA policies, the case timeline, notifications, alert rules and webhooks.

A case's SLA clock is stored twice on purpose: as events on the timeline (started, paused, resumed,
fulfilled, warned, breached; the audit trail that can be replayed) and as the state that makes due times a
vectorised computation (`clock_consumed_s` business seconds used before `clock_running_since`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from tajriba.models.base import Base, UTCDateTime, utcnow

NEVER = datetime(9999, 12, 31, tzinfo=UTC)  # the queue time of a case nothing is due on
URGENCY = {"breached": 0, "at_risk": 1}


class BusinessCalendar(Base):
    __tablename__ = "business_calendars"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict] = mapped_column(JSON, default=dict)  # tajriba.cases.business_time.to_dict
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id", ondelete="SET NULL"))
    routing: Mapped[str] = mapped_column(String(16), default="round_robin")  # round_robin|least_loaded|manual
    capacity: Mapped[int | None] = mapped_column(Integer)  # open cases per member, for least_loaded
    last_assigned_id: Mapped[int | None] = mapped_column(Integer)  # round robin's position
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    languages: Mapped[list] = mapped_column(JSON, default=list)  # ["ar", "en"]; empty: any
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # away members get no new cases


class RootCause(Base):
    __tablename__ = "root_causes"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    labels: Mapped[dict] = mapped_column(JSON, default=dict)  # {"ar": ..., "fa": ..., "en": ...}
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseRule(Base):
    __tablename__ = "case_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # what to watch and when it matches (tajriba.cases.schemas.RuleConditions as JSON)
    conditions: Mapped[dict] = mapped_column(JSON, default=dict)
    priority: Mapped[str] = mapped_column(String(8), default="normal")  # low|normal|high|urgent
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # new data from here on
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlaPolicy(Base):
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    conditions: Mapped[dict] = mapped_column(JSON, default=dict)  # priorities, sources, touchpoints, tiers
    first_response_minutes: Mapped[float | None] = mapped_column(Float)
    next_response_minutes: Mapped[float | None] = mapped_column(Float)
    resolution_minutes: Mapped[float | None] = mapped_column(Float)
    warn_at: Mapped[float] = mapped_column(Float, default=0.75)  # share of the target
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendars.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        # the inbox counts read this index alone; each view walks its own queue index in order
        Index("ix_cases_inbox", "workspace_id", "status", "owner_id", "team_id", "urgency"),
        Index("ix_cases_owner_queue", "workspace_id", "owner_id", "urgency", "queue_at", "id"),
        Index("ix_cases_team_queue", "workspace_id", "team_id", "urgency", "queue_at", "id"),
        Index("ix_cases_customer", "workspace_id", "customer_id", "touchpoint_id"),
        Index("ix_cases_due", "workspace_id", "resolution_due_at"),
        Index("ix_cases_queue", "workspace_id", "urgency", "queue_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(24))  # survey|feedback|ticket|churn|metric|social|manual
    touchpoint_id: Mapped[int | None] = mapped_column(ForeignKey("touchpoints.id", ondelete="SET NULL"))
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="new")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    root_cause_id: Mapped[int | None] = mapped_column(ForeignKey("root_causes.id", ondelete="SET NULL"))
    action_taken: Mapped[str | None] = mapped_column(Text)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("case_rules.id", ondelete="SET NULL"))
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))
    score: Mapped[float | None] = mapped_column(Float)  # the answer that opened it (NPS 3, CSAT 1...)
    metric: Mapped[str | None] = mapped_column(String(8))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    auto_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    # the SLA clock (business seconds on the team's calendar)
    clock_running_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_consumed_s: Mapped[float] = mapped_column(Float, default=0.0)
    next_response_from_s: Mapped[float | None] = mapped_column(Float)  # clock reading at the customer's reply
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warn_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_state: Mapped[str] = mapped_column(String(12), default="none")  # none|ok|at_risk|breached|met
    # the inbox's order, kept in step with sla_state and resolution_due_at (see below) so that an index serves
    # "most urgent first" without sorting every case: breached 0, at risk 1, others 2; then the due time
    urgency: Mapped[int] = mapped_column(Integer, default=2)
    queue_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: NEVER)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # the follow-up after resolution
    follow_up_invitation_id: Mapped[int | None] = mapped_column(Integer)
    follow_up_score: Mapped[float | None] = mapped_column(Float)
    recovered: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


@event.listens_for(Case.sla_state, "set")
def _urgency(case: Case, value: str, _old: object, _initiator: object) -> None:
    case.urgency = URGENCY.get(value, 2)


@event.listens_for(Case.resolution_due_at, "set")
def _queue_at(case: Case, value: datetime | None, _old: object, _initiator: object) -> None:
    case.queue_at = value or NEVER


class CaseEvent(Base):
    """One line of a case's timeline: a note, a message, a change, an SLA clock event."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # note|message|call|status|owner|team|priority|sla|signal
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class CaseLink(Base):
    """A source record behind a case; one record belongs to one case (re-evaluation never duplicates)."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("workspace_id", "source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(24))  # survey_response|feedback|ticket|customer|metric
    source_id: Mapped[str] = mapped_column(String(128))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("case_rules.id", ondelete="SET NULL"))
    summary: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))  # assigned|mentioned|at_risk|breached|escalated|alert
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # null: held for the digest
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertRule(Base):
    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(
        String(24)
    )  # assigned|sla_at_risk|sla_breached|score_drop|topic_spike|staffing_gap
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    channels: Mapped[list] = mapped_column(JSON, default=list)  # in_app, email, webhook
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))  # whsec_<base64>, shown once to the admin who made it
    style: Mapped[str] = mapped_column(String(16), default="standard")  # standard | slack
    events: Mapped[list] = mapped_column(
        JSON, default=list
    )  # case.created, case.sla_breached, ...; empty: all
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(String(64))  # the webhook-id header; the same on every retry
    event: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
