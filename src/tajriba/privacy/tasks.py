"""Job handlers of the privacy domain: the hourly retention purge of every workspace with rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.config import Settings
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


@handler("privacy.clocks", every=lambda settings: 300.0)
def clocks(*, factory: sessionmaker[Session], **_: Any) -> dict[str, Any]:
    """Every five minutes: owners and admins told of incidents 24 hours from their 72-hour deadline, of
    requests a week from their due date and of requests past it."""
    from tajriba.privacy import breaches, requests

    with transaction(factory, mode="writes") as session:
        return {"breaches": breaches.escalate(session), **requests.remind(session)}


@handler("privacy.tell_extension")
def tell_extension(
    *, factory: sessionmaker[Session], settings: Settings, request_id: int, **kwargs: Any
) -> dict[str, Any]:
    """Tell the person why their request takes longer and the new date, in their language."""
    from tajriba.i18n import _, speaking
    from tajriba.models import DataSubjectRequest, Workspace
    from tajriba.privacy import messages

    with transaction(factory, mode="reads") as session:
        request = session.get(DataSubjectRequest, request_id)
        workspace = session.get(Workspace, request.workspace_id) if request else None
        if request is None or workspace is None or not request.contact or request.extended_due_at is None:
            return {"sent": False}
        with speaking(request.language):
            subject = _("Your request about your data: we need more time")
            text = _(
                "We need more time to answer your request #{id}: {reason}. We will answer by {date}."
            ).format(
                id=request.id,
                reason=request.extension_reason,
                date=request.extended_due_at.strftime("%Y-%m-%d"),
            )
        messages.send(
            settings, workspace, to=request.contact, subject=subject, text=text, language=request.language
        )
    return {"sent": True}
