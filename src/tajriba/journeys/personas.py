"""Personas: create, read, update, delete (each change in the audit log)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.db import scoped
from tajriba.errors import Conflict
from tajriba.i18n import _
from tajriba.journeys import records, schemas
from tajriba.models import Persona


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
    changes = records.apply(persona, values)
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
    return {"id": p.id, **{f: getattr(p, f) for f in records.PERSONA_FIELDS}}
