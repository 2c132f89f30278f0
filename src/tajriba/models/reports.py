"""Scheduled reports: who receives the workspace's executive summary, how often, in which language and format.

The summary itself is computed when it is sent (tajriba.reports.summary), never stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tajriba.models.base import Base, UTCDateTime, utcnow


class ReportSubscription(Base):
    __tablename__ = "report_subscriptions"
    __table_args__ = (Index("ix_report_subscriptions_due", "active", "next_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(8), default="ar")
    frequency: Mapped[str] = mapped_column(String(16), default="weekly")  # weekly | monthly
    formats: Mapped[str] = mapped_column(String(32), default="pdf,xlsx")  # pdf and/or xlsx, comma separated
    active: Mapped[bool] = mapped_column(default=True)
    # the next sending, in UTC (08:00 in the workspace's time zone on the first working day of the period)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
