"""Maintenance of the accounts domain: expired login sessions are purged every hour."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.accounts import service
from tajriba.config import Settings
from tajriba.db.session import transaction
from tajriba.jobs.service import maintenance_step


@maintenance_step("accounts.sessions")
def purge_sessions(*, factory: sessionmaker[Session], settings: Settings, **_: Any) -> dict[str, Any]:
    with transaction(factory) as session:
        return {"sessions_purged": service.purge_sessions(session, settings=settings)}
