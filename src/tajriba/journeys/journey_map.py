"""The journey map's content: stages, touchpoints in customer order, lanes, KPIs against targets,
effectiveness and the emotion curve, all labelled in the reader's language (rendered by `render`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba import periods
from tajriba.db import scoped
from tajriba.i18n import _
from tajriba.journeys import effectiveness, kpis, schemas, service
from tajriba.journeys.kpis import Filters
from tajriba.metrics.service import EMPTY
from tajriba.models import Journey, Persona, User

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse

RTL_LOCALES = {"ar", "fa"}
# KPIs shown on the map for every touchpoint that has them, after the targeted ones
SHOWN = ("csat", "ces", "nps", "rating", "first_response_min", "resolution_h", "on_time_share", "drop_off")

__all__ = ["Filters", "MapData", "build"]


@dataclass
class MapData:
    journey: dict[str, Any]
    locale: str
    direction: str
    stages: list[dict[str, Any]]
    touchpoints: list[dict[str, Any]]
    personas: list[dict[str, Any]]
    filters: dict[str, Any]
    labels: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _name(obj: Any, locale: str) -> str:
    return scoped.localized_name(obj, locale)


def kpi_label(kpi: str) -> str:
    return _(schemas.KPIS[kpi][0]) if kpi in schemas.KPIS else kpi


def build(
    session: Session, warehouse: Warehouse, *, journey: Journey, filters: Filters, locale: str
) -> MapData:
    """Everything the map shows for one journey under the filters."""
    stages = service.list_stages(session, journey_id=journey.id)
    tps = service.list_touchpoints(session, journey_id=journey.id)
    items = service.list_items(session, journey_id=journey.id)
    personas = list(
        session.scalars(
            select(Persona).where(
                Persona.key.in_(service.persona_keys(session, journey_id=journey.id)),
                Persona.workspace_id == journey.workspace_id,
            )
        )
    )
    owners = _owner_names(session, [t.owner_user_id for t in tps] + [i.owner_user_id for i in items])
    filters = filters.in_zone(workspace_zone(session, journey.workspace_id))
    data = kpis.compute(
        warehouse,
        workspace_id=journey.workspace_id,
        touchpoints=tps,
        filters=filters,
        persona_rule=_persona_rule(session, journey.workspace_id, filters.persona),
    )
    return MapData(
        journey={
            "id": journey.id,
            "name": _name(journey, locale),
            "status": journey.status,
            "status_label": _(schemas.JOURNEY_STATUSES.get(journey.status, journey.status)),
            "description": journey.description or "",
        },
        locale=locale,
        direction="rtl" if locale in RTL_LOCALES else "ltr",
        stages=[{"id": s.id, "key": s.key, "name": _name(s, locale)} for s in stages],
        touchpoints=[_touchpoint(t, data[t.id], items, owners, locale) for t in tps],
        personas=[
            {"key": p.key, "name": _name(p, locale), "desired_experience": p.desired_experience or ""}
            for p in personas
        ],
        filters={
            "persona": filters.persona,
            "start": filters.start.isoformat() if filters.start else None,
            "end": filters.end.isoformat() if filters.end else None,
            "channel": filters.channel,
            "language": filters.language,
        },
        labels=_labels(),
    )


def _persona_rule(session: Session, workspace_id: int, persona: str | None) -> Any:
    """The segment rule of the persona the map is filtered to (None: every customer)."""
    if not persona:
        return None
    chosen = session.scalar(
        select(Persona).where(Persona.workspace_id == workspace_id, Persona.key == persona)
    )
    return chosen.segment_rule if chosen else None


def _owner_names(session: Session, user_ids: list[int | None]) -> dict[int, str]:
    ids = {u for u in user_ids if u}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


def _statuses(t: Any, k: Any) -> list[effectiveness.KpiStatus]:
    """Each KPI against the touchpoint's target (targets first, then the KPIs always shown)."""
    statuses = [effectiveness.classify(kpi, est, (t.targets or {}).get(kpi)) for kpi, est in k.kpis.items()]
    for kpi in t.targets or {}:
        if kpi not in k.kpis:
            statuses.append(effectiveness.classify(kpi, EMPTY, t.targets[kpi]))
    order = {kpi: i for i, kpi in enumerate(list(t.targets or {}) + list(SHOWN))}
    statuses.sort(key=lambda s: order.get(s.kpi, 99))
    return statuses


def _touchpoint(t: Any, k: Any, items: list[Any], owners: dict[int, str], locale: str) -> dict[str, Any]:
    """One touchpoint's column of the map: what it is, its KPIs, effectiveness, emotion and items."""
    statuses = _statuses(t, k)
    standing, source = effectiveness.overall(statuses, t.manual_assessment)
    emotion_label, desired = schemas.EMOTIONS.get(t.desired_emotion or "", (None, None))
    return {
        "id": t.id,
        "key": t.key,
        "stage_id": t.stage_id,
        "name": _name(t, locale),
        "customer_action": t.customer_action or "",
        "channel": t.channel,
        "channel_label": _(schemas.CHANNELS.get(t.channel, t.channel)),
        "direct": t.direct,
        "purpose": _(schemas.PURPOSES[t.business_purpose]) if t.business_purpose in schemas.PURPOSES else "",
        "impact": _(schemas.IMPACTS[t.customer_impact]) if t.customer_impact in schemas.IMPACTS else "",
        "owner": (owners.get(t.owner_user_id) if t.owner_user_id else None) or t.owner_team or "",
        "unnecessary": t.unnecessary,
        "notes": t.notes or "",
        "kpis": [
            {**s.to_dict(), "label": kpi_label(s.kpi)}
            for s in statuses
            if s.kpi in (t.targets or {}) or (s.n and s.kpi in SHOWN)
        ],
        "effectiveness": {
            "status": standing,
            "source": source,
            "label": _(schemas.ASSESSMENTS[standing]) if standing else _("No data"),
        },
        "emotion": k.emotion.to_dict(),
        "desired_emotion": {
            "key": t.desired_emotion,
            "label": _(emotion_label) if emotion_label else "",
            "level": desired,
        },
        "volume": k.volume,
        "customers": k.customers,
        "items": [_item(i, owners) for i in items if i.touchpoint_id == t.id],
    }


def _item(i: Any, owners: dict[int, str]) -> dict[str, Any]:
    return {
        "kind": i.kind,
        "kind_label": _(schemas.ITEM_KINDS[i.kind]),
        "text": i.text,
        "status": i.status,
        "status_label": _(schemas.ITEM_STATUSES[i.status]),
        "owner": (owners.get(i.owner_user_id) if i.owner_user_id else None) or i.owner_team or "",
    }


def _labels() -> dict[str, str]:
    """The map's row titles in the language being spoken."""
    return {
        "touchpoint": _("Touchpoint"),
        "customer_action": _("Customer does"),
        "channel": _("Channel"),
        "owner": _("Owner"),
        "kpis": _("KPI vs target"),
        "effectiveness": _("Effectiveness"),
        "emotion": _("Emotion"),
        "desired": _("Desired emotion"),
        "observations": _("n"),
        "items": _("Pain points and opportunities"),
        "no_data": _("No data"),
        "unnecessary": _("Unnecessary"),
        "persona": _("Persona"),
        "desired_experience": _("Desired experience"),
    }


def workspace_zone(session: Session, workspace_id: int) -> str:
    """The time zone a workspace counts its days in."""
    from tajriba.models import Workspace

    return periods.zone_of(session.get(Workspace, workspace_id)).key
