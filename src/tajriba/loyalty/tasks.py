"""Job handlers of the loyalty domain: earning, expiry and its notices, tier reviews."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tajriba.config import Settings
from tajriba.db.session import transaction
from tajriba.jobs.service import handler
from tajriba.warehouse import Warehouse


def run_programme(
    session: Session, warehouse: Warehouse, *, workspace_id: int, settings: Settings, now: datetime
) -> dict[str, Any]:
    """One pass over a workspace's programme: orders and bonuses since the watermark, expiry, notices, reviews."""
    from tajriba.loyalty import bonuses, earning, ledger, members, notices, tiers
    from tajriba.models import Workspace

    workspace = session.get(Workspace, workspace_id)
    programme = members.programme_of(session, workspace_id)
    assert workspace is not None
    since = (
        programme.earned_through - earning.LATE
        if programme.earned_through
        else datetime(1970, 1, 1, tzinfo=UTC)
    )
    out: dict[str, Any] = earning.earn_orders(
        session, warehouse, workspace=workspace, programme=programme, now=now
    ).as_dict()
    out["bonuses"] = bonuses.earn_bonuses(
        session, warehouse, workspace=workspace, programme=programme, since=since, now=now
    )
    out["expired"] = ledger.expire_due(session, workspace_id=workspace_id, now=now)
    out["notices"] = notices.send_notices(
        session, warehouse, workspace=workspace, programme=programme, settings=settings, now=now
    )
    out["reviews"] = tiers.review(session, programme=programme, now=now)
    return out


@handler("loyalty.tick", every=lambda settings: settings.loyalty_tick_seconds)
def loyalty_tick(
    *, factory: sessionmaker[Session], settings: Settings, warehouse: Warehouse, **_: Any
) -> dict[str, Any]:
    """Every few minutes, for each active programme: earn, expire, tell, review."""
    from tajriba.models import LoyaltyProgramme
    from tajriba.models.base import utcnow

    with transaction(factory, mode="reads") as session:
        ids = list(session.scalars(select(LoyaltyProgramme.workspace_id).where(LoyaltyProgramme.active)))
    done: dict[str, Any] = {}
    for ws_id in ids:
        with transaction(factory, mode="writes") as session:
            done[str(ws_id)] = run_programme(
                session, warehouse, workspace_id=ws_id, settings=settings, now=utcnow()
            )
    return done
