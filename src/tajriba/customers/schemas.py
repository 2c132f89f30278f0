"""What the customers API answers: search results, profiles, timelines, merges (personal data masked for
roles without pii:read, in the same shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tajriba.web.answers import Answer


class CustomerRow(Answer):
    customer_id: str
    external_id: str | None
    name: str | None
    email: str | None
    phone: str | None
    country: str | None
    city: str | None
    language: str | None
    gender: str | None
    birth_year: int | None
    persona_key: str | None
    acquisition_channel: str | None
    merged_into: str | None
    first_seen_at: datetime | None
    last_seen_at: datetime | None


class SearchRead(Answer):
    total: int
    page: int
    customers: list[CustomerRow]


class IdentityRead(Answer):
    kind: str
    value: str | None
    source: str | None
    first_seen_at: datetime | None
    last_seen_at: datetime | None


class MergeRead(Answer):
    """Profiles joined into one: which, through which shared identifiers, and whether it was undone."""

    merge_id: str
    into_customer_id: str
    merged_customer_ids: list[str]
    via: Any
    reason: str | None
    merged_at: datetime | None
    undone_at: datetime | None
    undone_by: str | None


class ConsentRead(Answer):
    """The current decision for one purpose, how it was given and how many changes led to it."""

    purpose: str
    granted: bool
    recorded_at: datetime | None
    source: str | None
    changes: int
    explicit: bool
    lawful_basis: str | None
    channel: str | None


class ConsentIn(BaseModel):
    """A decision a person gave a member of staff: granting and withdrawing are the same one call."""

    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(max_length=64, description="e.g. email_marketing, sms_marketing, surveys")
    granted: bool
    channel: Literal["phone", "in_person", "email", "sms", "whatsapp", "letter", "web", "app", "api"]
    explicit: bool = Field(default=False, description="the person agreed expressly (said or signed so)")
    lawful_basis: Literal[
        "consent", "contract", "legal_obligation", "vital_interest", "public_interest", "legitimate_interest"
    ] = "consent"
    language: Literal["ar", "fa", "en"] | None = None
    tz: str | None = Field(default=None, max_length=64, description="the zone they were in (Asia/Riyadh)")


class ConsentGiven(Answer):
    customer_id: str
    purpose: str
    granted: bool
    explicit: bool
    channel: str
    changed: bool = Field(description="false when it repeats the person's current decision (nothing stored)")
    recorded_at: datetime


class ConsentRecord(Answer):
    """One row of the consent ledger, as stored (append-only)."""

    consent_id: str
    purpose: str
    granted: bool
    recorded_at: datetime
    message_id: str | None
    source: str | None
    lawful_basis: str | None
    explicit: bool | None
    channel: str | None
    notice_version: str | None
    language: str | None
    tz: str | None
    actor: str | None


class ConsentHistory(Answer):
    customer_id: str
    records: list[ConsentRecord]


class SummaryRead(Answer):
    events: int
    orders: int
    revenue: float
    responses: int
    tickets: int


class ProfileRead(CustomerRow):
    traits: dict[str, Any]
    identities: list[IdentityRead]
    merges: list[MergeRead]
    consents: list[ConsentRead]
    summary: SummaryRead


class TimelineItem(Answer):
    kind: str
    at: datetime | None
    title: str | None
    channel: str | None
    touchpoint_id: int | None
    ref: str | None
    score: float | None
    detail: str | None


class TimelineRead(Answer):
    customer_id: str
    page: int
    more: bool
    items: list[TimelineItem]


class UndoRead(Answer):
    """What an undone merge gave back: rows moved back per table."""

    merge_id: str
    restored: dict[str, int]
