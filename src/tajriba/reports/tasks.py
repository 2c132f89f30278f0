"""Job handlers of the reports domain: scheduled summaries by mail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.config import Settings
from tajriba.jobs.service import handler
from tajriba.warehouse import Warehouse


@handler("reports.send", every=lambda settings: 60.0)
def reports_send(
    *, factory: sessionmaker[Session], settings: Settings, warehouse: Warehouse, **_: Any
) -> dict[str, Any]:
    """Once a minute: the scheduled executive summaries that are due, by mail."""
    from tajriba.reports import schedule

    if not settings.smtp_host:
        return {"sent": 0, "skipped": "no SMTP server configured"}
    return {"sent": schedule.send_due(factory, warehouse, settings)}
