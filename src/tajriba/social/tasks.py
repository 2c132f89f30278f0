"""Job handlers of social listening: feeds read when due, stored mentions retagged after a query changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.db.session import transaction
from tajriba.jobs.service import handler
from tajriba.warehouse import Warehouse


@handler("social.poll", every=lambda settings: 60)
def social_poll(*, factory: sessionmaker[Session], warehouse: Warehouse, **_: Any) -> dict[str, Any]:
    """Every minute: read the feeds whose interval has passed (each in its own transaction: one broken feed
    keeps its error and the others go on)."""
    from tajriba.models.base import utcnow
    from tajriba.social import sources

    with transaction(factory, mode="reads") as session:
        due = [s.id for s in sources.due_feeds(session, utcnow())]
    done: dict[str, Any] = {}
    for source_id in due:
        with transaction(factory, mode="writes") as session:
            from tajriba.models import SocialSource

            source = session.get(SocialSource, source_id)
            if source is None:
                continue
            report = sources.poll(session, warehouse, source=source, now=utcnow())
            done[str(source_id)] = report.as_dict() if report else {"error": source.last_error}
    return done


@handler("social.retag")
def social_retag(
    *, factory: sessionmaker[Session], warehouse: Warehouse, workspace_id: int, **_: Any
) -> dict[str, Any]:
    """Recompute the stored mentions' query keys and touchpoints after a query or the topic map changed."""
    from tajriba.models import Workspace
    from tajriba.social import queries

    with transaction(factory, mode="reads") as session:
        workspace = session.get(Workspace, workspace_id)
        if workspace is None:
            raise LookupError(f"workspace {workspace_id} no longer exists")
        return queries.retag(session, warehouse, workspace=workspace)
