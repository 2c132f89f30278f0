"""Built-in job handlers."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.accounts import service as accounts
from tajriba.config import Settings
from tajriba.db.session import transaction
from tajriba.errors import TajribaError
from tajriba.i18n import speaking
from tajriba.jobs.service import enqueue, handler
from tajriba.jobs.worker import MAINTENANCE_EVERY_S, maintenance_key
from tajriba.warehouse import Warehouse


@handler("maintenance")
def maintenance(
    *, factory: sessionmaker[Session], settings: Settings, warehouse: Warehouse, **_: Any
) -> dict[str, Any]:
    """Purge expired login sessions, checkpoint the warehouse, and schedule the next run."""
    from tajriba.ingest.imports import uploads

    with transaction(factory) as session:
        purged = accounts.purge_sessions(session, settings=settings)
    removed = uploads.purge(settings.data_dir / "uploads")
    warehouse.checkpoint()
    with transaction(factory) as session:
        enqueue(
            session,
            kind="maintenance",
            dedupe_key=maintenance_key(time.time() + MAINTENANCE_EVERY_S),
            delay_seconds=MAINTENANCE_EVERY_S,
        )
    return {"sessions_purged": purged, "uploads_removed": removed}


@handler("import.file")
def import_file_job(
    *,
    factory: sessionmaker[Session],
    settings: Settings,
    warehouse: Warehouse,
    workspace_id: int,
    kind: str,
    path: str,
    mapping: dict[str, Any],
    dry_run: bool = False,
    locale: str = "en",
    **_: Any,
) -> dict[str, Any]:
    """Run a file import started from the web UI; the report becomes the job's result, its rejection
    reasons in the language of the person who started it."""
    from pathlib import Path

    from tajriba.ingest.imports.mapping import Mapping
    from tajriba.ingest.imports.service import import_file
    from tajriba.models import Workspace

    with transaction(factory) as session:
        ws = session.get(Workspace, workspace_id)
        if ws is None:
            raise LookupError(f"workspace {workspace_id} no longer exists")
        tz, region, currency = ws.timezone, (ws.settings or {}).get("region", "SA"), ws.currency
    chosen = Mapping(**mapping)
    chosen.check()
    from tajriba.ingest.imports import uploads

    own = warehouse.cursor()  # the import's long transaction must not stall the tracking API's flushes
    try:
        with speaking(locale):
            report = import_file(
                own,
                workspace_id=workspace_id,
                kind=kind,
                path=Path(path),
                mapping=chosen,
                dry_run=dry_run,
                tz=tz,
                region=region,
                currency=currency,
            )
    except TajribaError:
        uploads.remove(Path(path))  # the file cannot be imported as it is: nothing to keep it for
        raise
    finally:
        own.close()
    if not dry_run:
        uploads.remove(Path(path))  # imported: the rows are in the warehouse, the report stays beside it
    if not dry_run and kind in ("feedback", "tickets"):
        from tajriba.text.service import schedule

        with transaction(factory) as session:
            schedule(session, workspace_id)
    return report.as_dict()


@handler("text.enrich")
def text_enrich(
    *, factory: sessionmaker[Session], warehouse: Warehouse, workspace_id: int, **_: Any
) -> dict[str, Any]:
    """Enrich the workspace's new and stale texts (tajriba.text.service); resumes where a failed run stopped."""
    from tajriba.models import Workspace
    from tajriba.text import service as text_service
    from tajriba.text import topics

    with transaction(factory) as session:
        ws = session.get(Workspace, workspace_id)
        if ws is None:
            raise LookupError(f"workspace {workspace_id} no longer exists")
        taxonomy = topics.for_workspace(ws.settings)
    return text_service.enrich(warehouse, workspace_id, taxonomy).as_dict()


@handler("surveys.dispatch")
def surveys_dispatch(
    *, factory: sessionmaker[Session], settings: Settings, warehouse: Warehouse, **_: Any
) -> dict[str, Any]:
    """Event triggers, due invitations and reminders (SMTP / messaging gateway), expired links."""
    from tajriba.surveys.delivery import dispatch

    with transaction(factory) as session:
        return dispatch(session, warehouse, settings).as_dict()


@handler("cases.tick")
def cases_tick(
    *, factory: sessionmaker[Session], settings: Settings, warehouse: Warehouse, **_: Any
) -> dict[str, Any]:
    """Every few seconds: rules over new data, follow-up answers, SLA warnings and breaches, email digests."""
    from sqlalchemy import select

    from tajriba.cases import alerts, followup, notify, rules, sla
    from tajriba.models import CaseRule

    with transaction(factory, mode="writes") as session:
        workspaces = sorted(
            set(session.scalars(select(CaseRule.workspace_id).where(CaseRule.active.is_(True))))
        )
    totals: dict[str, int] = {"matched": 0, "opened": 0, "attached": 0, "follow_ups": 0}
    for ws_id in workspaces:
        with transaction(factory, mode="writes") as session:
            found = rules.evaluate(session, warehouse, workspace_id=ws_id)
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


@handler("reports.send")
def reports_send(
    *, factory: sessionmaker[Session], settings: Settings, warehouse: Warehouse, **_: Any
) -> dict[str, Any]:
    """Once a minute: the scheduled executive summaries that are due, by mail."""
    from tajriba.reports import schedule

    if not settings.smtp_host:
        return {"sent": 0, "skipped": "no SMTP server configured"}
    return {"sent": schedule.send_due(factory, warehouse, settings)}


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
