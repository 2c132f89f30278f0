"""What the surveys API reads: new surveys and their changes, invitations, triggers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tajriba.metrics.schemas import MetricRow, ResponseRateRow
from tajriba.web.answers import Answer
from tajriba.web.params import Moment


class SurveyCreate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    key: str | None = None
    template: str | None = None
    definition: dict[str, Any] | None = None
    touchpoint_id: int | None = None
    stage_id: int | None = None
    reminder_days: int | None = None
    link_days: int = 14


class SurveyUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    definition: dict[str, Any] | None = None
    touchpoint_id: int | None = None
    stage_id: int | None = None
    reminder_days: int | None = None
    link_days: int | None = None
    public_link: bool | None = None
    status: Literal["draft", "active", "closed"] | None = None


class RecipientIn(BaseModel):
    customer_id: str | None = None
    address: str | None = Field(default=None, max_length=320)
    language: str | None = None
    hidden: dict[str, str] = Field(default_factory=dict)
    dedupe_key: str | None = Field(default=None, max_length=200)
    at: Moment | None = None


class InviteCreate(BaseModel):
    channel: Literal["email", "sms", "whatsapp", "link"]
    recipients: list[RecipientIn] = Field(min_length=1, max_length=10000)


class TriggerCreate(BaseModel):
    event: str = Field(min_length=1, max_length=200)
    channel: Literal["email", "sms", "whatsapp"]
    delay_minutes: int = 120
    hidden_from: dict[str, str] = Field(default_factory=dict)


class SurveyRead(Answer):
    """A survey: its definition (docs/surveys.md), where it is asked, and its public link when it has one."""

    id: int
    key: str
    name: str
    status: str
    template: str | None
    touchpoint_id: int | None
    stage_id: int | None
    reminder_days: int | None
    link_days: int
    public_link: bool
    public_url: str | None
    definition: dict[str, Any]
    created_at: datetime | None
    updated_at: datetime | None


class SurveysRead(Answer):
    surveys: list[SurveyRead]


class TemplateRead(Answer):
    key: str
    name: dict[str, str]
    metric: str | None
    definition: dict[str, Any]


class TemplatesRead(Answer):
    templates: list[TemplateRead]


class RulesRead(Answer):
    """How often a customer may be asked: days between surveys, local quiet hours, invitations per channel
    per day."""

    fatigue_days: int
    quiet_start: str
    quiet_end: str
    limits: dict[str, int]


class LinksRead(Answer):
    public_url: str
    embed: str
    share: dict[str, str]
    qr_png: str
    qr_svg: str


class InvitationRead(Answer):
    """An invitation and where it stands; a pending one carries its personal link (and share links)."""

    id: int
    customer_id: str | None
    channel: str
    status: str
    reason: str | None
    scheduled_at: datetime | None
    sent_at: datetime | None
    reminded_at: datetime | None
    opened_at: datetime | None
    completed_at: datetime | None
    expires_at: datetime | None
    response_id: str | None
    url: str | None = None
    share: dict[str, str] | None = None


class InvitationsRead(Answer):
    counts: dict[str, int]
    invitations: list[InvitationRead]


class InviteRead(Answer):
    """Invitations scheduled, and those skipped by reason (fatigue, no address, no consent, duplicate)."""

    scheduled: int
    skipped: dict[str, int]
    invitations: list[InvitationRead]


class TriggerRead(Answer):
    id: int
    event: str
    channel: str
    delay_minutes: int
    hidden_from: dict[str, str]
    active: bool


class TriggersRead(Answer):
    triggers: list[TriggerRead]


class Point(Answer):
    value: int
    n: int
    share: float | None


class Share(Answer):
    n: int
    share: float | None
    ci_low: float | None
    ci_high: float | None


class Option(Share):
    value: str
    label: str


class Mean(Answer):
    n: int
    value: float | None
    ci_low: float | None
    ci_high: float | None


class MatrixRow(Answer):
    value: str
    label: str
    estimate: Mean
    points: list[Point]


class QuestionResult(Answer):
    """One question's answers: scale questions their points and estimate (NPS/CSAT/CES with the metric's
    interval, ratings a mean), choices their options, a matrix its rows, consent the share agreeing."""

    key: str
    type: str
    title: str
    answered: int
    responses: int
    scale: list[int] | None = None
    low_label: str | None = None
    high_label: str | None = None
    points: list[Point] | None = None
    estimate: MetricRow | Mean | None = None
    options: list[Option] | None = None
    rows: list[MatrixRow] | None = None
    agreed: Share | None = None


class TopicN(Answer):
    topic: str
    n: int


class OpenAnswers(Answer):
    total: int
    by_sentiment: dict[str, int]
    topics: list[TopicN]


class ResultsRead(Answer):
    """Responses, the response rate (only without touchpoint, channel or language filters), answers by
    language and channel, each question's distribution and the open answers' sentiment and topics."""

    n: int
    first: str | None
    last: str | None
    rate: ResponseRateRow | None
    by_language: dict[str, int]
    by_channel: dict[str, int]
    questions: list[QuestionResult]
    open_answers: OpenAnswers


class ResponseRead(Answer):
    """A response with its whole answer set by question key (customer id only with pii:read)."""

    response_id: str
    customer_id: str | None
    touchpoint_id: int | None
    order_id: str | None
    ticket_id: str | None
    channel: str | None
    language: str | None
    submitted_at: str | None
    answers: dict[str, Any]
    hidden: dict[str, Any]


class ResponsesRead(Answer):
    total: int
    items: list[ResponseRead]


class SurveyJsRead(BaseModel):
    """The survey in SurveyJS's JSON form (surveyjs.io's documented format, with tajriba* extensions that
    carry what SurveyJS has no word for), ready for its Creator or to import elsewhere."""

    model_config = ConfigDict(extra="allow")

    title: dict[str, str] | str | None = None
    locale: str | None = None
    pages: list[dict[str, Any]]
