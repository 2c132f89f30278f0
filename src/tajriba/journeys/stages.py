"""A journey's stages: create, read, update, delete, reorder (each change in the journey's history)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Conflict, NotFound
from tajriba.i18n import _
from tajriba.journeys import records, schemas
from tajriba.models import Journey, Stage, Touchpoint


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
        position=records.next_position(session, Stage.position, Stage.journey_id == journey.id),
        **stage_in.model_dump(),
    )
    session.add(stage)
    session.flush()
    records.history_entry(
        actor, session, journey.id, "stage.create", object="stage", id=stage.id, key=stage.key
    )
    return stage


def update_stage(
    session: Session, *, stage: Stage, stage_in: schemas.StageUpdate, actor: Auditor
) -> dict[str, list[Any]]:
    values = {k: v for k, v in stage_in.model_dump(exclude_unset=True).items() if v is not None}
    if "key" in values:
        _unique_stage_key(session, stage.journey_id, values["key"], stage.id)
    changes = records.apply(stage, values)
    if changes:
        session.flush()
        records.history_entry(
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
    records.history_entry(
        actor, session, stage.journey_id, "stage.delete", object="stage", id=stage.id, key=stage.key
    )
    session.delete(stage)
    session.flush()


def reorder_stages(session: Session, *, journey: Journey, order: schemas.Order, actor: Auditor) -> None:
    """Put the journey's stages in the order given."""
    stages = list_stages(session, journey_id=journey.id)
    records.check_order(order.ids, [s.id for s in stages], "stage")
    by_id = {s.id: s for s in stages}
    old = [s.key for s in stages]
    for position, sid in enumerate(order.ids):
        by_id[sid].position = position
    session.flush()
    new = [by_id[i].key for i in order.ids]
    if new != old:
        records.history_entry(
            actor, session, journey.id, "stage.reorder", object="stage", changes={"order": [old, new]}
        )


def stage_out(s: Stage) -> dict[str, Any]:
    return {"id": s.id, "key": s.key, "name": s.name, "names": s.names, "position": s.position}
