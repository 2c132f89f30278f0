"""The job handler the queue itself owns: hourly maintenance (each domain adds its clean-ups as steps)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.config import Settings
from tajriba.db.session import transaction
from tajriba.jobs.service import MAINTENANCE, enqueue, handler
from tajriba.jobs.worker import MAINTENANCE_EVERY_S, maintenance_key
from tajriba.warehouse import Warehouse


@handler("maintenance")
def maintenance(
    *, factory: sessionmaker[Session], settings: Settings, warehouse: Warehouse, **_: Any
) -> dict[str, Any]:
    """Run every registered clean-up step, checkpoint the warehouse, and schedule the next run."""
    done: dict[str, Any] = {}
    for step in MAINTENANCE.values():
        done.update(step(factory=factory, settings=settings, warehouse=warehouse))
    warehouse.checkpoint()
    with transaction(factory) as session:
        enqueue(
            session,
            kind="maintenance",
            dedupe_key=maintenance_key(time.time() + MAINTENANCE_EVERY_S),
            delay_seconds=MAINTENANCE_EVERY_S,
        )
    return done
