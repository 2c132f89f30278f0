"""The programme's figures (docs/loyalty.md, "The dashboard"):

- members, and the active share: members who earned or redeemed in the last `ACTIVE_DAYS` days (Wilson interval);
- outstanding points (in lots not expired) and the liability: outstanding x point value, and the expected
  liability after breakage: x (1 - breakage rate), the breakage rate being the share of the points settled in
  the last year (redeemed or expired) that expired; IFRS 15 B46 asks for this estimate of unexercised rights;
- redemption rate: points redeemed over points issued in the last year;
- members per tier and tier movement (joins, upgrades, downgrades) in the last `ACTIVE_DAYS` days;
- each campaign's lift against its holdout (`lift`) over its days and `AFTER_DAYS` after.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tajriba.loyalty import ledger, lift, points
from tajriba.loyalty.members import programme_of
from tajriba.loyalty.tiers import tiers_of
from tajriba.metrics import service as metrics
from tajriba.models.accounts import Workspace
from tajriba.models.loyalty import LoyaltyCampaign, LoyaltyMember, LoyaltyTierChange, LoyaltyTransfer

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse

T = LoyaltyTransfer
ACTIVE_DAYS = 90
AFTER_DAYS = 30


def _flows(session: Session, workspace_id: int, since: datetime) -> dict[str, int]:
    rows = session.execute(
        select(T.kind, func.sum(T.points))
        .where(T.workspace_id == workspace_id, T.occurred_at > since)
        .group_by(T.kind)
    ).all()
    return {k: int(v or 0) for k, v in rows}


def _tiers(session: Session, ws: int, since: datetime) -> dict[str, Any]:
    """Members per tier (with the tier's name) and the tier changes since `since`, tiers named."""
    ladder = tiers_of(session, ws)
    names = {t.key: t.name for t in ladder}
    by_tier = dict(
        session.execute(
            select(LoyaltyMember.tier, func.count())
            .where(LoyaltyMember.workspace_id == ws)
            .group_by(LoyaltyMember.tier)
        ).all()
    )
    c = LoyaltyTierChange
    moves = session.execute(
        select(c.reason, c.from_tier, c.to_tier, func.count())
        .where(c.workspace_id == ws, c.at > since)
        .group_by(c.reason, c.from_tier, c.to_tier)
    ).all()
    return {
        "tiers": [{"key": t.key, "name": t.name, "members": int(by_tier.get(t.key, 0))} for t in ladder],
        "tier_movement": [
            {
                "reason": r,
                "from": f,
                "to": t,
                "from_name": names.get(f or ""),
                "to_name": names.get(t),
                "members": int(n),
            }
            for r, f, t, n in moves
        ],
    }


def _points(session: Session, ws: int, now: datetime, value: float) -> dict[str, Any]:
    """Outstanding points, the liability before and after breakage, and the last year's flows."""
    signed = case((T.credit == ledger.MEMBER, T.points), else_=-T.points)
    outstanding = int(
        session.scalar(
            select(func.coalesce(func.sum(signed), 0)).where(T.workspace_id == ws, T.expires_at > now)
        )
        or 0
    )
    year = _flows(session, ws, now - timedelta(days=365))
    issued = year.get("earn", 0) + year.get("bonus", 0)
    settled = year.get("redeem", 0) + year.get("expire", 0)
    breakage = year.get("expire", 0) / settled if settled else None
    return {
        "outstanding_points": outstanding,
        "liability": round(outstanding * value, 2),
        "breakage_rate": breakage,
        "expected_liability": round(outstanding * value * (1 - (breakage or 0.0)), 2),
        "issued_points_year": issued,
        "redeemed_points_year": year.get("redeem", 0),
        "expired_points_year": year.get("expire", 0),
        "redemption_rate": year.get("redeem", 0) / issued if issued else None,
    }


def figures(session: Session, warehouse: Warehouse, *, workspace: Workspace, now: datetime) -> dict[str, Any]:
    """The dashboard's figures (see the module's docstring)."""
    programme = programme_of(session, workspace.id)
    ws = workspace.id
    n_members = int(session.scalar(select(func.count()).where(LoyaltyMember.workspace_id == ws)) or 0)
    active_since = now - timedelta(days=ACTIVE_DAYS)
    active = int(
        session.scalar(
            select(func.count(func.distinct(T.customer_id))).where(
                T.workspace_id == ws, T.occurred_at > active_since, T.kind.in_(("earn", "redeem"))
            )
        )
        or 0
    )
    value = programme.point_value
    campaigns = session.scalars(
        select(LoyaltyCampaign)
        .where(LoyaltyCampaign.workspace_id == ws)
        .order_by(LoyaltyCampaign.starts_on.desc())
    )
    return {
        "programme": {"name": programme.name, "currency": programme.currency, "point_value": value},
        "members": n_members,
        "active": metrics.wilson(active, n_members).to_dict() if n_members else None,
        **_points(session, ws, now, value),
        **_tiers(session, ws, active_since),
        "campaigns": [
            campaign_lift(session, warehouse, workspace=workspace, campaign=c, now=now, point_value=value)
            for c in campaigns
        ],
    }


def outcomes(
    warehouse: Warehouse, *, workspace_id: int, ids: list[str], start: datetime, end: datetime
) -> dict[str, np.ndarray | None]:
    """Per customer (in `ids` order): bought in [start, end) (0/1), spend there, latest lifetime value computed
    since `start` (NaN without one; None when no value was computed at all)."""
    naive = [start.astimezone(UTC).replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None)]
    bought = {
        c: float(s or 0)
        for c, _n, s in warehouse.sql(
            "SELECT customer_id, count(*), sum(CAST(amount AS DOUBLE)) FROM orders WHERE workspace_id = ? "
            "AND ordered_at >= ? AND ordered_at < ? AND coalesce(status, '') <> 'cancelled' "
            "AND customer_id IS NOT NULL GROUP BY customer_id",
            [workspace_id, *naive],
        )
    }
    clv = dict(
        warehouse.sql(
            "SELECT customer_id, arg_max(clv, computed_at) FROM customer_values WHERE workspace_id = ? "
            "AND computed_at >= ? GROUP BY customer_id",
            [workspace_id, naive[0]],
        )
    )
    return {
        "bought": np.array([c in bought for c in ids], dtype=float),
        "spend": np.array([bought.get(c, 0.0) for c in ids]),
        "clv": np.array([float(clv[c]) if clv.get(c) is not None else np.nan for c in ids]) if clv else None,
    }


def campaign_lift(
    session: Session,
    warehouse: Warehouse,
    *,
    workspace: Workspace,
    campaign: LoyaltyCampaign,
    now: datetime,
    point_value: float,
) -> dict[str, Any]:
    """The campaign's lift: members who joined before it, treated against held out, over its days and after."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(workspace.timezone)
    start = datetime.combine(campaign.starts_on, time(), zone).astimezone(UTC)
    end = min(
        datetime.combine(campaign.ends_on + timedelta(days=1 + AFTER_DAYS), time(), zone).astimezone(UTC), now
    )
    head = {
        "id": campaign.id,
        "name": campaign.name,
        "season": campaign.season,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "multiplier": campaign.multiplier,
        "bonus_points": campaign.bonus_points,
        "holdout_share": campaign.holdout_share,
        "measured_until": end,
    }
    if end <= start:
        return {**head, "lift": None}
    ids = list(
        session.scalars(
            select(LoyaltyMember.customer_id).where(
                LoyaltyMember.workspace_id == workspace.id, LoyaltyMember.joined_at < start
            )
        )
    )
    if not ids:
        return {**head, "lift": None}
    extra = int(
        session.scalar(
            select(func.coalesce(func.sum(T.points), 0)).where(
                T.workspace_id == workspace.id, T.campaign_id == campaign.id
            )
        )
        or 0
    )
    held = np.array([points.in_holdout(campaign.holdout_key, c, campaign.holdout_share) for c in ids])
    seen = outcomes(warehouse, workspace_id=workspace.id, ids=ids, start=start, end=end)
    assert seen["bought"] is not None and seen["spend"] is not None
    result = lift.lift(
        bought=seen["bought"], spend=seen["spend"], clv=seen["clv"], holdout=held, cost=extra * point_value
    )
    return {**head, "extra_points": extra, "lift": result}
