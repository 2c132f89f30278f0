"""Telling a workspace's owners and admins about a privacy deadline: in the app, and in their mail digest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.i18n import speaking
from tajriba.models import Membership, Notification, Workspace


def tell_owners(
    db: Session, *, workspace_id: int, kind: str, text: Callable[[], str], data: dict[str, Any], urgent: bool
) -> int:
    """One notification per owner and admin; `text` is written in the workspace's language. Returns how many."""
    workspace = db.get(Workspace, workspace_id)
    with speaking((workspace.default_locale if workspace else None) or "en"):
        message = text()[:300]
    people = db.scalars(
        select(Membership.user_id).where(
            Membership.workspace_id == workspace_id, Membership.role.in_(("owner", "admin"))
        )
    ).all()
    for user_id in people:
        db.add(Notification(workspace_id=workspace_id, user_id=user_id, kind=kind, text=message,
                            data={**data, "email": True, "in_app": True}, urgent=urgent, emailed_at=None))  # fmt: skip
    return len(people)
