"""Create, read, update, delete and reorder personas, journeys, stages, touchpoints and their items.

Every change is written to the audit log against its journey (or persona), with the fields that changed
and their old and new values: that is the journey's edit history. Functions flush, never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.db import scoped
from tajriba.errors import Conflict, Invalid, NotFound
from tajriba.i18n import _
from tajriba.journeys import schemas
from tajriba.models import (
    AuditEntry,
    Journey,
    JourneyPersona,
    Membership,
    Persona,
    Stage,
    Touchpoint,
    TouchpointItem,
)

PERSONA_FIELDS = list(schemas.PersonaIn.model_fields)
STAGE_FIELDS = ["key", "name", "names"]
TOUCHPOINT_FIELDS = [c for c in schemas.TouchpointIn.model_fields if c not in ("stage_id", "stage_key")]
ITEM_FIELDS = list(schemas.ItemIn.model_fields)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _apply(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes; return {field: [old, new]} for those that changed."""
    changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(obj, name, new)
    return changes


def _next_position(session: Session, column: Any, *where: Any) -> int:
    """One past the highest position among the rows `where` selects (0 for none)."""
    last = session.scalar(select(func.max(column)).where(*where))
    return 0 if last is None else last + 1


def _history(actor: Auditor, db: Session, journey_id: int, action: str, **details: Any) -> None:
    actor.audit(db, action, target_type="journey", target_id=str(journey_id), details=details)


# -- personas ------------------------------------------------------------------------------------


def list_personas(session: Session, *, workspace_id: int) -> list[Persona]:
    """Personas of a workspace in creation order."""
    return list(
        session.scalars(select(Persona).where(Persona.workspace_id == workspace_id).order_by(Persona.id))
    )


def get_persona(session: Session, *, workspace_id: int, persona_id: int) -> Persona:
    persona = scoped.get(
        session, Persona, persona_id, workspace_id=workspace_id, missing=_("No such persona.")
    )
    return persona


def _unique_persona_key(session: Session, workspace_id: int, key: str, own_id: int | None = None) -> None:
    other = session.scalar(select(Persona.id).where(Persona.workspace_id == workspace_id, Persona.key == key))
    if other is not None and other != own_id:
        raise Conflict(_("A persona with key '{key}' already exists.").format(key=key), field="key")


def create_persona(
    session: Session, *, workspace_id: int, persona_in: schemas.PersonaIn, actor: Auditor
) -> Persona:
    """Add a persona."""
    _unique_persona_key(session, workspace_id, persona_in.key)
    persona = Persona(workspace_id=workspace_id, **persona_in.model_dump())
    session.add(persona)
    session.flush()
    actor.audit(
        session,
        "persona.create",
        target_type="persona",
        target_id=str(persona.id),
        details={"key": persona.key},
    )
    return persona


def update_persona(
    session: Session, *, persona: Persona, persona_in: schemas.PersonaUpdate, actor: Auditor
) -> dict[str, list[Any]]:
    """Apply the fields sent; return what changed."""
    values = persona_in.model_dump(exclude_unset=True)
    if values.get("key") is None:
        values.pop("key", None)
    if values.get("name") is None:
        values.pop("name", None)
    if "key" in values:
        _unique_persona_key(session, persona.workspace_id, values["key"], persona.id)
    changes = _apply(persona, values)
    if changes:
        session.flush()
        actor.audit(
            session,
            "persona.update",
            target_type="persona",
            target_id=str(persona.id),
            details={"changes": changes},
        )
    return changes


def delete_persona(session: Session, *, persona: Persona, actor: Auditor) -> None:
    actor.audit(
        session,
        "persona.delete",
        target_type="persona",
        target_id=str(persona.id),
        details={"key": persona.key},
    )
    session.delete(persona)
    session.flush()


def persona_out(p: Persona) -> dict[str, Any]:
    return {"id": p.id, **{f: getattr(p, f) for f in PERSONA_FIELDS}}


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


def _check_owner(session: Session, workspace_id: int, user_id: int | None, field: str) -> None:
    if user_id is None:
        return
    member = session.scalar(
        select(Membership.user_id).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user_id
        )
    )
    if member is None:
        raise Invalid(_("The owner must be a member of this workspace."), field=field)


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
    _check_owner(session, workspace_id, journey_in.owner_user_id, "owner_user_id")
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
    _history(actor, session, journey.id, "journey.create", name=journey.name)
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
        _check_owner(session, journey.workspace_id, values["owner_user_id"], "owner_user_id")
    if "launched_at" in values:
        values["launched_at"] = _aware(values["launched_at"])
    changes: dict[str, list[Any]] = {}
    keys = values.pop("persona_keys", None)
    if keys is not None:
        old = persona_keys(session, journey_id=journey.id)
        if old != list(dict.fromkeys(keys)):
            _set_personas(session, journey, keys)
            changes["persona_keys"] = [old, list(dict.fromkeys(keys))]
    changes.update(_apply(journey, values))
    if changes:
        session.flush()
        _history(actor, session, journey.id, "journey.update", changes=changes)
    return changes


def delete_journey(session: Session, *, journey: Journey, actor: Auditor) -> None:
    _history(actor, session, journey.id, "journey.delete", name=journey.name)
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
        "launched_at": _plain(journey.launched_at),
        "persona_keys": persona_keys(session, journey_id=journey.id),
        "updated_at": _plain(journey.updated_at),
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


# -- stages --------------------------------------------------------------------------------------


def list_stages(session: Session, *, journey_id: int) -> list[Stage]:
    return list(session.scalars(select(Stage).where(Stage.journey_id == journey_id).order_by(Stage.position)))


def get_stage(session: Session, *, journey: Journey, stage_id: int) -> Stage:
    stage = session.get(Stage, stage_id)
    if stage is None or stage.journey_id != journey.id:
        raise NotFound(_("No such stage in this journey."))
    return stage


def _unique_stage_key(session: Session, journey_id: int, key: str, own_id: int | None = None) -> None:
    other = session.scalar(select(Stage.id).where(Stage.journey_id == journey_id, Stage.key == key))
    if other is not None and other != own_id:
        raise Conflict(_("This journey already has a stage with key '{key}'.").format(key=key), field="key")


def create_stage(session: Session, *, journey: Journey, stage_in: schemas.StageIn, actor: Auditor) -> Stage:
    """Add a stage at the end of the journey."""
    _unique_stage_key(session, journey.id, stage_in.key)
    stage = Stage(
        workspace_id=journey.workspace_id,
        journey_id=journey.id,
        position=_next_position(session, Stage.position, Stage.journey_id == journey.id),
        **stage_in.model_dump(),
    )
    session.add(stage)
    session.flush()
    _history(actor, session, journey.id, "stage.create", object="stage", id=stage.id, key=stage.key)
    return stage


def update_stage(
    session: Session, *, stage: Stage, stage_in: schemas.StageUpdate, actor: Auditor
) -> dict[str, list[Any]]:
    values = {k: v for k, v in stage_in.model_dump(exclude_unset=True).items() if v is not None}
    if "key" in values:
        _unique_stage_key(session, stage.journey_id, values["key"], stage.id)
    changes = _apply(stage, values)
    if changes:
        session.flush()
        _history(
            actor, session, stage.journey_id, "stage.update", object="stage", id=stage.id, changes=changes
        )
    return changes


def delete_stage(session: Session, *, stage: Stage, actor: Auditor) -> None:
    """Remove an empty stage (move or delete its touchpoints first, so nothing disappears by accident)."""
    count = session.scalar(
        select(func.count()).select_from(Touchpoint).where(Touchpoint.stage_id == stage.id)
    )
    if count:
        raise Conflict(
            _("This stage still has {n} touchpoints: move or delete them first.").format(n=count),
            field="stage",
        )
    _history(actor, session, stage.journey_id, "stage.delete", object="stage", id=stage.id, key=stage.key)
    session.delete(stage)
    session.flush()


def reorder_stages(session: Session, *, journey: Journey, order: schemas.Order, actor: Auditor) -> None:
    """Put the journey's stages in the order given."""
    stages = list_stages(session, journey_id=journey.id)
    _check_order(order.ids, [s.id for s in stages], "stage")
    by_id = {s.id: s for s in stages}
    old = [s.key for s in stages]
    for position, sid in enumerate(order.ids):
        by_id[sid].position = position
    session.flush()
    new = [by_id[i].key for i in order.ids]
    if new != old:
        _history(actor, session, journey.id, "stage.reorder", object="stage", changes={"order": [old, new]})


def _check_order(sent: list[int], existing: list[int], what: str) -> None:
    if sorted(sent) != sorted(existing):
        raise Invalid(
            _("Send every {what} id of this list exactly once (expected {n}).").format(
                what=what, n=len(existing)
            ),
            field="ids",
        )


def stage_out(s: Stage) -> dict[str, Any]:
    return {"id": s.id, "key": s.key, "name": s.name, "names": s.names, "position": s.position}


# -- touchpoints ---------------------------------------------------------------------------------


def list_touchpoints(
    session: Session, *, journey_id: int | None = None, workspace_id: int | None = None
) -> list[Touchpoint]:
    """Touchpoints of a journey (stage order, then position) or of a whole workspace."""
    query = select(Touchpoint).join(Stage, Stage.id == Touchpoint.stage_id)
    if journey_id is not None:
        query = query.where(Touchpoint.journey_id == journey_id)
    if workspace_id is not None:
        query = query.where(Touchpoint.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(Touchpoint.journey_id, Stage.position, Touchpoint.position)))


def get_touchpoint(session: Session, *, workspace_id: int, touchpoint_id: int) -> Touchpoint:
    tp = scoped.get(
        session, Touchpoint, touchpoint_id, workspace_id=workspace_id, missing=_("No such touchpoint.")
    )
    return tp


def touchpoint_names(session: Session, *, workspace_id: int, locale: str) -> dict[int, str]:
    """Every touchpoint's name in `locale` (falling back to its main name), by id."""
    return scoped.localized_names(session, Touchpoint, workspace_id=workspace_id, locale=locale)


def made_key(
    session: Session,
    model: Any,
    *,
    workspace_id: int,
    name: str,
    names: dict[str, str] | None,
    fallback: str,
    **scope: Any,
) -> str:
    """A key nobody had to invent: from the English name (or a Latin main name), else `fallback`, numbered
    when taken among the workspace's (or the scope's) rows of `model`."""
    import re

    source = (names or {}).get("en") or name or ""
    base = re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-")[:50]
    base = base if base and base[0].isalnum() else fallback
    query = select(model.key).where(model.workspace_id == workspace_id)
    for column, value in scope.items():
        query = query.where(getattr(model, column) == value)
    taken = set(session.scalars(query))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def free_key(session: Session, *, workspace_id: int, key: str) -> str:
    """`key` if no touchpoint of the workspace uses it, else `key-2`, `key-3`..."""
    taken = set(
        session.scalars(
            select(Touchpoint.key).where(
                Touchpoint.workspace_id == workspace_id, Touchpoint.key.like(f"{key}%")
            )
        )
    )
    if key not in taken:
        return key
    n = 2
    while f"{key[:60]}-{n}" in taken:
        n += 1
    return f"{key[:60]}-{n}"


def _unique_tp_key(session: Session, workspace_id: int, key: str, own_id: int | None = None) -> None:
    other = session.scalar(
        select(Touchpoint.id).where(Touchpoint.workspace_id == workspace_id, Touchpoint.key == key)
    )
    if other is not None and other != own_id:
        raise Conflict(
            _("A touchpoint with key '{key}' already exists in this workspace.").format(key=key), field="key"
        )


def _resolve_stage(session: Session, journey: Journey, stage_id: int | None, stage_key: str | None) -> Stage:
    if stage_id is not None:
        return get_stage(session, journey=journey, stage_id=stage_id)
    if stage_key:
        stage = session.scalar(select(Stage).where(Stage.journey_id == journey.id, Stage.key == stage_key))
        if stage is None:
            raise Invalid(
                _("No stage with key '{key}' in this journey.").format(key=stage_key), field="stage_key"
            )
        return stage
    raise Invalid(_("Say which stage the touchpoint belongs to (stage_id or stage_key)."), field="stage_id")


def create_touchpoint(
    session: Session, *, journey: Journey, touchpoint_in: schemas.TouchpointIn, actor: Auditor
) -> Touchpoint:
    """Add a touchpoint at the end of its stage."""
    stage = _resolve_stage(session, journey, touchpoint_in.stage_id, touchpoint_in.stage_key)
    _unique_tp_key(session, journey.workspace_id, touchpoint_in.key)
    _check_owner(session, journey.workspace_id, touchpoint_in.owner_user_id, "owner_user_id")
    values = touchpoint_in.model_dump(exclude={"stage_id", "stage_key"})
    tp = Touchpoint(
        workspace_id=journey.workspace_id,
        journey_id=journey.id,
        stage_id=stage.id,
        position=_next_position(session, Touchpoint.position, Touchpoint.stage_id == stage.id),
        **values,
    )
    session.add(tp)
    session.flush()
    _history(actor, session, journey.id, "touchpoint.create", object="touchpoint", id=tp.id, key=tp.key)
    return tp


def update_touchpoint(
    session: Session, *, touchpoint: Touchpoint, touchpoint_in: schemas.TouchpointUpdate, actor: Auditor
) -> dict[str, list[Any]]:
    """Apply the fields sent (a new stage moves the touchpoint to that stage's end)."""
    values = touchpoint_in.model_dump(exclude_unset=True)
    for required in ("key", "name", "channel", "direct", "targets", "unnecessary"):
        if required in values and values[required] is None:
            values.pop(required)
    journey = session.get(Journey, touchpoint.journey_id)
    assert journey is not None
    stage_id, stage_key = values.pop("stage_id", None), values.pop("stage_key", None)
    if stage_id is not None or stage_key:
        stage = _resolve_stage(session, journey, stage_id, stage_key)
        if stage.id != touchpoint.stage_id:
            values["stage_id"] = stage.id
            values["position"] = _next_position(session, Touchpoint.position, Touchpoint.stage_id == stage.id)
    if "key" in values:
        _unique_tp_key(session, touchpoint.workspace_id, values["key"], touchpoint.id)
    if "owner_user_id" in values:
        _check_owner(session, touchpoint.workspace_id, values["owner_user_id"], "owner_user_id")
    changes = _apply(touchpoint, values)
    if changes:
        session.flush()
        _history(
            actor,
            session,
            journey.id,
            "touchpoint.update",
            object="touchpoint",
            id=touchpoint.id,
            changes=changes,
        )
    return changes


def delete_touchpoint(session: Session, *, touchpoint: Touchpoint, actor: Auditor) -> None:
    _history(
        actor,
        session,
        touchpoint.journey_id,
        "touchpoint.delete",
        object="touchpoint",
        id=touchpoint.id,
        key=touchpoint.key,
    )
    session.delete(touchpoint)
    session.flush()


def reorder_touchpoints(session: Session, *, stage: Stage, order: schemas.Order, actor: Auditor) -> None:
    """Put a stage's touchpoints in the order given; ids from another stage of the journey move here."""
    current = list(
        session.scalars(
            select(Touchpoint).where(Touchpoint.stage_id == stage.id).order_by(Touchpoint.position)
        )
    )
    incoming = [i for i in order.ids if i not in {t.id for t in current}]
    moved = []
    for tid in incoming:
        tp = session.get(Touchpoint, tid)
        if tp is None or tp.journey_id != stage.journey_id:
            raise Invalid(_("Touchpoint {id} is not in this journey.").format(id=tid), field="ids")
        moved.append(tp)
    _check_order(order.ids, [t.id for t in current] + [t.id for t in moved], "touchpoint")
    by_id = {t.id: t for t in current + moved}
    old = [t.key for t in current]
    for position, tid in enumerate(order.ids):
        by_id[tid].position = position
        by_id[tid].stage_id = stage.id
    session.flush()
    new = [by_id[i].key for i in order.ids]
    if new != old:
        _history(
            actor,
            session,
            stage.journey_id,
            "touchpoint.reorder",
            object="stage",
            id=stage.id,
            changes={"order": [old, new]},
        )


def touchpoint_out(t: Touchpoint, *, items: list[TouchpointItem] | None = None) -> dict[str, Any]:
    out = {
        "id": t.id,
        "journey_id": t.journey_id,
        "stage_id": t.stage_id,
        "position": t.position,
        "based_on_id": t.based_on_id,
        **{f: getattr(t, f) for f in TOUCHPOINT_FIELDS},
    }
    if items is not None:
        out["items"] = [item_out(i) for i in items]
    return out


# -- pain points, opportunities, solutions -------------------------------------------------------


def list_items(
    session: Session, *, journey_id: int | None = None, touchpoint_id: int | None = None
) -> list[TouchpointItem]:
    query = select(TouchpointItem)
    if journey_id is not None:
        query = query.where(TouchpointItem.journey_id == journey_id)
    if touchpoint_id is not None:
        query = query.where(TouchpointItem.touchpoint_id == touchpoint_id)
    return list(
        session.scalars(
            query.order_by(TouchpointItem.touchpoint_id, TouchpointItem.position, TouchpointItem.id)
        )
    )


def get_item(session: Session, *, workspace_id: int, item_id: int) -> TouchpointItem:
    item = scoped.get(session, TouchpointItem, item_id, workspace_id=workspace_id, missing=_("No such item."))
    return item


def create_item(
    session: Session, *, touchpoint: Touchpoint, item_in: schemas.ItemIn, actor: Auditor
) -> TouchpointItem:
    """Note a pain point, opportunity or solution on a touchpoint."""
    _check_owner(session, touchpoint.workspace_id, item_in.owner_user_id, "owner_user_id")
    item = TouchpointItem(
        workspace_id=touchpoint.workspace_id,
        journey_id=touchpoint.journey_id,
        touchpoint_id=touchpoint.id,
        position=_next_position(
            session, TouchpointItem.position, TouchpointItem.touchpoint_id == touchpoint.id
        ),
        **item_in.model_dump(),
    )
    session.add(item)
    session.flush()
    _history(
        actor,
        session,
        touchpoint.journey_id,
        "item.create",
        object=item.kind,
        id=item.id,
        touchpoint=touchpoint.key,
        text=item.text,
    )
    return item


def update_item(
    session: Session, *, item: TouchpointItem, item_in: schemas.ItemUpdate, actor: Auditor
) -> dict[str, list[Any]]:
    values = item_in.model_dump(exclude_unset=True)
    for required in ("kind", "text", "status"):
        if required in values and values[required] is None:
            values.pop(required)
    if "owner_user_id" in values:
        _check_owner(session, item.workspace_id, values["owner_user_id"], "owner_user_id")
    changes = _apply(item, values)
    if changes:
        session.flush()
        _history(
            actor, session, item.journey_id, "item.update", object=item.kind, id=item.id, changes=changes
        )
    return changes


def delete_item(session: Session, *, item: TouchpointItem, actor: Auditor) -> None:
    _history(actor, session, item.journey_id, "item.delete", object=item.kind, id=item.id, text=item.text)
    session.delete(item)
    session.flush()


def item_out(i: TouchpointItem) -> dict[str, Any]:
    return {"id": i.id, "touchpoint_id": i.touchpoint_id, **{f: getattr(i, f) for f in ITEM_FIELDS}}


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
            "at": _plain(e.created_at),
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
