"""What a data-subject request carries in and out (the API and the pages use the same shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

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
