"""Loyalty: the programme, its tiers, earning rules, campaigns, members, the points ledger, rewards, vouchers.

The ledger (`loyalty_transfers`) is double-entry and append-only: each row moves points from one account to
another (debit -> credit), so every row is a balanced pair of entries by construction; a balance is the sum of
what an account received minus what it gave, never a stored number. Rows of one transaction share its `key`
(the idempotency key: "order:ORD-1", a client's key) and are numbered by `leg`; (workspace, key, leg) is unique,
so a replay stores nothing. Awards open a lot (their own id) with its expiry; every other transfer touching a
member's account names the lot it draws from (`lot_id`). See docs/loyalty.md and decision 021.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tajriba.models.base import Base, UTCDateTime, utcnow


class LoyaltyProgramme(Base):
    __tablename__ = "loyalty_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="SAR")
    point_value: Mapped[float] = mapped_column(Float, default=0.05)  # in `currency`, for the liability
    expiry_days: Mapped[int] = mapped_column(Integer, default=365)  # each award expires this long after
    reminder_days: Mapped[int] = mapped_column(Integer, default=30)  # members are told this long before
    qualification_days: Mapped[int] = mapped_column(Integer, default=365)  # the tiers' window
    grace_days: Mapped[int] = mapped_column(Integer, default=30)  # after a failed review, before a downgrade
    earned_through: Mapped[datetime | None] = mapped_column(UTCDateTime)  # orders read up to here
    auto_enrol: Mapped[bool] = mapped_column(Boolean, default=True)  # a customer's first order enrols them
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoyaltyTier(Base):
    __tablename__ = "loyalty_tiers"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    rank: Mapped[int] = mapped_column(Integer)  # 0 is the tier every member starts in
    min_points: Mapped[int | None] = mapped_column(Integer)  # qualifying points in the window, or
    min_spend: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))  # spend in the window
    multiplier: Mapped[float] = mapped_column(Float, default=1.0)  # on points earned from orders
    benefits: Mapped[list[str]] = mapped_column(JSON, default=list)


class LoyaltyRule(Base):
    """How points are earned: per unit of an order's amount (trigger "order"), or a bonus for an event."""

    __tablename__ = "loyalty_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(40))  # order | review | survey | referral | birthday
    channel: Mapped[str | None] = mapped_column(String(40))  # orders: only this channel
    category: Mapped[str | None] = mapped_column(String(100))  # orders: only this category (properties)
    points_per_unit: Mapped[float] = mapped_column(Float, default=0.0)  # orders: per riyal, pound, toman
    points: Mapped[int] = mapped_column(Integer, default=0)  # a bonus per occurrence
    once: Mapped[bool] = mapped_column(Boolean, default=False)  # once per member ("first review")
    cap_points: Mapped[int | None] = mapped_column(Integer)  # at most this many per member and period
    cap_period: Mapped[str] = mapped_column(String(8), default="month")  # month | year
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LoyaltyCampaign(Base):
    """Extra points over a date range ("double points in Ramadan"), with a random holdout that gets none."""

    __tablename__ = "loyalty_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    season: Mapped[str | None] = mapped_column(String(20))  # ramadan | eid_al_fitr | ... (dates from Hijri)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # inclusive
    multiplier: Mapped[float] = mapped_column(Float, default=1.0)  # 2.0: double points
    bonus_points: Mapped[int] = mapped_column(Integer, default=0)  # per qualifying order
    min_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    cap_points: Mapped[int | None] = mapped_column(Integer)  # extra points per member over the campaign
    holdout_share: Mapped[float] = mapped_column(Float, default=0.1)
    # members are held out by a hash of this key and their id: fixed at creation, so the holdout never moves
    holdout_key: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoyaltyMember(Base):
    __tablename__ = "loyalty_members"
    __table_args__ = (
        UniqueConstraint("workspace_id", "customer_id"),
        UniqueConstraint("workspace_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(16))  # the member's referral code
    tier: Mapped[str] = mapped_column(String(40))
    tier_since: Mapped[datetime] = mapped_column(UTCDateTime)
    review_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the next tier review
    grace_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # failed a review: downgrade then
    referred_by: Mapped[str | None] = mapped_column(String(200))
    birthday: Mapped[date | None] = mapped_column(Date)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoyaltyTierChange(Base):
    __tablename__ = "loyalty_tier_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    from_tier: Mapped[str | None] = mapped_column(String(40))
    to_tier: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(20))  # joined | upgrade | downgrade | grace
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoyaltyTransfer(Base):
    __tablename__ = "loyalty_transfers"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key", "leg"),
        # covering: a balance reads the index alone
        Index("ix_loyalty_transfers_member", "workspace_id", "customer_id", "expires_at", "credit", "points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    leg: Mapped[int] = mapped_column(Integer, default=0)
    customer_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))  # earn | bonus | redeem | expire | reverse | adjust
    debit: Mapped[str] = mapped_column(String(12))  # the account the points leave
    credit: Mapped[str] = mapped_column(String(12))  # the account they reach
    points: Mapped[int] = mapped_column(BigInteger)  # > 0 (an order of a billion at 20x is past 32 bits)
    lot_id: Mapped[int | None] = mapped_column(Integer)  # the award drawn from (None: the row is an award)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the lot's expiry, on every row of the lot
    reason: Mapped[str] = mapped_column(String(40))
    spend: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))  # the order's amount (tier qualification)
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoyaltyReward(Base):
    __tablename__ = "loyalty_rewards"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    points: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))  # what it costs the company
    stock: Mapped[int | None] = mapped_column(Integer)  # how many may ever be issued (None: no limit)
    per_member: Mapped[int | None] = mapped_column(Integer)  # how many one member may redeem
    min_tier: Mapped[str | None] = mapped_column(String(40))
    valid_days: Mapped[int] = mapped_column(Integer, default=90)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LoyaltyVoucher(Base):
    __tablename__ = "loyalty_vouchers"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("loyalty_rewards.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    code: Mapped[str] = mapped_column(String(20))
    transfer_key: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoyaltyNotice(Base):
    """A member told that points expire (one per member and expiry day), so the job never tells twice."""

    __tablename__ = "loyalty_notices"
    __table_args__ = (UniqueConstraint("workspace_id", "customer_id", "expires_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(String(200))
    expires_on: Mapped[date] = mapped_column(Date)
    points: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str | None] = mapped_column(String(20))  # email, or None when no channel was allowed
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OfferBatch(Base):
    """Next-best actions chosen for a set of customers at once, with a random holdout that is sent nothing."""

    __tablename__ = "offer_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))  # email | sms | whatsapp | app
    holdout_share: Mapped[float] = mapped_column(Float, default=0.1)
    cost_per_offer: Mapped[Decimal] = mapped_column(Numeric(18, 4), default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (UniqueConstraint("batch_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("offer_batches.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(20))  # fix_first | win_back | thank | offer
    items: Mapped[list[str]] = mapped_column(JSON, default=list)  # recommended products, best first
    holdout: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
