"""Goals: "the feeling we want" turned into a KPI with a target, a scope, a due date and an owner.

Progress, projection and status are computed from the data each time (tajriba.goals.service), never stored.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tajriba.models.base import Base, UTCDateTime, utcnow


class Goal(Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    feeling: Mapped[str | None] = mapped_column(Text)  # the feeling we want customers to have, in words
    metric: Mapped[str] = mapped_column(String(32))  # tajriba.goals.service.METRICS
    scope: Mapped[str] = mapped_column(
        String(16), default="company"
    )  # company|journey|stage|touchpoint|persona
    scope_id: Mapped[int | None] = mapped_column(Integer)  # the journey, stage, touchpoint or persona
    target: Mapped[float] = mapped_column(Float)
    start_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
