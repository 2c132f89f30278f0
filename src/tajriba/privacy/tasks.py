"""Job handlers of the privacy domain: the hourly retention purge of every workspace with rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.db.session import transaction
from tajriba.jobs.service import handler, maintenance_step
from tajriba.warehouse import Warehouse


@maintenance_step("privacy.retention")
def retention_purge(*, factory: sessionmaker[Session], warehouse: Warehouse, **_: Any) -> dict[str, Any]:
    """What each workspace's retention rules say is past keeping goes (an audit entry per workspace with the
    counts); erasures whose legal hold was released run."""
    from sqlalchemy import select

    from tajriba.audit import Operator
    from tajriba.models import DataSubjectRequest, RetentionRule
    from tajriba.privacy import retention

    with transaction(factory, mode="reads") as session:
        workspaces = set(session.scalars(select(RetentionRule.workspace_id)))
        workspaces |= set(
            session.scalars(
                select(DataSubjectRequest.workspace_id).where(DataSubjectRequest.status == "deferred")
            )
        )
    removed: dict[str, int] = {}
    for ws_id in sorted(workspaces):
        with transaction(factory, mode="reads") as session:
            chosen = retention.plan(session, workspace_id=ws_id)
        counts = retention.purge_warehouse(
            warehouse, chosen
        )  # no write lock of the app database held meanwhile
        with transaction(factory, mode="writes") as session:
            done = retention.finish(session, warehouse, chosen, counts, actor=Operator(ws_id, "retention"))
        for key, n in done.counts.items():
            removed[key] = removed.get(key, 0) + n
        removed["erasures"] = removed.get("erasures", 0) + done.erasures
    return {"purged": removed}


@handler("privacy.breach_clock", every=lambda settings: 300.0)
def breach_clock(*, factory: sessionmaker[Session], **_: Any) -> dict[str, Any]:
    """Every five minutes: owners and admins told of incidents 24 hours from their 72-hour deadline."""
    from tajriba.privacy import breaches

    with transaction(factory, mode="writes") as session:
        return {"escalated": breaches.escalate(session)}
