"""What the journeys' records share: their editable fields, the change set of an edit (old and new values),
positions, the journey's history entry, and the checks of owners and new orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.journeys import schemas
from tajriba.models import Membership

PERSONA_FIELDS = list(schemas.PersonaIn.model_fields)
STAGE_FIELDS = ["key", "name", "names"]
TOUCHPOINT_FIELDS = [c for c in schemas.TouchpointIn.model_fields if c not in ("stage_id", "stage_key")]
ITEM_FIELDS = list(schemas.ItemIn.model_fields)


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def apply(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes; return {field: [old, new]} for those that changed."""
    changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [plain(old), plain(new)]
            setattr(obj, name, new)
    return changes


def next_position(session: Session, column: Any, *where: Any) -> int:
    """One past the highest position among the rows `where` selects (0 for none)."""
    last = session.scalar(select(func.max(column)).where(*where))
    return 0 if last is None else last + 1


def history_entry(actor: Auditor, db: Session, journey_id: int, action: str, **details: Any) -> None:
    actor.audit(db, action, target_type="journey", target_id=str(journey_id), details=details)


def check_owner(session: Session, workspace_id: int, user_id: int | None, field: str) -> None:
    if user_id is None:
        return
    member = session.scalar(
        select(Membership.user_id).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user_id
        )
    )
    if member is None:
        raise Invalid(_("The owner must be a member of this workspace."), field=field)


def check_order(sent: list[int], existing: list[int], what: str) -> None:
    if sorted(sent) != sorted(existing):
        raise Invalid(
            _("Send every {what} id of this list exactly once (expected {n}).").format(
                what=what, n=len(existing)
            ),
            field="ids",
        )
