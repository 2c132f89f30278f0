"""What the customers API answers: search results, profiles, timelines, merges (personal data masked for
roles without pii:read, in the same shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
    """The current decision for one purpose and how many changes led to it."""

    purpose: str
    granted: bool
    recorded_at: datetime | None
    source: str | None
    changes: int


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
