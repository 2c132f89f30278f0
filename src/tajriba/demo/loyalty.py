"""The demo's loyalty programme, run month by month over the demo year: points from every order, the Ramadan
double-points campaign with its holdout (parts/shop.py gave the treated members their extra orders), rewards
redeemed where the store's events say points were redeemed, expiry, tier reviews, and a batch of next-best
offers on the last day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tajriba.db.session import transaction
from tajriba.errors import Conflict, NotFound
from tajriba.loyalty import actions, service, tiers
from tajriba.loyalty.schemas import CampaignCreate, RewardCreate
from tajriba.models import LoyaltyTier, Offer, Workspace
from tajriba.warehouse import Warehouse

REWARDS = (
    ("توصيل مجاني", 400, None, None),
    ("قسيمة ٥٠ ريال", 1000, None, 3),
    ("دلة قهوة مذهبة", 2500, 40, 1),
)
# the demo's ladder: thresholds the store's spend reaches in a year (qualifying points or SAR)
LADDER = {"silver": 1500, "gold": 3500, "platinum": 7000}


def run(
    factory: sessionmaker[Session], warehouse: Warehouse, *, workspace_id: int, events: pd.DataFrame
) -> dict[str, Any]:
    """Set up and run the programme over the demo year, in its own transaction."""
    from tajriba.demo.generate import END

    with transaction(factory) as session:
        redeemed = events[events["event"] == "Points Redeemed"]
        return configure(
            session, warehouse, workspace_id=workspace_id, redeemed=redeemed, end=END.replace(tzinfo=UTC)
        )


def configure(
    session: Session, warehouse: Warehouse, *, workspace_id: int, redeemed: pd.DataFrame, end: datetime
) -> dict[str, Any]:
    """Set up and run the programme; return counts for the demo's summary."""
    from tajriba.demo.parts.shop import RAMADAN_HOLDOUT, RAMADAN_HOLDOUT_KEY

    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    programme = service.start_programme(session, workspace_id=workspace_id, name="مكافآت تجربة")
    for tier in session.scalars(select(LoyaltyTier).where(LoyaltyTier.workspace_id == workspace_id)):
        if tier.key in LADDER:
            tier.min_points, tier.min_spend = LADDER[tier.key], Decimal(LADDER[tier.key])
    for name, points, stock, per_member in REWARDS:
        service.create_reward(
            session,
            workspace_id=workspace_id,
            data=RewardCreate(name=name, points=points, stock=stock, per_member=per_member),
        )
    campaign = service.create_campaign(
        session,
        workspace_id=workspace_id,
        data=CampaignCreate(
            name="نقاط مضاعفة في رمضان",
            season="ramadan",
            year=1447,
            multiplier=2.0,
            holdout_share=RAMADAN_HOLDOUT,
        ),
    )
    campaign.holdout_key = RAMADAN_HOLDOUT_KEY
    session.flush()
    start = end - timedelta(days=366)
    month = datetime(start.year, start.month, 1, tzinfo=UTC)
    counts = {"loyalty_redemptions": 0}
    while month < end:
        after = min((month + timedelta(days=32)).replace(day=1), end)
        service.earn_orders(
            session, warehouse, workspace=workspace, programme=programme, now=after, since=month
        )
        counts["loyalty_redemptions"] += _redeem(session, programme, redeemed, month, after)
        service.expire_due(session, workspace_id=workspace_id, now=after)
        tiers.review(session, programme=programme, now=after)
        month = after
    batch = actions.create_batch(
        session,
        warehouse,
        workspace=workspace,
        name="عروض الشهر",
        channel="email",
        now=end,
        holdout_share=0.1,
    )
    counts["offers"] = int(session.scalar(select(func.count()).where(Offer.batch_id == batch.id)) or 0)
    return counts


def _redeem(
    session: Session, programme: Any, redeemed: pd.DataFrame, since: datetime, until: datetime
) -> int:
    """A reward for each 'Points Redeemed' event of the month, the dearest the member can afford."""
    when = pd.to_datetime(redeemed["timestamp"]).dt.tz_localize("UTC")
    month = redeemed[(when >= since) & (when < until)]
    rewards = service.catalogue(session, workspace_id=programme.workspace_id)
    done = 0
    for cid, at, mid in zip(
        month["customer_id"],
        pd.to_datetime(month["timestamp"]).dt.tz_localize("UTC"),
        month["message_id"],
        strict=True,
    ):
        try:
            member = service.get_member(session, workspace_id=programme.workspace_id, customer_id=cid)
        except NotFound:  # not a member yet
            continue
        have = service.balance(
            session, workspace_id=programme.workspace_id, customer_id=cid, as_of=at.to_pydatetime()
        )
        for reward in sorted(rewards, key=lambda r: -r["points"]):
            if reward["points"] <= have:
                try:
                    service.redeem_reward(
                        session,
                        programme=programme,
                        member=member,
                        reward_id=reward["id"],
                        key=f"demo:{mid}",
                        now=at.to_pydatetime(),
                    )
                except Conflict:
                    continue
                done += 1
                break
    return done
