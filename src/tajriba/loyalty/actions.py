"""Next-best actions and offer batches (docs/loyalty.md, "Next-best actions").

For each customer, the first that applies:
1. fix_first: an open case, or a detractor answer (NPS 0-6, CSAT 1-2 of 5) in the last `RECENT_DAYS` days: no
   offer until the problem is fixed;
2. thank: a promoter answer (NPS 9-10) in the last `RECENT_DAYS` days: a thank-you, no sales pitch;
3. win_back: a lifetime-value fit says they are probably gone (P(alive) below `WIN_BACK_BELOW`): an offer with
   their recommendations;
4. offer: their recommendations.
Consent: nothing goes on a channel whose purpose the customer withdrew (or did not give, where the workspace's
records of processing say it rests on consent): email -> email_marketing, sms -> sms_marketing, whatsapp ->
whatsapp; purchase history is used only for customers not blocked for `personalization` (others get the most
bought products). An offer batch keeps a random holdout that is sent nothing, so its lift can be measured.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.errors import Invalid, NotFound
from tajriba.i18n import N_, _
from tajriba.loyalty import dashboard, lift, points, recommend
from tajriba.models.accounts import Workspace
from tajriba.models.loyalty import LoyaltyMember, Offer, OfferBatch

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse

ACTION_LABELS = {
    "fix_first": N_("Fix the problem first"),
    "thank": N_("Thank them"),
    "win_back": N_("Win them back"),
    "offer": N_("Make an offer"),
}
CHANNEL_PURPOSES = {"email": "email_marketing", "sms": "sms_marketing", "whatsapp": "whatsapp", "app": None}
RECENT_DAYS = 30
WIN_BACK_BELOW = 0.5
HISTORY_DAYS = 365


def _answers(
    warehouse: Warehouse, workspace_id: int, ids: list[str], since: datetime
) -> tuple[set[str], set[str]]:
    rows = warehouse.sql(
        "SELECT customer_id, arg_max(metric, submitted_at), arg_max(score, submitted_at), arg_max(scale_max, submitted_at) "
        "FROM survey_responses WHERE workspace_id = ? AND submitted_at >= ? AND score IS NOT NULL "
        "AND metric IN ('nps', 'csat') AND list_contains(?, customer_id) GROUP BY customer_id",
        [workspace_id, since.replace(tzinfo=None), ids],
    )
    detractors = {
        c for c, m, s, top in rows if (m == "nps" and s <= 6) or (m == "csat" and s <= 2 and (top or 5) == 5)
    }
    promoters = {c for c, m, s, _top in rows if m == "nps" and s >= 9}
    return detractors, promoters


def _gone(warehouse: Warehouse, workspace_id: int, ids: list[str]) -> set[str]:
    rows = warehouse.sql(
        "SELECT customer_id, arg_max(p_alive, computed_at) FROM customer_values WHERE workspace_id = ? "
        "AND list_contains(?, customer_id) GROUP BY customer_id",
        [workspace_id, ids],
    )
    return {c for c, p in rows if p is not None and p < WIN_BACK_BELOW}


def next_best_actions(
    session: Session,
    warehouse: Warehouse,
    *,
    workspace: Workspace,
    customer_ids: list[str],
    channel: str,
    now: datetime,
    n: int = 5,
    model: recommend.Model | None = None,
) -> list[dict[str, Any]]:
    """One action per customer: {customer_id, action, items, blocked (a consent reason or None)}."""
    from tajriba.cases import service as cases
    from tajriba.customers import service as customers

    if channel not in CHANNEL_PURPOSES:
        raise Invalid(
            _("the channel is one of {channels}").format(channels=", ".join(CHANNEL_PURPOSES)),
            field="channel",
        )
    ids = sorted(set(customer_ids))
    purpose = CHANNEL_PURPOSES[channel]
    blocked = (
        customers.consent_blocked(
            session, warehouse, workspace_id=workspace.id, purposes=[purpose], customer_ids=ids
        )
        if purpose
        else {}
    )
    no_profile = customers.consent_blocked(
        session, warehouse, workspace_id=workspace.id, purposes=["personalization"], customer_ids=ids
    )
    fixing = cases.customers_with_open_cases(session, workspace_id=workspace.id, customer_ids=ids)
    detractors, promoters = _answers(warehouse, workspace.id, ids, now - timedelta(days=RECENT_DAYS))
    gone = _gone(warehouse, workspace.id, ids)
    if model is None:
        model = recommend.fit(
            recommend.purchases(
                warehouse, workspace_id=workspace.id, since=now - timedelta(days=HISTORY_DAYS), until=now
            )
        )
    recs = recommend.recommend(model, ids, n=n, personal=np.array([c not in no_profile for c in ids]))
    out = []
    for cid in ids:
        if cid in fixing or cid in detractors:
            action = "fix_first"
        elif cid in promoters:
            action = "thank"
        else:
            action = "win_back" if cid in gone else "offer"
        items = recs.get(cid, []) if action in ("offer", "win_back") else []
        out.append({"customer_id": cid, "action": action, "items": items, "blocked": blocked.get(cid)})
    return out


def create_batch(
    session: Session,
    warehouse: Warehouse,
    *,
    workspace: Workspace,
    name: str,
    channel: str,
    now: datetime,
    holdout_share: float = 0.1,
    cost_per_offer: float = 0.0,
    customer_ids: list[str] | None = None,
) -> OfferBatch:
    """Choose the next-best action of every member (or the given customers) and keep a random holdout; customers
    the channel may not reach get no offer at all."""
    if not 0 <= holdout_share <= 0.5:
        raise Invalid(_("the holdout is between 0 and 50 percent"), field="holdout_share")
    ids = (
        customer_ids
        if customer_ids is not None
        else list(
            session.scalars(
                select(LoyaltyMember.customer_id).where(LoyaltyMember.workspace_id == workspace.id)
            )
        )
    )
    batch = OfferBatch(
        workspace_id=workspace.id,
        name=name,
        channel=channel,
        holdout_share=holdout_share,
        cost_per_offer=cost_per_offer,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    chosen = next_best_actions(
        session, warehouse, workspace=workspace, customer_ids=ids, channel=channel, now=now
    )
    session.add_all(
        Offer(
            workspace_id=workspace.id,
            batch_id=batch.id,
            customer_id=a["customer_id"],
            action=a["action"],
            items=a["items"],
            holdout=points.in_holdout(f"offers:{batch.id}", a["customer_id"], holdout_share),
            created_at=now,
        )
        for a in chosen
        if a["blocked"] is None
    )
    session.flush()
    return batch


def get_batch(session: Session, *, workspace_id: int, batch_id: int) -> OfferBatch:
    found = session.scalar(
        select(OfferBatch).where(OfferBatch.workspace_id == workspace_id, OfferBatch.id == batch_id)
    )
    if found is None:
        raise NotFound(_("no offer batch {id}").format(id=batch_id), code="no_batch")
    return found


def batch_lift(session: Session, warehouse: Warehouse, *, batch: OfferBatch, now: datetime) -> dict[str, Any]:
    """Purchase and spend of the offered against the held-out since the batch (offers and win-backs only)."""
    offers = list(
        session.scalars(
            select(Offer).where(Offer.batch_id == batch.id, Offer.action.in_(("offer", "win_back")))
        )
    )
    if not offers:
        return {"offers": 0, "lift": None}
    ids = [o.customer_id for o in offers]
    held = np.array([o.holdout for o in offers])
    seen = dashboard.outcomes(
        warehouse, workspace_id=batch.workspace_id, ids=ids, start=batch.created_at, end=now
    )
    assert seen["bought"] is not None and seen["spend"] is not None
    result = lift.lift(
        bought=seen["bought"],
        spend=seen["spend"],
        holdout=held,
        cost=float(batch.cost_per_offer) * int((~held).sum()),
    )
    return {"offers": len(offers), "lift": result}


def batch_page(
    session: Session, warehouse: Warehouse, *, batch: OfferBatch, now: datetime, limit: int, offset: int
) -> dict[str, Any]:
    """The batch with its counts per action, its lift so far, and a page of the offers to send (holdout left out)."""
    from sqlalchemy import func

    counts = dict(
        session.execute(
            select(Offer.action, func.count()).where(Offer.batch_id == batch.id).group_by(Offer.action)
        ).all()
    )
    to_send = select(Offer).where(Offer.batch_id == batch.id, Offer.holdout.is_(False))
    total = int(session.scalar(select(func.count()).select_from(to_send.subquery())) or 0)
    page = session.scalars(to_send.order_by(Offer.id).limit(limit).offset(offset))
    return {
        "id": batch.id,
        "name": batch.name,
        "channel": batch.channel,
        "holdout_share": batch.holdout_share,
        "created_at": batch.created_at,
        "actions": {k: int(v) for k, v in counts.items()},
        "lift": batch_lift(session, warehouse, batch=batch, now=now)["lift"],
        "offers": [
            {"customer_id": o.customer_id, "action": o.action, "items": list(o.items), "holdout": o.holdout}
            for o in page
        ],
        "total": total,
    }
