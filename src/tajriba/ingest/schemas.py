"""Touchpoint rules in and out of `/api/v1/touchpoint-rules`."""

from __future__ import annotations

from pydantic import BaseModel

from tajriba.web.answers import Answer


class RuleCreate(BaseModel):
    """Map tracking events to a touchpoint: any of event type, name, page path or a property's value."""

    touchpoint_id: int
    event_type: str | None = None
    event_name: str | None = None
    page_path: str | None = None
    property_name: str | None = None
    property_value: str | None = None
    channel: str | None = None
    position: int | None = None


class RuleRead(Answer):
    id: int
    touchpoint_id: int
    position: int
    event_type: str | None
    event_name: str | None
    page_path: str | None
    property_name: str | None
    property_value: str | None
    channel: str | None
    enabled: bool


class RulesRead(Answer):
    rules: list[RuleRead]


class ReappliedRead(Answer):
    """How many stored tracking events were mapped again."""

    events: int
