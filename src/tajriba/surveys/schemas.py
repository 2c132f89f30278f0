"""What the surveys API reads: new surveys and their changes, invitations, triggers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from tajriba.web.params import Moment


class SurveyCreate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    key: str | None = None
    template: str | None = None
    definition: dict[str, Any] | None = None
    touchpoint_id: int | None = None
    stage_id: int | None = None
    reminder_days: int | None = None
    link_days: int = 14


class SurveyUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    definition: dict[str, Any] | None = None
    touchpoint_id: int | None = None
    stage_id: int | None = None
    reminder_days: int | None = None
    link_days: int | None = None
    public_link: bool | None = None
    status: Literal["draft", "active", "closed"] | None = None


class RecipientIn(BaseModel):
    customer_id: str | None = None
    address: str | None = Field(default=None, max_length=320)
    language: str | None = None
    hidden: dict[str, str] = Field(default_factory=dict)
    dedupe_key: str | None = Field(default=None, max_length=200)
    at: Moment | None = None


class InviteCreate(BaseModel):
    channel: Literal["email", "sms", "whatsapp", "link"]
    recipients: list[RecipientIn] = Field(min_length=1, max_length=10000)


class TriggerCreate(BaseModel):
    event: str = Field(min_length=1, max_length=200)
    channel: Literal["email", "sms", "whatsapp"]
    delay_minutes: int = 120
    hidden_from: dict[str, str] = Field(default_factory=dict)
