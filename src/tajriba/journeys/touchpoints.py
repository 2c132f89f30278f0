"""Touchpoints and their pain points, opportunities and solutions: create, read, update, delete, reorder,
unique keys (each change in the journey's history)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.db import scoped
from tajriba.errors import Conflict, Invalid
from tajriba.i18n import _
from tajriba.journeys import records, schemas
from tajriba.journeys.stages import get_stage
from tajriba.models import Journey, Stage, Touchpoint, TouchpointItem


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
    records.check_owner(session, journey.workspace_id, touchpoint_in.owner_user_id, "owner_user_id")
    values = touchpoint_in.model_dump(exclude={"stage_id", "stage_key"})
    tp = Touchpoint(
        workspace_id=journey.workspace_id,
        journey_id=journey.id,
        stage_id=stage.id,
        position=records.next_position(session, Touchpoint.position, Touchpoint.stage_id == stage.id),
        **values,
    )
    session.add(tp)
    session.flush()
    records.history_entry(
        actor, session, journey.id, "touchpoint.create", object="touchpoint", id=tp.id, key=tp.key
    )
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
            values["position"] = records.next_position(
                session, Touchpoint.position, Touchpoint.stage_id == stage.id
            )
    if "key" in values:
        _unique_tp_key(session, touchpoint.workspace_id, values["key"], touchpoint.id)
    if "owner_user_id" in values:
        records.check_owner(session, touchpoint.workspace_id, values["owner_user_id"], "owner_user_id")
    changes = records.apply(touchpoint, values)
    if changes:
        session.flush()
        records.history_entry(
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
    records.history_entry(
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
    records.check_order(order.ids, [t.id for t in current] + [t.id for t in moved], "touchpoint")
    by_id = {t.id: t for t in current + moved}
    old = [t.key for t in current]
    for position, tid in enumerate(order.ids):
        by_id[tid].position = position
        by_id[tid].stage_id = stage.id
    session.flush()
    new = [by_id[i].key for i in order.ids]
    if new != old:
        records.history_entry(
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
        **{f: getattr(t, f) for f in records.TOUCHPOINT_FIELDS},
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
    records.check_owner(session, touchpoint.workspace_id, item_in.owner_user_id, "owner_user_id")
    item = TouchpointItem(
        workspace_id=touchpoint.workspace_id,
        journey_id=touchpoint.journey_id,
        touchpoint_id=touchpoint.id,
        position=records.next_position(
            session, TouchpointItem.position, TouchpointItem.touchpoint_id == touchpoint.id
        ),
        **item_in.model_dump(),
    )
    session.add(item)
    session.flush()
    records.history_entry(
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
        records.check_owner(session, item.workspace_id, values["owner_user_id"], "owner_user_id")
    changes = records.apply(item, values)
    if changes:
        session.flush()
        records.history_entry(
            actor, session, item.journey_id, "item.update", object=item.kind, id=item.id, changes=changes
        )
    return changes


def delete_item(session: Session, *, item: TouchpointItem, actor: Auditor) -> None:
    records.history_entry(
        actor, session, item.journey_id, "item.delete", object=item.kind, id=item.id, text=item.text
    )
    session.delete(item)
    session.flush()


def item_out(i: TouchpointItem) -> dict[str, Any]:
    return {"id": i.id, "touchpoint_id": i.touchpoint_id, **{f: getattr(i, f) for f in records.ITEM_FIELDS}}
