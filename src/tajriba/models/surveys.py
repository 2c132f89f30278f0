"""Surveys, their invitations (personal links), partial responses, and event triggers.

Answers themselves live in the warehouse (`survey_responses`, one row per metric question); this is the
configuration and the workflow around them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tajriba.models.base import Base, UTCDateTime, utcnow


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | active | closed
    # the question list, languages, texts and logic (tajriba.surveys.definition.Definition as JSON)
    definition: Mapped[dict] = mapped_column(JSON, default=dict)
    # what the survey measures, so its results land on the journey map
    touchpoint_id: Mapped[int | None] = mapped_column(ForeignKey("touchpoints.id", ondelete="SET NULL"))
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id", ondelete="SET NULL"))
    template: Mapped[str | None] = mapped_column(String(32))
    # the public link /s/<public_token>; random, so survey ids cannot be enumerated
    public_token: Mapped[str] = mapped_column(String(32), unique=True)
    public_link: Mapped[bool] = mapped_column(Boolean, default=True)
    reminder_days: Mapped[int | None] = mapped_column(Integer)
    link_days: Mapped[int] = mapped_column(Integer, default=14)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SurveyInvitation(Base):
    """One customer asked once: the personal single-use link, its delivery and its outcome.

    status: scheduled -> sent -> completed, or skipped (fatigue, no address, no consent), failed, expired.
    The table is also the contact log the fatigue rule reads.
    """

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("survey_id", "dedupe_key"),
        Index("ix_survey_invitations_due", "status", "scheduled_at"),
        Index("ix_survey_invitations_customer", "workspace_id", "customer_id", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | whatsapp | link
    address: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str | None] = mapped_column(String(8))
    hidden: Mapped[dict] = mapped_column(JSON, default=dict)
    # a trigger's event message id or a caller's key: the same event never invites twice
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    reason: Mapped[str | None] = mapped_column(String(200))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyProgress(Base):
    """A response being filled in: answers so far, so a respondent can leave and resume."""

    __tablename__ = "survey_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    hidden: Mapped[dict] = mapped_column(JSON, default=dict)
    # the first question of the screen to show when the respondent comes back
    at: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_id: Mapped[str | None] = mapped_column(String(64))


class SurveyTrigger(Base):
    """Invite after an event: e.g. `Order Delivered` -> this CSAT survey by SMS two hours later."""

    __tablename__ = "survey_triggers"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(200))
    delay_minutes: Mapped[int] = mapped_column(Integer, default=120)
    channel: Mapped[str] = mapped_column(String(16))
    # hidden fields filled from the event: {"order_id": "properties.order_id"}
    hidden_from: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # events up to this received_at have been considered
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
