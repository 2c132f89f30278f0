"""Job handlers of the forecasting domain: the hourly staffing-gap alerts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tajriba.db.session import transaction
from tajriba.jobs.service import handler
from tajriba.warehouse import Warehouse


@handler("forecasting.alerts", every=lambda settings: 60.0)
def forecasting_alerts(*, factory: sessionmaker[Session], warehouse: Warehouse, **_: Any) -> dict[str, Any]:
    """Staffing-gap alert rules that are due (each rule checks hourly)."""
    from tajriba.forecasting import alerts

    with transaction(factory, mode="writes") as session:
        return {"alerts": alerts.run(session, warehouse)}
