"""Built-in job handlers."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.accounts import service as accounts
from tajriba.config import Settings
from tajriba.db.session import transaction
from tajriba.jobs.service import enqueue, handler
from tajriba.jobs.worker import MAINTENANCE_EVERY_S, maintenance_key
from tajriba.warehouse import Warehouse


@handler("maintenance")
def maintenance(
    *, factory: sessionmaker[Session], settings: Settings, warehouse: Warehouse, **_: Any
) -> dict[str, Any]:
    """Purge expired login sessions, checkpoint the warehouse, and schedule the next run."""
    with transaction(factory) as session:
        purged = accounts.purge_sessions(session, settings=settings)
    warehouse.sql("CHECKPOINT")
    with transaction(factory) as session:
        enqueue(
            session,
            kind="maintenance",
            dedupe_key=maintenance_key(time.time() + MAINTENANCE_EVERY_S),
            delay_seconds=MAINTENANCE_EVERY_S,
        )
    return {"sessions_purged": purged}
