"""Job handlers of the cases domain: rules, SLA clocks, alerts, digests, follow-ups, webhooks, replies."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.config import Settings
from tajriba.db.session import transaction
from tajriba.jobs.service import handler
from tajriba.warehouse import Warehouse


@handler("cases.tick", every=lambda settings: settings.cases_tick_seconds)
def cases_tick(
    *, factory: sessionmaker[Session], settings: Settings, warehouse: Warehouse, **_: Any
) -> dict[str, Any]:
    """Every few seconds: rules over new data, follow-up answers, SLA warnings and breaches, email digests."""
    from sqlalchemy import select

    from tajriba.cases import alerts, followup, notify, rules, sla
    from tajriba.models import CaseRule
    from tajriba.models.base import utcnow

    with transaction(factory, mode="writes") as session:
        workspaces = sorted(
            set(session.scalars(select(CaseRule.workspace_id).where(CaseRule.active.is_(True))))
        )
    totals: dict[str, int] = {"matched": 0, "opened": 0, "attached": 0, "follow_ups": 0}
    for ws_id in workspaces:
        until = utcnow()
        with transaction(factory, mode="reads") as session:  # the warehouse is read outside the write lock
            gathered = rules.gather(session, warehouse, workspace_id=ws_id, until=until)
        with transaction(factory, mode="writes") as session:
            found = rules.evaluate(session, warehouse, workspace_id=ws_id, until=until, gathered=gathered)
            totals["follow_ups"] += followup.collect(session, warehouse, workspace_id=ws_id)
        rules.store_signals(warehouse, found.signals)  # after the commit: a lost write is repaired next run
        for key in ("matched", "opened", "attached"):
            totals[key] += found.as_dict()[key]
    with transaction(factory, mode="writes") as session:
        totals.update(sla.check(session))
    with transaction(factory, mode="writes") as session:
        totals["alerts"] = alerts.run(session, warehouse)
    with transaction(factory, mode="writes") as session:
        totals["mails"] = notify.mail_digests(session, settings=settings)
    return totals


@handler("cases.follow_up")
def cases_follow_up(
    *, factory: sessionmaker[Session], warehouse: Warehouse, case_id: int, **_: Any
) -> dict[str, Any]:
    """Invite the customer of a resolved case to the follow-up survey."""
    from tajriba.cases import followup
    from tajriba.models import Case

    with transaction(factory, mode="writes") as session:
        case = session.get(Case, case_id)
        inv = followup.invite(session, warehouse, case=case) if case is not None else None
        return {"invitation_id": inv.id if inv is not None else None}


@handler("webhooks.deliver")
def webhooks_deliver(
    *, factory: sessionmaker[Session], settings: Settings, delivery_id: int, **_: Any
) -> dict[str, Any]:
    """One signed delivery attempt; a failure queues the next attempt with backoff (its own job)."""
    from tajriba.cases import notify
    from tajriba.models import WebhookDelivery

    with transaction(factory, mode="writes") as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return {"delivered": False}
        ok = notify.deliver(session, delivery=delivery, retry_seconds=settings.webhook_retry_seconds)
        return {"delivered": ok, "attempts": delivery.attempts, "status": delivery.last_status}


@handler("cases.message")
def cases_message(
    *,
    factory: sessionmaker[Session],
    settings: Settings,
    warehouse: Warehouse,
    case_id: int,
    channel: str,
    text: str,
    **_: Any,
) -> dict[str, Any]:
    """Send an agent's reply to the customer by email or through the messaging gateway."""
    from tajriba.cases import notify
    from tajriba.models import Case, CaseEvent, Workspace

    with transaction(factory, mode="reads") as session:
        case = session.get(Case, case_id)
        if case is None or not case.customer_id:
            return {"sent": False}
        ws = session.get(Workspace, case.workspace_id)
        facts = {
            "workspace_id": case.workspace_id,
            "workspace_name": ws.name if ws else "Tajriba",
            "case_id": case.id,
            "customer_id": case.customer_id,
            "subject": case.subject,
        }
    to = notify.send_customer_message(warehouse, settings=settings, channel=channel, text=text, **facts)  # type: ignore[arg-type]
    with transaction(factory, mode="writes") as session:
        session.add(
            CaseEvent(
                workspace_id=facts["workspace_id"],
                case_id=case_id,
                kind="delivery",
                data={"channel": channel, "ok": bool(to), **({} if to else {"reason": "no address"})},
            )
        )
    return {"sent": bool(to)}
