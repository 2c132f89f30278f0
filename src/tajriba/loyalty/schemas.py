"""Loyalty in and out: `/api/v1/loyalty` (members, transactions, rewards, campaigns, the programme's figures)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tajriba.i18n import N_
from tajriba.web.answers import Answer

KIND_LABELS = {
    "earn": N_("Earned"),
    "bonus": N_("Bonus"),
    "redeem": N_("Redeemed"),
    "expire": N_("Expired"),
    "reverse": N_("Reversed"),
    "adjust": N_("Adjusted"),
}
Key = Field(default=None, min_length=1, max_length=160, pattern=r"^[\w.:@/+\-]+$")
CustomerId = Field(min_length=1, max_length=200)


class TransactionCreate(BaseModel):
    """One transaction from the shop's systems. `key` makes it idempotent: sending it again changes nothing.
    earn: an order (order_id, amount; channel and category pick the rule); redeem: points; adjust: points (+/-)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["earn", "redeem", "adjust"]
    customer_id: str = CustomerId
    key: str | None = Key
    order_id: str | None = Field(default=None, min_length=1, max_length=160)
    amount: Decimal | None = Field(default=None, ge=0, le=Decimal("1e10"))
    channel: str | None = Field(default=None, max_length=40)
    category: str | None = Field(default=None, max_length=100)
    occurred_at: datetime | None = None
    points: int | None = Field(default=None, ge=-10_000_000, le=10_000_000)
    reason: str = Field(default="api", min_length=1, max_length=40)

    @model_validator(mode="after")
    def _fields_for_kind(self) -> TransactionCreate:
        if self.kind == "earn" and (self.order_id is None or self.amount is None):
            raise ValueError("an earn transaction needs order_id and amount")
        if self.kind == "earn":
            if self.key not in (None, f"order:{self.order_id}"):
                raise ValueError(
                    f"an earn transaction's key is order:<order_id> (here order:{self.order_id})"
                )
            self.key = f"order:{self.order_id}"
        elif self.key is None:
            raise ValueError(
                f"a {self.kind} transaction needs a key (any id of yours, unique per transaction)"
            )
        if self.kind != "earn" and self.points is None:
            raise ValueError(f"a {self.kind} transaction needs points")
        if self.kind == "redeem" and self.points is not None and self.points <= 0:
            raise ValueError("points to redeem must be above 0")
        if self.occurred_at is not None and self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at needs a zone (e.g. 2026-03-01T10:00:00+03:00)")
        return self


class TransactionRead(Answer):
    key: str
    customer_id: str
    kind: str
    points: int  # the change to the balance
    replay: bool
    shortfall: int
    balance: int
    legs: list[dict[str, Any]]


class HistoryItem(Answer):
    key: str
    kind: str
    reason: str
    points: int
    occurred_at: datetime
    expires_at: datetime | None
    note: str | None


class MemberRead(Answer):
    customer_id: str
    balance: int
    value: float
    currency: str
    tier: dict[str, Any]
    next_tier: dict[str, Any] | None
    qualifying_points: int
    qualifying_spend: Decimal
    review_at: datetime
    grace_until: datetime | None
    referral_code: str
    joined_at: datetime
    expiring: list[dict[str, Any]]
    history: list[HistoryItem]


class MemberCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = CustomerId
    referral_code: str | None = Field(default=None, max_length=16)
    birthday: date | None = None


class RewardCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    points: int = Field(gt=0, le=100_000_000)
    value: Decimal | None = Field(default=None, ge=0)
    stock: int | None = Field(default=None, ge=0)
    per_member: int | None = Field(default=None, ge=1)
    min_tier: str | None = Field(default=None, max_length=40)
    valid_days: int = Field(default=90, ge=1, le=3650)


class RewardRead(Answer):
    id: int
    name: str
    description: str | None
    points: int
    value: Decimal | None
    min_tier: str | None
    per_member: int | None
    valid_days: int
    active: bool
    issued: int
    stock_left: int | None


class RedemptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = CustomerId
    key: str = Field(min_length=1, max_length=160, pattern=r"^[\w.:@/+\-]+$")


class VoucherRead(Answer):
    code: str
    reward_id: int
    customer_id: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None
    points: int
    balance: int
    replay: bool


class CampaignCreate(BaseModel):
    """A campaign by dates, or by season (dates filled from the Hijri or Jalali calendar for `year`)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    season: str | None = None
    year: int | None = Field(default=None, ge=1300, le=2200)
    starts_on: date | None = None
    ends_on: date | None = None
    multiplier: float = Field(default=1.0, ge=1.0, le=20.0)
    bonus_points: int = Field(default=0, ge=0, le=1_000_000)
    min_amount: Decimal | None = Field(default=None, ge=0)
    cap_points: int | None = Field(default=None, ge=1)
    holdout_share: float = Field(default=0.1, ge=0.0, le=0.5)

    @model_validator(mode="after")
    def _dates(self) -> CampaignCreate:
        if self.season is None and (self.starts_on is None or self.ends_on is None):
            raise ValueError("give starts_on and ends_on, or a season and a year")
        if self.season is not None and self.year is None and self.starts_on is None:
            raise ValueError("a seasonal campaign needs the year (Gregorian, or Hijri for the Hijri seasons)")
        if self.multiplier == 1.0 and self.bonus_points == 0:
            raise ValueError("a campaign gives something: a multiplier above 1 or bonus points")
        return self


class CampaignRead(Answer):
    id: int
    name: str
    season: str | None
    starts_on: date
    ends_on: date
    multiplier: float
    bonus_points: int
    min_amount: Decimal | None
    cap_points: int | None
    holdout_share: float


class VoucherUsed(Answer):
    code: str
    used_at: datetime
    reward_id: int


class ProgrammeRead(Answer):
    """The programme's figures (docs/loyalty.md, "The dashboard"); each campaign with its lift against its holdout."""

    programme: dict[str, Any]
    members: int
    active: dict[str, Any] | None
    outstanding_points: int
    liability: float
    breakage_rate: float | None
    expected_liability: float
    issued_points_year: int
    redeemed_points_year: int
    expired_points_year: int
    redemption_rate: float | None
    tiers: list[dict[str, Any]]
    tier_movement: list[dict[str, Any]]
    campaigns: list[dict[str, Any]]


class OfferBatchCreate(BaseModel):
    """Choose the next-best action of every member now, keeping a random holdout that is sent nothing."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    channel: Literal["email", "sms", "whatsapp", "app"] = "email"
    holdout_share: float = Field(default=0.1, ge=0.0, le=0.5)
    cost_per_offer: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("1e9"))


class OfferRead(Answer):
    customer_id: str
    action: str
    items: list[str]
    holdout: bool


class OfferBatchRead(Answer):
    """A batch: how many of each action, its lift against the holdout so far, and a page of the offers to send
    (the holdout's are left out: they are to be sent nothing)."""

    id: int
    name: str
    channel: str
    holdout_share: float
    created_at: datetime
    actions: dict[str, int]
    lift: dict[str, Any] | None
    offers: list[OfferRead]
    total: int
