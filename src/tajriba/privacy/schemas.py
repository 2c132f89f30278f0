"""What a data-subject request carries in and out (the API and the pages use the same shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["access", "correction", "erasure", "restriction", "objection", "portability"]
Channel = Literal["web", "agent", "api", "email"]


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    jurisdiction: Literal["pdpl", "gdpr"] = "pdpl"
    channel: Channel = "api"
    contact: str | None = Field(
        default=None, max_length=320, description="the email or phone the person gave"
    )
    customer_id: str | None = Field(default=None, max_length=200)
    language: Literal["ar", "fa", "en"] = "ar"
    details: str | None = Field(default=None, max_length=5000)
    received_at: datetime | None = Field(default=None, description="when it arrived (default: now)")


class ExtensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000, description="what the person is told, before the first due date")


class RequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    jurisdiction: str
    channel: str
    status: str
    customer_id: str | None
    language: str
    received_at: datetime
    due_at: datetime
    extended_due_at: datetime | None
    extension_reason: str | None
    current_due_at: datetime


class ErasureOut(BaseModel):
    """What an erasure did: `erased`, or `deferred` while a legal hold is active (its reason in `hold`).
    `reclaimed`: whether each store's files were rewritten now (`done`), or when the warehouse is next opened
    (`next_open`, the embedded DuckDB file: at the server's next start), or `busy` (SQLite's log was in use:
    truncated at the next checkpoint)."""

    status: Literal["erased", "deferred"]
    token: str = Field(description="how the audit log names the person")
    counts: dict[str, int]
    hold: str | None
    reclaimed: dict[str, str]


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=200)
    reason: str = Field(max_length=2000, description="why the data must be kept (at least ten characters)")
    reference: str | None = Field(default=None, max_length=200, description="court case or matter number")


class HoldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: str
    reason: str
    reference: str | None
    placed_at: datetime
    released_at: datetime | None


class RetentionIn(BaseModel):
    """Months each data category is kept (null removes the rule: kept until erased)."""

    model_config = ConfigDict(extra="forbid")

    months: dict[str, int | None] = Field(description='category -> months, e.g. {"feedback_text": 24}')


class RetentionOut(BaseModel):
    months: dict[str, int]
    categories: dict[str, str] = Field(
        description="every category and what it holds, in the caller's language"
    )


class PurgeOut(BaseModel):
    dry_run: bool
    cutoffs: dict[str, datetime]
    counts: dict[str, int]
    erasures: int


class BreachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=3, max_length=200)
    description: str = Field(min_length=1, max_length=20000, description="what happened")
    occurred_at: datetime | None = None
    aware_at: datetime | None = Field(
        default=None, description="when the organisation became aware (default: now)"
    )
    categories: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)
    subjects_count: int | None = Field(default=None, ge=0)
    records_count: int | None = Field(default=None, ge=0)
    consequences: str | None = Field(default=None, max_length=20000)
    measures: str | None = Field(default=None, max_length=20000)
    contact: str | None = Field(default=None, max_length=320)


class BreachUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=3, max_length=200)
    description: str | None = Field(default=None, max_length=20000)
    occurred_at: datetime | None = None
    categories: list[Annotated[str, Field(max_length=100)]] | None = Field(default=None, max_length=50)
    subjects_count: int | None = Field(default=None, ge=0)
    records_count: int | None = Field(default=None, ge=0)
    consequences: str | None = Field(default=None, max_length=20000)
    measures: str | None = Field(default=None, max_length=20000)
    contact: str | None = Field(default=None, max_length=320)
    authority_notified_at: datetime | None = None
    subjects_informed_at: datetime | None = None
    closed: bool = False


class BreachOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str
    occurred_at: datetime | None
    aware_at: datetime
    due_at: datetime
    categories: list[str]
    subjects_count: int | None
    records_count: int | None
    consequences: str | None
    measures: str | None
    contact: str | None
    authority_notified_at: datetime | None
    subjects_informed_at: datetime | None
    status: str
    escalated_at: datetime | None
    hours_left: float = Field(description="until the 72-hour deadline (negative: past it)")
    clock: str = Field(description="on_time, at_risk (under 24 hours), overdue, notified or closed")
    missing: list[str] = Field(description="facts a notice must give that are still blank")


class DraftOut(BaseModel):
    language: str
    subject: str
    body: str


LawfulBasis = Literal[
    "consent", "contract", "legal_obligation", "vital_interest", "public_interest", "legitimate_interest"
]
Items = list[Annotated[str, Field(max_length=200)]]


class PurposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="e.g. surveys, marketing_email")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    lawful_basis: LawfulBasis
    explicit: bool = Field(default=False, description="needs explicit consent (sensitive or credit data)")
    data_categories: Items = Field(default_factory=list, max_length=50)
    subject_categories: Items = Field(default_factory=list, max_length=50)
    recipients: Items = Field(default_factory=list, max_length=50)
    transfers: Items = Field(default_factory=list, max_length=50, description="countries and mechanism")
    retention: str | None = Field(default=None, max_length=200)


class PurposeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    lawful_basis: LawfulBasis | None = None
    explicit: bool | None = None
    data_categories: Items | None = Field(default=None, max_length=50)
    subject_categories: Items | None = Field(default=None, max_length=50)
    recipients: Items | None = Field(default=None, max_length=50)
    transfers: Items | None = Field(default=None, max_length=50)
    retention: str | None = Field(default=None, max_length=200)
    retired: bool | None = Field(default=None, description="true: the processing stopped (kept 5 years)")


class PurposeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    name: str
    description: str | None
    lawful_basis: str
    explicit: bool
    data_categories: list[str]
    subject_categories: list[str]
    recipients: list[str]
    transfers: list[str]
    retention: str | None
    created_at: datetime
    retired_at: datetime | None


class RecordsOut(BaseModel):
    """The records of processing: the controller, the retention rules and every purpose (retired ones for five
    years)."""

    controller: dict[str, str | None]
    generated_at: datetime
    retention_months: dict[str, int]
    purposes: list[dict[str, Any]]


class NoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(max_length=40, description="e.g. 2026-12; a published version never changes")
    texts: dict[Literal["ar", "fa", "en"], Annotated[str, Field(max_length=20000)]]
    contact: str | None = Field(
        default=None, max_length=320, description="the privacy officer's e-mail or phone"
    )


class NoticeOut(BaseModel):
    version: str
    texts: dict[str, str]
    contact: str | None
    published_at: datetime


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: dict[Literal["name", "email", "phone"], Annotated[str, Field(min_length=1, max_length=320)]] = (
        Field(min_length=1, description='e.g. {"phone": "+966 55 765 4321"}')
    )


class CorrectionOut(BaseModel):
    counts: dict[str, int] = Field(description="rows changed per table")
