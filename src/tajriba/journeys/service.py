"""Create, read, update, delete and reorder personas, journeys, stages, touchpoints and their items.

Personas, stages and touchpoints (with their items) have modules of their own, reached through this one.
Every change is written to the audit log against its journey (or persona), with the fields that changed
and their old and new values: that is the journey's edit history. Functions flush, never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.db import scoped
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.journeys import records, schemas
from tajriba.journeys.personas import create_persona as create_persona
from tajriba.journeys.personas import delete_persona as delete_persona
from tajriba.journeys.personas import get_persona as get_persona
from tajriba.journeys.personas import list_personas as list_personas
from tajriba.journeys.personas import persona_out as persona_out
from tajriba.journeys.personas import update_persona as update_persona
from tajriba.journeys.records import ITEM_FIELDS as ITEM_FIELDS
from tajriba.journeys.records import PERSONA_FIELDS as PERSONA_FIELDS
from tajriba.journeys.records import STAGE_FIELDS as STAGE_FIELDS
from tajriba.journeys.records import TOUCHPOINT_FIELDS as TOUCHPOINT_FIELDS
from tajriba.journeys.stages import create_stage as create_stage
from tajriba.journeys.stages import delete_stage as delete_stage
from tajriba.journeys.stages import get_stage as get_stage
from tajriba.journeys.stages import list_stages as list_stages
from tajriba.journeys.stages import reorder_stages as reorder_stages
from tajriba.journeys.stages import stage_out as stage_out
from tajriba.journeys.stages import update_stage as update_stage
from tajriba.journeys.touchpoints import create_item as create_item
from tajriba.journeys.touchpoints import create_touchpoint as create_touchpoint
from tajriba.journeys.touchpoints import delete_item as delete_item
from tajriba.journeys.touchpoints import delete_touchpoint as delete_touchpoint
from tajriba.journeys.touchpoints import free_key as free_key
from tajriba.journeys.touchpoints import get_item as get_item
from tajriba.journeys.touchpoints import get_touchpoint as get_touchpoint
from tajriba.journeys.touchpoints import item_out as item_out
from tajriba.journeys.touchpoints import list_items as list_items
from tajriba.journeys.touchpoints import list_touchpoints as list_touchpoints
from tajriba.journeys.touchpoints import made_key as made_key
from tajriba.journeys.touchpoints import reorder_touchpoints as reorder_touchpoints
from tajriba.journeys.touchpoints import touchpoint_names as touchpoint_names
from tajriba.journeys.touchpoints import touchpoint_out as touchpoint_out
from tajriba.journeys.touchpoints import update_item as update_item
from tajriba.journeys.touchpoints import update_touchpoint as update_touchpoint
from tajriba.models import AuditEntry, Journey, JourneyPersona, Persona, Stage

# -- journeys ------------------------------------------------------------------------------------


def list_journeys(session: Session, *, workspace_id: int, status: str | None = None) -> list[Journey]:
    query = select(Journey).where(Journey.workspace_id == workspace_id)
    if status:
        query = query.where(Journey.status == status)
    return list(session.scalars(query.order_by(Journey.id)))


def get_journey(session: Session, *, workspace_id: int, journey_id: int) -> Journey:
    journey = scoped.get(
        session, Journey, journey_id, workspace_id=workspace_id, missing=_("No such journey.")
    )
    return journey


def _persona_ids(session: Session, workspace_id: int, keys: list[str]) -> list[int]:
    found = dict(
        session.execute(
            select(Persona.key, Persona.id).where(Persona.workspace_id == workspace_id, Persona.key.in_(keys))
        ).all()
    )
    missing = [k for k in keys if k not in found]
    if missing:
        raise Invalid(_("No persona with key '{key}'.").format(key=missing[0]), field="persona_keys")
    return [found[k] for k in dict.fromkeys(keys)]


def _set_personas(session: Session, journey: Journey, keys: list[str]) -> None:
    ids = _persona_ids(session, journey.workspace_id, keys)
    for link in session.scalars(select(JourneyPersona).where(JourneyPersona.journey_id == journey.id)):
        session.delete(link)
    session.flush()
    for pid in ids:
        session.add(JourneyPersona(journey_id=journey.id, persona_id=pid, workspace_id=journey.workspace_id))


def persona_keys(session: Session, *, journey_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Persona.key)
            .join(JourneyPersona, JourneyPersona.persona_id == Persona.id)
            .where(JourneyPersona.journey_id == journey_id)
            .order_by(Persona.id)
        )
    )


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def create_journey(
    session: Session, *, workspace_id: int, journey_in: schemas.JourneyIn, actor: Auditor
) -> Journey:
    """Add a journey with its personas and (optionally) its stages."""
    records.check_owner(session, workspace_id, journey_in.owner_user_id, "owner_user_id")
    keys = [s.key for s in journey_in.stages]
    if len(set(keys)) != len(keys):
        raise Invalid(_("Stage keys must be unique within a journey."), field="stages")
    journey = Journey(
        workspace_id=workspace_id,
        name=journey_in.name,
        names=journey_in.names,
        description=journey_in.description,
        status=journey_in.status,
        owner_user_id=journey_in.owner_user_id,
        launched_at=_aware(journey_in.launched_at),
    )
    session.add(journey)
    session.flush()
    _set_personas(session, journey, journey_in.persona_keys)
    for position, stage_in in enumerate(journey_in.stages):
        session.add(
            Stage(
                workspace_id=workspace_id, journey_id=journey.id, position=position, **stage_in.model_dump()
            )
        )
    session.flush()
    records.history_entry(actor, session, journey.id, "journey.create", name=journey.name)
    return journey


def update_journey(
    session: Session, *, journey: Journey, journey_in: schemas.JourneyUpdate, actor: Auditor
) -> dict[str, list[Any]]:
    values = journey_in.model_dump(exclude_unset=True)
    if "name" in values and values["name"] is None:
        raise Invalid(_("A journey needs a name."), field="name")
    if "status" in values and values["status"] is None:
        values.pop("status")
    if "owner_user_id" in values:
        records.check_owner(session, journey.workspace_id, values["owner_user_id"], "owner_user_id")
    if "launched_at" in values:
        values["launched_at"] = _aware(values["launched_at"])
    changes: dict[str, list[Any]] = {}
    keys = values.pop("persona_keys", None)
    if keys is not None:
        old = persona_keys(session, journey_id=journey.id)
        if old != list(dict.fromkeys(keys)):
            _set_personas(session, journey, keys)
            changes["persona_keys"] = [old, list(dict.fromkeys(keys))]
    changes.update(records.apply(journey, values))
    if changes:
        session.flush()
        records.history_entry(actor, session, journey.id, "journey.update", changes=changes)
    return changes


def delete_journey(session: Session, *, journey: Journey, actor: Auditor) -> None:
    records.history_entry(actor, session, journey.id, "journey.delete", name=journey.name)
    session.delete(journey)
    session.flush()


def journey_out(session: Session, journey: Journey, *, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": journey.id,
        "name": journey.name,
        "names": journey.names,
        "description": journey.description,
        "status": journey.status,
        "owner_user_id": journey.owner_user_id,
        "based_on_id": journey.based_on_id,
        "launched_at": records.plain(journey.launched_at),
        "persona_keys": persona_keys(session, journey_id=journey.id),
        "updated_at": records.plain(journey.updated_at),
    }
    if full:
        stages = list_stages(session, journey_id=journey.id)
        tps = list_touchpoints(session, journey_id=journey.id)
        items = list_items(session, journey_id=journey.id)
        out["stages"] = [
            {
                **stage_out(s),
                "touchpoints": [
                    touchpoint_out(t, items=[i for i in items if i.touchpoint_id == t.id])
                    for t in tps
                    if t.stage_id == s.id
                ],
            }
            for s in stages
        ]
    return out


# -- history -------------------------------------------------------------------------------------


def history(session: Session, *, journey: Journey, limit: int = 500) -> list[dict[str, Any]]:
    """Every recorded change to a journey, its stages, touchpoints and items, newest first."""
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.workspace_id == journey.workspace_id,
            AuditEntry.target_type == "journey",
            AuditEntry.target_id == str(journey.id),
        )
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return [
        {
            "at": records.plain(e.created_at),
            "action": e.action,
            "actor_user_id": e.actor_user_id,
            "actor_key_id": e.actor_key_id,
            "details": e.details,
        }
        for e in entries
    ]


def profile_section(
    session: Session,
    wh: object,
    *,
    workspace_id: int,
    customer_id: str,
    locale: str,
    can: Callable[[str], bool],
) -> dict[str, object]:
    """What a customer's profile page shows from this domain: persona and touchpoint names in `locale`."""
    personas = {
        p.key: scoped.localized_name(p, locale) for p in list_personas(session, workspace_id=workspace_id)
    }
    return {
        "personas": personas,
        "names": touchpoint_names(session, workspace_id=workspace_id, locale=locale),
    }
