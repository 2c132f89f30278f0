"""Social listening: the queries that tag public mentions (a brand, a competitor), the sources mentions arrive
from (signed webhooks, RSS/Atom feeds) and the replies written to mentions from cases. The mentions themselves
are customer-generated data and live in the warehouse (`social_mentions`). See docs/social.md."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tajriba.models.base import Base, UTCDateTime, utcnow


def new_source_key() -> str:
    return "src_" + secrets.token_urlsafe(12)


class SocialQuery(Base):
    """Words that say a mention is about a brand: keywords (Arabic spelling folded, Arabizi written out),
    hashtags, handles, and words that rule a mention out."""

    __tablename__ = "social_queries"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="brand")  # brand | competitor | topic
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)
    handles: Mapped[list[str]] = mapped_column(JSON, default=list)
    exclusions: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every language
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SocialSource(Base):
    """Where mentions come from: a listening provider's signed webhook (`secret`), or an RSS/Atom feed polled
    every `every_minutes` (`url`)."""

    __tablename__ = "social_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40), unique=True, default=new_source_key)  # in the webhook's URL
    kind: Mapped[str] = mapped_column(String(20))  # webhook | feed
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20), default="web")  # what its mentions are, when unsaid
    url: Mapped[str | None] = mapped_column(String(2000))
    secret: Mapped[str | None] = mapped_column(String(80))
    every_minutes: Mapped[int] = mapped_column(Integer, default=30)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(20))  # ok | failed
    last_error: Mapped[str | None] = mapped_column(Text)
    stored: Mapped[int] = mapped_column(Integer, default=0)  # mentions stored from it, in all
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SocialReply(Base):
    """An answer to a public mention written in Tajriba (from its case); posting it is the provider's job,
    which reads the pending replies and marks them posted."""

    __tablename__ = "social_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    mention_id: Mapped[str] = mapped_column(String(80), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | posted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
