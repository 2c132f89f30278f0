"""Privacy operations: data-subject requests (access, correction, erasure...) and their legal deadlines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tajriba.models.base import Base, UTCDateTime, utcnow


class DataSubjectRequest(Base):
    """One request of a person about their data, however it arrived (the web form, an agent noting an oral
    request, the API), with the due date of its jurisdiction and at most one extension (privacy.deadlines)."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(
        String(16)
    )  # access | correction | erasure | restriction | objection ...
    jurisdiction: Mapped[str] = mapped_column(String(8))  # pdpl | gdpr
    channel: Mapped[str] = mapped_column(String(8))  # web | agent | api | email
    status: Mapped[str] = mapped_column(
        String(16), default="received"
    )  # received | verified | done | refused
    # who asks: the email or phone they gave (to verify and answer them), the profile once matched
    contact: Mapped[str | None] = mapped_column(String(320))
    customer_id: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="ar")
    details: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    extended_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    logged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # after an erasure the request names the person by a token only (privacy.tokens.subject_token)
    subject_token: Mapped[str | None] = mapped_column(String(40))
    # what answering it did: {"status": "erased"|"deferred", "counts": {...}, "hold": ...}
    outcome: Mapped[dict | None] = mapped_column(JSON)
    # the public form: the link the person follows (hashed) and the code sent to their contact (hashed)
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # the privacy team was told a week before the due date, and again once it passed
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def current_due_at(self) -> datetime:
        return self.extended_due_at or self.due_at


class LegalHold(Base):
    """Data that must be kept (a court case, an investigation, a legal retention period): erasure and the
    retention purge leave the person's data alone while the hold is active, and erase it once released."""

    __tablename__ = "privacy_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(200))  # the court case or matter number
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    placed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class RetentionRule(Base):
    """How long one category of data is kept (privacy.retention.CATEGORIES), in months."""

    __tablename__ = "privacy_retention_rules"
    __table_args__ = (UniqueConstraint("workspace_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    months: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Breach(Base):
    """A personal-data breach: the 72-hour clock from awareness (PDPL IR Art 24, GDPR Art 33) and the facts
    the authority asks for."""

    __tablename__ = "privacy_breaches"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    aware_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # aware_at + 72 hours
    categories: Mapped[list] = mapped_column(JSON, default=list)  # data categories involved
    subjects_count: Mapped[int | None] = mapped_column(Integer)
    records_count: Mapped[int | None] = mapped_column(Integer)
    consequences: Mapped[str | None] = mapped_column(Text)  # the likely risks and harm
    measures: Mapped[str | None] = mapped_column(Text)  # taken and proposed
    subjects_informed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    authority_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact: Mapped[str | None] = mapped_column(String(320))  # the DPO or privacy contact
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | notified | closed
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the T-24 h warning went out
    logged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Purpose(Base):
    """A processing purpose in the records of processing (PDPL Art 31, GDPR Art 30): what is done, why, on
    what basis, with which data, kept how long; retired purposes stay in the records five years."""

    __tablename__ = "privacy_purposes"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    lawful_basis: Mapped[str] = mapped_column(String(24))  # consent | contract | legal_obligation | ...
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)  # needs explicit consent (IR Art 11)
    data_categories: Mapped[list] = mapped_column(JSON, default=list)
    subject_categories: Mapped[list] = mapped_column(JSON, default=list)
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    transfers: Mapped[list] = mapped_column(
        JSON, default=list
    )  # countries outside the Kingdom and the mechanism
    retention: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
