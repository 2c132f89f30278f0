"""Job handlers of the surveys domain: triggers, invitations, reminders, expiry."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.config import Settings
from tajriba.db.session import transaction
from tajriba.jobs.service import handler
from tajriba.warehouse import Warehouse


@handler("surveys.dispatch", every=lambda settings: 60.0)
def surveys_dispatch(
    *, factory: sessionmaker[Session], settings: Settings, warehouse: Warehouse, **_: Any
) -> dict[str, Any]:
    """Event triggers, due invitations and reminders (SMTP / messaging gateway), expired links."""
    from tajriba.surveys.delivery import dispatch

    with transaction(factory) as session:
        return dispatch(session, warehouse, settings).as_dict()
