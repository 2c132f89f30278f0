"""What the cases API and pages accept and return.

Size: one pydantic model per request and answer of the closed loop (cases, rules, SLA policies, calendars,
teams, alerts, webhooks, notifications); declarations only, no logic, read top to bottom.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tajriba.metrics.schemas import ServiceTargets, ServiceTimes
from tajriba.text.schemas import Intent
from tajriba.web.answers import Answer

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]  # every id fits the databases (and the audit log's JSON)
Position = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]

Priority = Literal["low", "normal", "high", "urgent"]
Status = Literal["new", "open", "waiting", "on_hold", "resolved", "closed", "reopened"]
Source = Literal["survey", "feedback", "ticket", "churn", "metric", "social", "manual"]
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
STATUSES: tuple[str, ...] = ("new", "open", "waiting", "on_hold", "resolved", "closed", "reopened")
OPEN_STATUSES: tuple[str, ...] = ("new", "open", "waiting", "on_hold", "reopened")
SOURCES: tuple[str, ...] = ("survey", "feedback", "ticket", "churn", "metric", "social", "manual")
# which status may follow which (a case is never silently reset)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("open", "waiting", "on_hold", "resolved", "closed"),
    "open": ("waiting", "on_hold", "resolved", "closed"),
    "waiting": ("open", "on_hold", "resolved", "closed"),
    "on_hold": ("open", "waiting", "resolved", "closed"),
    "resolved": ("closed", "reopened"),
    "closed": ("reopened",),
    "reopened": ("open", "waiting", "on_hold", "resolved", "closed"),
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CaseCreate(_In):
    subject: str = Field(min_length=1, max_length=300)
    customer_id: str | None = Field(default=None, max_length=64)
    source: Source = "manual"
    touchpoint_id: Id | None = None
    channel: str | None = Field(default=None, max_length=32)
    language: str | None = Field(default=None, max_length=8)
    priority: Priority = "normal"
    team_id: Id | None = None
    owner_id: Id | None = None
    tags: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=20000)
    links: list[tuple[Annotated[str, Field(max_length=24)], Annotated[str, Field(max_length=128)]]] = Field(
        default_factory=list, max_length=50
    )  # (source, source id)


class CaseUpdate(_In):
    subject: str | None = Field(default=None, min_length=1, max_length=300)
    priority: Priority | None = None
    team_id: Id | None = None
    owner_id: Id | None = None
    tags: list[Annotated[str, Field(max_length=40)]] | None = Field(default=None, max_length=20)
    root_cause_id: Id | None = None
    action_taken: str | None = Field(default=None, max_length=20000)
    touchpoint_id: Id | None = None


class TransitionIn(_In):
    status: Status
    root_cause_id: Id | None = None
    action_taken: str | None = Field(default=None, max_length=20000)
    note: str | None = Field(default=None, max_length=20000)


class NoteIn(_In):
    kind: Literal["note", "message", "call", "customer"] = "note"
    body: str = Field(min_length=1, max_length=20000)
    channel: Literal["email", "whatsapp", "sms", "phone", "chat"] | None = None


class BulkAssign(_In):
    case_ids: list[Id] = Field(min_length=1, max_length=500)
    owner_id: Id | None = None
    team_id: Id | None = None


class RuleConditions(_In):
    """When a rule opens a case (every list empty = any)."""

    signal: Literal["score", "text", "ticket", "churn"] = "score"
    metric: Literal["nps", "csat", "ces"] | None = None  # score rules
    max_score: float | None = None  # on the reference scale: NPS 0-10, CSAT 1-5, CES 1-7
    sentiments: list[Literal["negative", "mixed", "neutral", "positive"]] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list, max_length=50)
    # text rules: any of these intents (the words model's reading: a complaint even in a flat tone) ...
    intents: list[Intent] = Field(default_factory=list)
    # ... and any of these aspects with their polarity, "topic:negative" (a complaint about delivery)
    aspects: list[
        Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}:(negative|positive|neutral)$")]
    ] = Field(default_factory=list, max_length=50)
    words: list[str] = Field(default_factory=list, max_length=500)  # complaint words (any)
    use_complaint_words: bool = False  # add the shipped list for ar/fa/en
    max_p_alive: float | None = Field(default=None, ge=0, le=1)  # churn rules
    touchpoint_ids: list[Id] = Field(default_factory=list, max_length=200)
    channels: list[str] = Field(default_factory=list, max_length=50)
    languages: list[str] = Field(default_factory=list, max_length=20)
    segments: list[str] = Field(default_factory=list, max_length=50)  # value segment (customer_values)
    personas: list[str] = Field(default_factory=list, max_length=50)  # persona keys (the customer's profile)
    tiers: list[Literal["high", "medium", "low"]] = Field(default_factory=list)  # CLV tier
    dedupe_days: int = Field(default=14, ge=0, le=365)


class RuleIn(_In):
    name: str = Field(min_length=1, max_length=200)
    active: bool = True
    position: Position = 0
    priority: Priority = "normal"
    team_id: Id | None = None
    conditions: RuleConditions


class SlaPolicyIn(_In):
    name: str = Field(min_length=1, max_length=200)
    active: bool = True
    position: Position = 0
    priorities: list[Priority] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    touchpoint_ids: list[Id] = Field(default_factory=list, max_length=200)
    tiers: list[Literal["high", "medium", "low"]] = Field(default_factory=list)
    first_response_minutes: float | None = Field(default=None, gt=0, le=525600)
    next_response_minutes: float | None = Field(default=None, gt=0, le=525600)
    resolution_minutes: float | None = Field(default=None, gt=0, le=5256000)
    warn_at: float = Field(default=0.75, gt=0, lt=1)
    calendar_id: Id | None = None


class CalendarIn(_In):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(default="Asia/Riyadh", max_length=64)
    week: str = Field(default="sun-thu 09:00-17:00", max_length=500)
    country: str | None = Field(default=None, max_length=8)
    ramadan: str | None = Field(default=None, max_length=100)
    eid_al_fitr: tuple[int, int] = (1, 0)
    eid_al_adha: tuple[int, int] = (9, 0)
    closed: list[str] = Field(default_factory=list, max_length=366)
    overrides: dict[str, str] = Field(default_factory=dict, max_length=366)


class TeamIn(_In):
    name: str = Field(min_length=1, max_length=200)
    lead_id: Id | None = None
    calendar_id: Id | None = None
    routing: Literal["round_robin", "least_loaded", "manual"] = "round_robin"
    capacity: int | None = Field(default=None, ge=1, le=10000)
    members: list[Id] = Field(default_factory=list, max_length=500)
    languages: dict[Id, list[Annotated[str, Field(max_length=8)]]] = Field(
        default_factory=dict, max_length=500
    )  # user id -> languages spoken


class WebhookIn(_In):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://")
    style: Literal["standard", "slack"] = "standard"
    events: list[str] = Field(default_factory=list, max_length=20)
    active: bool = True


class AlertRuleIn(_In):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["assigned", "sla_at_risk", "sla_breached", "score_drop", "topic_spike", "staffing_gap"]
    channels: list[Literal["in_app", "email", "webhook"]] = Field(default=["in_app"])
    active: bool = True
    # score_drop: which metric, over windows of `days`, with at least `min_n` answers in each
    metric: Literal["nps", "csat", "ces"] = "nps"
    days: int = Field(default=7, ge=1, le=90)
    min_n: int = Field(default=30, ge=2, le=100000)
    # topic_spike: at least `min_count` recent texts and a p-value below `alpha`
    # staffing_gap (tajriba.forecasting): a day of the next `days` with at least `min_count` intervals short
    min_count: int = Field(default=10, ge=1, le=100000)
    alpha: float = Field(default=0.01, gt=0, lt=0.5)
    user_ids: list[Id] = Field(default_factory=list, max_length=200)  # empty: owners, admins and analysts


# ---- answers ----------------------------------------------------------------------------------------------


class TeamMemberRead(Answer):
    user_id: int
    languages: list[str]
    active: bool


class TeamRead(Answer):
    """A team: its lead, business calendar, how cases are routed to its members (and their languages)."""

    id: int
    name: str
    lead_id: int | None
    calendar_id: int | None
    routing: str
    capacity: int | None
    members: list[TeamMemberRead]


class TeamsRead(Answer):
    teams: list[TeamRead]


class AlertRuleRead(Answer):
    id: int
    name: str
    kind: str
    channels: list[str]
    active: bool
    settings: dict[str, Any]


class AlertRulesRead(Answer):
    alert_rules: list[AlertRuleRead]


class WebhookRead(Answer):
    """A webhook (Standard Webhooks or Slack style); `secret` only in the answer that creates it."""

    id: int
    name: str
    url: str
    style: str
    events: list[str]
    active: bool
    secret: str | None = None


class WebhooksRead(Answer):
    webhooks: list[WebhookRead]


class WebhookTestRead(Answer):
    delivery_id: int
    message_id: str


class CaseRead(Answer):
    """A case as the API shows it (times in UTC); without pii:read the customer id is hidden and personal
    data in the subject and action taken is replaced."""

    id: int
    customer_id: str | None
    subject: str | None
    source: str
    touchpoint_id: int | None
    stage_id: int | None
    channel: str | None
    language: str | None
    priority: str
    status: str
    owner_id: int | None
    team_id: int | None
    tags: list[str]
    root_cause_id: int | None
    action_taken: str | None
    rule_id: int | None
    sla_policy_id: int | None
    score: float | None
    metric: str | None
    opened_at: str | None
    first_response_at: str | None
    resolved_at: str | None
    closed_at: str | None
    reopened: int
    first_response_due_at: str | None
    next_response_due_at: str | None
    resolution_due_at: str | None
    sla_state: str | None
    escalation_level: int
    follow_up_score: float | None
    recovered: bool | None
    updated_at: str | None


class CaseEventRead(Answer):
    """An entry of the case's timeline: a note, message, call, status change or SLA event."""

    id: int
    at: str
    actor_id: int | None
    kind: str
    body: str | None
    data: dict[str, Any] | None


class CaseLinkRead(Answer):
    """A record behind the case (a survey answer, text, ticket...), summarized."""

    source: str
    source_id: str
    summary: str | None
    at: str


class CaseDetailRead(CaseRead):
    timeline: list[CaseEventRead]
    links: list[CaseLinkRead]


class CasesRead(Answer):
    total: int
    cases: list[CaseRead]


class AssignedRead(Answer):
    """The ids of the cases given to the owner and/or team."""

    assigned: list[int]


class EstimateRead(Answer):
    value: float | None
    low: float | None
    high: float | None
    n: int


class RecoveryRead(EstimateRead):
    recovered: int


class BoughtAgainRead(Answer):
    """Share of followed-up customers who ordered after their case was resolved, recovered vs not."""

    recovered: EstimateRead
    not_recovered: EstimateRead


class BacklogBand(Answer):
    band: str
    cases: int


class CaseCount(Answer):
    key: int | str | None
    label: str
    cases: int


class CaseReportRead(Answer):
    """The closed-loop report over cases opened in the period: recovery, SLA compliance, handling times
    against targets, the open backlog by age and cases by root cause, touchpoint and source. Only `cases` and
    `open` when there are none."""

    cases: int
    open: int
    recovery: RecoveryRead | None = None
    bought_again: BoughtAgainRead | None = None
    sla_compliance: EstimateRead | None = None
    times: ServiceTimes | None = None
    targets: ServiceTargets | None = None
    backlog: list[BacklogBand] | None = None
    by_root_cause: list[CaseCount] | None = None
    by_touchpoint: list[CaseCount] | None = None
    by_source: list[CaseCount] | None = None


class RuleRead(Answer):
    """A rule that opens cases from signals; `since` is when it started to apply."""

    id: int
    name: str
    active: bool
    position: int
    priority: str
    team_id: int | None
    conditions: RuleConditions
    since: str | None


class RulesRead(Answer):
    rules: list[RuleRead]


class PreviewRead(Answer):
    """Records the rule matches over the period, and the cases a back-fill would open."""

    matched: int
    cases: int


class BackfillRead(Answer):
    """Records matched, cases opened and signals attached to open cases, per rule id."""

    matched: int
    opened: int
    attached: int
    by_rule: dict[int, int]


class PolicyRead(Answer):
    id: int
    name: str
    active: bool
    position: int
    priorities: list[str]
    sources: list[str]
    touchpoint_ids: list[int]
    tiers: list[str]
    first_response_minutes: float | None
    next_response_minutes: float | None
    resolution_minutes: float | None
    warn_at: float
    calendar_id: int | None


class PoliciesRead(Answer):
    policies: list[PolicyRead]


class CalendarRead(Answer):
    """Working hours (`week`), time zone, public holidays of a country, Ramadan hours, Eid days off, closed
    days and overrides by date."""

    id: int
    name: str
    timezone: str
    week: str
    country: str | None
    ramadan: str | None
    eid_al_fitr: list[int]  # [first day, days closed]: a pair, as a list (OpenAPI 3.0 has no tuples)
    eid_al_adha: list[int]
    closed: list[str]
    overrides: dict[str, str]


class CalendarsRead(Answer):
    calendars: list[CalendarRead]


class BusinessTimeRead(Answer):
    """Business seconds between two times and the working intervals [start, end] in the calendar's zone."""

    seconds: float
    intervals: list[list[str]]  # [start, end] pairs


class DeliveryRead(Answer):
    id: int
    message_id: str
    event: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: str
    delivered_at: str | None


class DeliveriesRead(Answer):
    deliveries: list[DeliveryRead]


class NotificationRead(Answer):
    id: int
    kind: str
    case_id: int | None
    text: str
    urgent: bool
    created_at: str
    read_at: str | None


class NotificationsRead(Answer):
    unread: int
    notifications: list[NotificationRead]
