"""Staffing: each team's service targets and handle time, and the schedule the team uploaded (people per
interval), which the staffing plan compares with the forecast's needs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tajriba.models.base import Base, UTCDateTime, utcnow


class StaffingTeam(Base):
    """A team as the tickets name it (`tickets.team`), with what it promises and how long a contact takes."""

    __tablename__ = "staffing_teams"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16), default="voice")  # voice | chat | email
    aht_seconds: Mapped[float] = mapped_column(Float, default=300.0)
    target_level: Mapped[float] = mapped_column(Float, default=0.8)
    target_seconds: Mapped[float] = mapped_column(Float, default=20.0)
    shrinkage: Mapped[float] = mapped_column(Float, default=0.3)
    patience_seconds: Mapped[float | None] = mapped_column(Float)  # set: Erlang A
    concurrency: Mapped[int] = mapped_column(Integer, default=1)  # chats one agent holds at once
    max_occupancy: Mapped[float | None] = mapped_column(Float)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=30)
    quantile: Mapped[int] = mapped_column(Integer, default=80)  # staff to this forecast bound (50 = the mean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StaffingShift(Base):
    """People scheduled for one team in one interval (local time of the workspace)."""

    __tablename__ = "staffing_shifts"
    __table_args__ = (UniqueConstraint("team_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("staffing_teams.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column()  # local wall-clock time, naive
    people: Mapped[int] = mapped_column(Integer)
