"""Privacy operations: data-subject requests (access, correction, erasure...) and their legal deadlines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
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

    @property
    def current_due_at(self) -> datetime:
        return self.extended_due_at or self.due_at
