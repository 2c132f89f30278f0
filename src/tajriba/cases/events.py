"""What every change to a case writes: its timeline event and its audit entry (who did it: a person, a key,
or the system), and the check that the records a case points to belong to its workspace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor, System
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models import Case, CaseEvent, Membership, RootCause, Team, Touchpoint
from tajriba.models.base import utcnow


def actor_id(actor: Auditor | None) -> int | None:
    user = getattr(actor, "user", None)
    return user.id if user is not None else None


def audit(session: Session, actor: Auditor | None, case: Case, action: str, **details: Any) -> None:
    """People's changes to a case go to the audit log; what rules and the worker do is recorded on the case's
    own append-only timeline (events with their time and cause) and not copied there (decision 010)."""
    if actor is None or isinstance(actor, System):
        return
    actor.audit(session, action, target_type="case", target_id=str(case.id), details=details)


def event(
    session: Session,
    case: Case,
    kind: str,
    actor: Auditor | None,
    body: str | None = None,
    at: datetime | None = None,
    **data: Any,
) -> CaseEvent:
    ev = CaseEvent(
        workspace_id=case.workspace_id,
        case_id=case.id,
        at=at or utcnow(),
        actor_id=actor_id(actor),
        kind=kind,
        body=body,
        data=data,
    )
    session.add(ev)
    return ev


def check_refs(
    session: Session,
    workspace_id: int,
    *,
    team_id: int | None,
    owner_id: int | None,
    touchpoint_id: int | None = None,
    root_cause_id: int | None = None,
) -> None:
    """Every id given names a row of this workspace (and the owner is a member who can work cases)."""
    for model, row_id, field_name, message in (
        (Team, team_id, "team_id", _("team {id} does not exist in this workspace")),
        (Touchpoint, touchpoint_id, "touchpoint_id", _("touchpoint {id} does not exist in this workspace")),
        (RootCause, root_cause_id, "root_cause_id", _("root cause {id} does not exist in this workspace")),
    ):
        if row_id is not None:
            row = session.get(model, row_id)
            if row is None or getattr(row, "workspace_id", None) != workspace_id:
                raise Invalid(message.format(id=row_id), field=field_name)
    if owner_id is not None:
        member = session.scalar(
            select(Membership).where(Membership.workspace_id == workspace_id, Membership.user_id == owner_id)
        )
        if member is None or member.role == "viewer":
            raise Invalid(
                _("user {id} is not a member who can own cases").format(id=owner_id), field="owner_id"
            )
