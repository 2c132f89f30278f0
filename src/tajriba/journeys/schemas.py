"""Personas, journeys, stages, touchpoints and their items: what the API and imports accept and return.

The vocabularies (purposes, impacts, emotions, statuses) live here once; pages and exports translate
their labels.

Size: one pydantic model per request and answer of journeys, the map, redesign and journey analytics;
declarations only, no logic.
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


class StageWithTouchpoints(StageRead):
    touchpoints: list[TouchpointRead]


class JourneyRead(Answer):
    """A journey; with its stages and their touchpoints (and items) when read whole. After an update
    `changed` names the fields that changed; after an import `renamed_keys` the keys made unique."""

    id: int
    name: str
    names: dict[str, str]
    description: str | None
    status: str
    owner_user_id: int | None
    based_on_id: int | None
    launched_at: str | None
    persona_keys: list[str]
    updated_at: str | None
    stages: list[StageWithTouchpoints] | None = None
    changed: list[str] | None = None
    renamed_keys: dict[str, str] | None = None


class JourneysRead(Answer):
    journeys: list[JourneyRead]


class HistoryEntry(Answer):
    """A change to the journey from the audit log: when, what, by whom (user or API key), the details."""

    at: str | None
    action: str
    actor_user_id: int | None
    actor_key_id: int | None
    details: dict[str, Any] | None


class HistoryRead(Answer):
    history: list[HistoryEntry]


class TouchpointBrief(Answer):
    id: int
    key: str
    name: str
    names: dict[str, str]
    stage: str | None


class ChangedTouchpoint(TouchpointBrief):
    """A future touchpoint, the current one it is based on, and per changed field [old, new]."""

    based_on: TouchpointBrief
    changes: dict[str, list[Any]]


class CompareRead(Answer):
    """From the current state to the future one: touchpoints added, removed and changed."""

    current: JourneyRead
    future: JourneyRead
    added: list[TouchpointBrief]
    removed: list[TouchpointBrief]
    changed: list[ChangedTouchpoint]
    owners_changed: list[str]
    unchanged: int


class EstimateRead(Answer):
    value: float | None
    low: float | None
    high: float | None
    n: int


class BeforeAfterChange(Answer):
    """A KPI over the days before and after: both estimates, after minus before, its interval and p-value."""

    before: EstimateRead
    after: EstimateRead
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None


class DayRange(Answer):
    start: str
    end: str


class BeforeAfterTouchpoint(Answer):
    id: int
    key: str
    name: str
    names: dict[str, str]
    kpis: dict[str, BeforeAfterChange]


class BeforeAfterRead(Answer):
    """The journey's emotion and each touchpoint's KPIs `days` before and after the change date."""

    change_date: str
    days: int
    before: DayRange
    after: DayRange
    journey_emotion: BeforeAfterChange
    touchpoints: list[BeforeAfterTouchpoint]
    computed_at: str


class MapJourney(Answer):
    id: int
    name: str
    status: str
    status_label: str
    description: str


class MapStage(Answer):
    id: int
    key: str
    name: str


class MapKpi(Answer):
    """A KPI against its target: estimate and interval, and whether it excels, meets or is below standard."""

    kpi: str
    label: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    target: float | None
    better: str
    status: str | None
    significant: bool


class MapEffectiveness(Answer):
    status: str | None
    source: str | None
    label: str


class MapDesiredEmotion(Answer):
    key: str | None
    label: str
    level: float | None


class MapItem(Answer):
    kind: str
    kind_label: str
    text: str
    status: str
    status_label: str
    owner: str


class MapTouchpoint(Answer):
    """A touchpoint as the map draws it, in the reader's language, with its KPIs and emotion from data."""

    id: int
    key: str
    stage_id: int
    name: str
    customer_action: str
    channel: str
    channel_label: str
    direct: bool
    purpose: str
    impact: str
    owner: str
    unnecessary: bool
    notes: str
    kpis: list[MapKpi]
    effectiveness: MapEffectiveness
    emotion: EstimateRead
    desired_emotion: MapDesiredEmotion
    volume: int
    customers: int
    items: list[MapItem]


class MapPersona(Answer):
    key: str
    name: str
    desired_experience: str


class MapFilters(Answer):
    persona: str | None
    start: str | None
    end: str | None
    channel: str | None
    language: str | None


class MapRead(Answer):
    """Everything the journey map shows under the filters, with the labels in the reader's language."""

    journey: MapJourney
    locale: str
    direction: str
    stages: list[MapStage]
    touchpoints: list[MapTouchpoint]
    personas: list[MapPersona]
    filters: MapFilters
    labels: dict[str, str]


class Edge(Answer):
    """Cases that went from `source` straight to `target`, and the time it took (seconds)."""

    source: str
    target: str
    count: int
    median_s: float | None
    mean_s: float | None
    min_s: float | None
    max_s: float | None
    source_name: str | None = None
    target_name: str | None = None


class Variant(Answer):
    activities: list[str]
    count: int


class FlowNode(Answer):
    """A (position, activity) node; `kind` step, or a bucket (more steps, end, other paths) with no activity."""

    id: str
    step: int
    activity: str | None
    kind: Literal["step", "more", "end", "other"]
    count: int


class FlowLink(Answer):
    source: str
    target: str
    count: int


class Flow(Answer):
    nodes: list[FlowNode]
    links: list[FlowLink]
    cases: int
    cases_shown: int


class DiscoveryRead(Answer):
    """The directly-follows graph, where cases start and end, the top variants and a flow (Sankey) view.
    Touchpoint activities are ids with their names beside them in `names`."""

    cases: int
    dfg: list[Edge]
    start: dict[str, int]
    end: dict[str, int]
    variants_total: int
    variants: list[Variant]
    names: dict[str, str] | None = None
    flow: Flow


class FunnelStep(Answer):
    """Cases that reached the step in order within the window, the share of those that entered, times."""

    step: str
    entered: int
    conversion: float | None
    from_previous: float | None
    drop_off: int | None
    median_s_from_previous: float | None
    mean_s_from_previous: float | None
    median_s_from_start: float | None
    mean_s_from_start: float | None
    touchpoint_id: int | None = None
    name: str | None = None


class FunnelGroup(Answer):
    group: str | None
    entered: int
    converted: int
    steps: list[FunnelStep]


class FunnelRead(Answer):
    steps_requested: list[str]
    window_seconds: float | None
    entered: int
    converted: int
    steps: list[FunnelStep]
    groups: list[FunnelGroup]
