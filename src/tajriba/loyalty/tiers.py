"""Tiers: qualification over a rolling window, upgrade at once, downgrade only at a review after a grace period.

Qualifying points are the points earned in the last `qualification_days` (awards of kind earn and bonus, less
their reversals); qualifying spend is the amount of the orders that earned them, less refunds. A member
qualifies for the highest tier whose points or spend threshold they reach (the base tier, rank 0, always).

- Upgrade: as soon as a member qualifies for a higher tier (after each earning), with a review a window later.
- Review (`review`, run by the daily job) at `review_at`: still qualified -> the next review is a window later;
  not qualified -> a grace period of `grace_days` starts; at its end, still not qualified -> down to the tier
  they qualify for then (one step or more). Qualifying again during the grace period ends it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tajriba.models.loyalty import (
    LoyaltyMember,
    LoyaltyProgramme,
    LoyaltyTier,
    LoyaltyTierChange,
    LoyaltyTransfer,
)

T = LoyaltyTransfer


@dataclass(frozen=True)
class Standing:
    points: int
    spend: Decimal


def tiers_of(session: Session, workspace_id: int) -> list[LoyaltyTier]:
    """The programme's tiers, lowest rank first."""
    return list(
        session.scalars(
            select(LoyaltyTier).where(LoyaltyTier.workspace_id == workspace_id).order_by(LoyaltyTier.rank)
        )
    )


def qualifying(
    session: Session,
    *,
    workspace_id: int,
    as_of: datetime,
    window_days: int,
    customer_ids: Iterable[str] | None = None,
) -> dict[str, Standing]:
    """Qualifying points and spend per member over (as_of - window, as_of]."""
    earned = T.kind.in_(("earn", "bonus", "reverse"))
    signed = case((T.credit == "member", T.points), else_=-T.points)
    query = (
        select(T.customer_id, func.sum(signed), func.coalesce(func.sum(T.spend), 0))
        .where(
            T.workspace_id == workspace_id,
            earned,
            T.occurred_at > as_of - timedelta(days=window_days),
            T.occurred_at <= as_of,
        )
        .group_by(T.customer_id)
    )
    if customer_ids is not None and len(ids := sorted(set(customer_ids))) <= 20_000:
        out: dict[str, Standing] = {}
        for start in range(0, len(ids), 5000):
            for cid, p, s in session.execute(query.where(T.customer_id.in_(ids[start : start + 5000]))):
                out[cid] = Standing(int(p or 0), Decimal(s or 0))
        return out
    wanted = None if customer_ids is None else set(ids)
    return {
        cid: Standing(int(p or 0), Decimal(s or 0))
        for cid, p, s in session.execute(query)
        if wanted is None or cid in wanted
    }


def qualified_tier(tiers: list[LoyaltyTier], standing: Standing | None) -> LoyaltyTier:
    """The highest tier whose points or spend threshold the standing reaches (the base tier without one)."""
    best = tiers[0]
    if standing is None:
        return best
    for tier in tiers[1:]:
        by_points = tier.min_points is not None and standing.points >= tier.min_points
        by_spend = tier.min_spend is not None and standing.spend >= tier.min_spend
        if by_points or by_spend:
            best = tier
    return best


def _move(
    session: Session, member: LoyaltyMember, to: LoyaltyTier, *, reason: str, at: datetime, window: int
) -> None:
    session.add(
        LoyaltyTierChange(
            workspace_id=member.workspace_id,
            customer_id=member.customer_id,
            from_tier=member.tier,
            to_tier=to.key,
            reason=reason,
            at=at,
        )
    )
    member.tier, member.tier_since = to.key, at
    member.review_at, member.grace_until = at + timedelta(days=window), None


def upgrade(
    session: Session, *, programme: LoyaltyProgramme, members: Iterable[LoyaltyMember], now: datetime
) -> int:
    """Raise every member who now qualifies for a higher tier; return how many moved."""
    tiers = tiers_of(session, programme.workspace_id)
    if len(tiers) < 2:
        return 0
    members = list(members)
    rank = {t.key: t.rank for t in tiers}
    standings = qualifying(
        session,
        workspace_id=programme.workspace_id,
        as_of=now,
        window_days=programme.qualification_days,
        customer_ids=[m.customer_id for m in members],
    )
    moved = 0
    for member in members:
        best = qualified_tier(tiers, standings.get(member.customer_id))
        if best.rank > rank.get(member.tier, 0):
            _move(session, member, best, reason="upgrade", at=now, window=programme.qualification_days)
            moved += 1
        elif member.grace_until is not None and best.rank >= rank.get(member.tier, 0):
            member.grace_until = None  # qualified again during the grace period
            member.review_at = now + timedelta(days=programme.qualification_days)
    session.flush()
    return moved


def review(session: Session, *, programme: LoyaltyProgramme, now: datetime) -> dict[str, int]:
    """Review the members whose review is due: keep, start a grace period, or downgrade at its end."""
    tiers = tiers_of(session, programme.workspace_id)
    by_key = {t.key: t for t in tiers}
    due = list(
        session.scalars(
            select(LoyaltyMember).where(
                LoyaltyMember.workspace_id == programme.workspace_id, LoyaltyMember.review_at <= now
            )
        )
    )
    window = programme.qualification_days
    standings = qualifying(
        session,
        workspace_id=programme.workspace_id,
        as_of=now,
        window_days=window,
        customer_ids=[m.customer_id for m in due],
    )
    counts = {"kept": 0, "grace": 0, "downgraded": 0}
    for member in due:
        current = by_key.get(member.tier, tiers[0])
        best = qualified_tier(tiers, standings.get(member.customer_id))
        if best.rank >= current.rank:
            member.review_at, member.grace_until = now + timedelta(days=window), None
            counts["kept"] += 1
        elif member.grace_until is None:
            member.grace_until = now + timedelta(days=programme.grace_days)
            member.review_at = member.grace_until
            counts["grace"] += 1
        else:
            _move(session, member, best, reason="downgrade", at=now, window=window)
            counts["downgraded"] += 1
    session.flush()
    return counts


def upgrade_many(
    session: Session,
    *,
    programme: LoyaltyProgramme,
    tier_of: dict[str, str],
    now: datetime,
    known: dict[str, Standing] | None = None,
) -> int:
    """`upgrade` for a batch (member -> current tier), in bulk statements; objects loaded before are expired.
    `known` gives the standing of members whose whole ledger the caller holds (enrolled by the batch)."""
    from tajriba.db import bulk

    ladder = tiers_of(session, programme.workspace_id)
    if len(ladder) < 2 or not tier_of:
        return 0
    rank = {t.key: t.rank for t in ladder}
    window = programme.qualification_days
    known = known or {}
    standings = dict(known)
    standings.update(
        qualifying(
            session,
            workspace_id=programme.workspace_id,
            as_of=now,
            window_days=window,
            customer_ids=[c for c in tier_of if c not in known],
        )
        if len(known) < len(tier_of)
        else {}
    )
    moves = []
    for cid, standing in standings.items():
        best = qualified_tier(ladder, standing)
        if best.rank > rank.get(tier_of.get(cid, ""), 0):
            moves.append((cid, tier_of[cid], best.key))
    if not moves:
        return 0
    moved = pd.DataFrame(moves, columns=["customer_id", "from_tier", "tier"]).assign(
        workspace_id=programme.workspace_id,
        tier_since=now,
        review_at=now + timedelta(days=window),
        grace_until=None,
    )
    bulk.update(
        session,
        "loyalty_members",
        moved[["workspace_id", "customer_id", "tier", "tier_since", "review_at", "grace_until"]],
        keys=("workspace_id", "customer_id"),
        datetimes=("tier_since", "review_at", "grace_until"),
    )
    changes = (
        moved[["customer_id", "from_tier", "tier"]]
        .rename(columns={"tier": "to_tier"})
        .assign(workspace_id=programme.workspace_id, reason="upgrade", at=now)
    )
    bulk.write(session, "loyalty_tier_changes", changes, datetimes=("at",), conflict=("id",))
    session.expire_all()  # members loaded earlier in this session read their new tier again
    return len(moves)
