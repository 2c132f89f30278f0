"""Personas, journeys, stages, touchpoints and their items: what the API and imports accept and return.

The vocabularies (purposes, impacts, emotions, statuses) live here once; pages and exports translate
their labels.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tajriba.i18n import N_
from tajriba.labels import CHANNELS
from tajriba.web.answers import Answer
from tajriba.web.params import Moment

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
LOCALES = ("ar", "fa", "en")

JOURNEY_STATUSES = {
    "current": N_("Current state"),
    "future": N_("Future state"),
    "archived": N_("Archived"),
}
PURPOSES = {
    "educate": N_("Educate"),
    "inspire": N_("Inspire"),
    "inform": N_("Inform"),
    "sell": N_("Sell"),
    "receive_payment": N_("Receive payment"),
    "deliver": N_("Deliver"),
    "support": N_("Support"),
    "retain": N_("Retain"),
    "onboard": N_("Onboard"),
    "collect_feedback": N_("Collect feedback"),
}
IMPACTS = {
    "differentiation": N_("Differentiation"),
    "loyalty": N_("Loyalty"),
    "repeat_purchase": N_("Repeat purchase"),
    "referral": N_("Referral"),
    "acquisition": N_("Acquisition"),
    "satisfaction": N_("Satisfaction"),
    "trust": N_("Trust"),
    "cost_to_serve": N_("Cost to serve"),
}
# desired emotions and the level each stands for on the emotion curve's -1..+1 scale
EMOTIONS: dict[str, tuple[str, float]] = {
    "delighted": (N_("Delighted"), 0.9),
    "valued": (N_("Valued"), 0.75),
    "confident": (N_("Confident"), 0.6),
    "secure": (N_("Secure"), 0.6),
    "reassured": (N_("Reassured"), 0.5),
    "in_control": (N_("In control"), 0.5),
    "heard": (N_("Heard"), 0.4),
    "curious": (N_("Curious"), 0.3),
    "calm": (N_("Calm"), 0.3),
    "indifferent": (N_("Indifferent"), 0.0),
}
ASSESSMENTS = {
    "excels": N_("Excels"),
    "meets": N_("Meets standard"),
    "below": N_("Below standard"),
}
ITEM_KINDS = {
    "pain_point": N_("Pain point"),
    "opportunity": N_("Opportunity"),
    "solution": N_("Solution"),
}
ITEM_STATUSES = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "dropped": N_("Dropped"),
}
# KPIs a touchpoint can target; direction "higher" means more is better
KPIS: dict[str, tuple[str, str]] = {
    "csat": (N_("CSAT (1-5)"), "higher"),
    "ces": (N_("Customer effort (1-7, 7 = easy)"), "higher"),
    "nps": (N_("NPS"), "higher"),
    "rating": (N_("Feedback rating (1-5)"), "higher"),
    "positive_share": (N_("Share of positive feedback"), "higher"),
    "first_response_min": (N_("First response (minutes, median)"), "lower"),
    "resolution_h": (N_("Resolution (hours, median)"), "lower"),
    "on_time_share": (N_("Delivered on time"), "higher"),
    "drop_off": (N_("Journeys ending here"), "lower"),
}

Key = Annotated[str, Field(pattern=KEY_RE.pattern, description="lower-case letters, digits, _ and -")]
Names = dict[str, str]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("names", check_fields=False)
    @classmethod
    def _names(cls, value: Names | None) -> Names | None:
        if value is None:
            return value
        unknown = sorted(set(value) - set(LOCALES))
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}; use ar, fa or en")
        return {k: v.strip() for k, v in value.items() if v and v.strip()}


def _choice(value: str | None, allowed: dict[str, Any], what: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
    return value


def check_targets(value: dict[str, Any] | None) -> dict[str, Any]:
    """Targets are {kpi: number} (the KPI's own direction) or {kpi: {"min"|"max": number}}."""
    out: dict[str, Any] = {}
    for kpi, target in (value or {}).items():
        if kpi not in KPIS:
            raise ValueError(f"unknown KPI {kpi!r}; expected one of {', '.join(KPIS)}")
        if isinstance(target, bool):
            raise ValueError(f"target for {kpi} must be a number")
        if isinstance(target, int | float):
            out[kpi] = float(target)
        elif isinstance(target, dict) and len(target) == 1 and next(iter(target)) in ("min", "max"):
            bound, number = next(iter(target.items()))
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise ValueError(f"target for {kpi} must be a number")
            out[kpi] = {bound: float(number)}
        else:
            raise ValueError(f'target for {kpi} must be a number or {{"min": x}} / {{"max": x}}')
    return out


class PersonaIn(_In):
    key: Key
    name: Text
    names: Names = Field(default_factory=dict)
    avatar: str | None = Field(None, max_length=400)
    description: str | None = None
    goals: list[str] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list)
    frustrations: list[str] = Field(default_factory=list)
    habits: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    quote: str | None = None
    desired_experience: str | None = None
    segment_rule: dict[str, Any] | None = None

    @field_validator("segment_rule")
    @classmethod
    def _rule(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value:
            from tajriba.customers import service as customers
            from tajriba.errors import Invalid

            try:
                customers.check_segment(value)
            except Invalid as exc:
                raise ValueError(exc.message) from None
        return value or None

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        for c in value:
            _choice(c, CHANNELS, "channel")
        return value


class PersonaUpdate(PersonaIn):
    key: Key | None = None  # type: ignore[assignment]
    name: Text | None = None  # type: ignore[assignment]


class StageIn(_In):
    key: Key
    name: Text
    names: Names = Field(default_factory=dict)


class StageUpdate(_In):
    key: Key | None = None
    name: Text | None = None
    names: Names | None = None


class JourneyIn(_In):
    name: Text
    names: Names = Field(default_factory=dict)
    description: str | None = None
    status: Literal["current", "future", "archived"] = "current"
    owner_user_id: int | None = None
    persona_keys: list[str] = Field(default_factory=list)
    launched_at: Moment | None = None
    stages: list[StageIn] = Field(default_factory=list)


class JourneyUpdate(_In):
    name: Text | None = None
    names: Names | None = None
    description: str | None = None
    status: Literal["current", "future", "archived"] | None = None
    owner_user_id: int | None = None
    persona_keys: list[str] | None = None
    launched_at: Moment | None = None


class TouchpointIn(_In):
    stage_id: int | None = None
    stage_key: str | None = None
    key: Key
    name: Text
    names: Names = Field(default_factory=dict)
    customer_action: str | None = None
    channel: str = "web"
    direct: bool = True
    business_purpose: str | None = None
    customer_impact: str | None = None
    owner_user_id: int | None = None
    owner_team: str | None = Field(None, max_length=200)
    desired_emotion: str | None = None
    targets: dict[str, Any] = Field(default_factory=dict)
    manual_assessment: str | None = None
    notes: str | None = None
    unnecessary: bool = False

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        return _choice(value, CHANNELS, "channel") or "other"

    @field_validator("business_purpose")
    @classmethod
    def _purpose(cls, value: str | None) -> str | None:
        return _choice(value, PURPOSES, "business purpose")

    @field_validator("customer_impact")
    @classmethod
    def _impact(cls, value: str | None) -> str | None:
        return _choice(value, IMPACTS, "customer impact")

    @field_validator("desired_emotion")
    @classmethod
    def _emotion(cls, value: str | None) -> str | None:
        return _choice(value, EMOTIONS, "emotion")

    @field_validator("manual_assessment")
    @classmethod
    def _assessment(cls, value: str | None) -> str | None:
        return _choice(value, ASSESSMENTS, "assessment")

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_targets(value)


class TouchpointUpdate(TouchpointIn):
    key: Key | None = None  # type: ignore[assignment]
    name: Text | None = None  # type: ignore[assignment]
    channel: str | None = None  # type: ignore[assignment]
    direct: bool | None = None  # type: ignore[assignment]
    targets: dict[str, Any] | None = None  # type: ignore[assignment]
    unnecessary: bool | None = None  # type: ignore[assignment]

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:  # type: ignore[override]
        return _choice(value, CHANNELS, "channel")

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:  # type: ignore[override]
        return None if value is None else check_targets(value)


class ItemIn(_In):
    kind: Literal["pain_point", "opportunity", "solution"]
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    owner_user_id: int | None = None
    owner_team: str | None = Field(None, max_length=200)
    status: Literal["open", "in_progress", "done", "dropped"] = "open"


class ItemUpdate(_In):
    kind: Literal["pain_point", "opportunity", "solution"] | None = None
    text: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    owner_user_id: int | None = None
    owner_team: str | None = Field(None, max_length=200)
    status: Literal["open", "in_progress", "done", "dropped"] | None = None


class Order(BaseModel):
    """New order of stages in a journey, or of touchpoints in a stage: every id, once."""

    model_config = ConfigDict(extra="forbid")
    ids: list[int] = Field(min_length=1)


# -- answers ------------------------------------------------------------------------------------------


class PersonaRead(Answer):
    id: int
    key: str
    name: str
    names: dict[str, str]
    avatar: str | None
    description: str | None
    goals: list[str]
    needs: list[str]
    frustrations: list[str]
    habits: list[str]
    channels: list[str]
    languages: list[str]
    quote: str | None
    desired_experience: str | None
    segment_rule: dict[str, Any] | None
    changed: list[str] | None = None  # after an update: the fields that changed


class PersonasRead(Answer):
    personas: list[PersonaRead]


class ItemRead(Answer):
    """A pain point, opportunity or solution noted on a touchpoint."""

    id: int
    touchpoint_id: int
    kind: str
    text: str
    owner_user_id: int | None
    owner_team: str | None
    status: str
    changed: list[str] | None = None


class TouchpointRead(Answer):
    id: int
    journey_id: int
    stage_id: int
    position: int
    based_on_id: int | None
    key: str
    name: str
    names: dict[str, str]
    customer_action: str | None
    channel: str
    direct: bool
    business_purpose: str | None
    customer_impact: str | None
    owner_user_id: int | None
    owner_team: str | None
    desired_emotion: str | None
    targets: dict[str, Any]
    manual_assessment: str | None
    notes: str | None
    unnecessary: bool
    items: list[ItemRead] | None = None
    changed: list[str] | None = None


class TouchpointsRead(Answer):
    touchpoints: list[TouchpointRead]


class StageRead(Answer):
    id: int
    key: str
    name: str
    names: dict[str, str]
    position: int
    changed: list[str] | None = None


class StagesRead(Answer):
    stages: list[StageRead]
