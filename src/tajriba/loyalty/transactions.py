"""One transaction at a time, under the member's lock: earn for an order or an event, redeem, adjust, reverse.

These serve the API (`/api/v1/loyalty/transactions`), the pages and the jobs; the batch path is `earning`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.loyalty import ledger, members
from tajriba.models.accounts import Workspace
from tajriba.models.loyalty import LoyaltyMember, LoyaltyProgramme, LoyaltyRule, LoyaltyTransfer

T = LoyaltyTransfer


def earn_order(
    session: Session,
    *,
    workspace: Workspace,
    programme: LoyaltyProgramme,
    customer_id: str,
    order_id: str,
    amount: float,
    ordered_at: datetime,
    now: datetime,
    channel: str | None = None,
    category: str | None = None,
) -> ledger.Posted:
    """Award one order's points by the same rules, multipliers, caps and campaigns as the batch."""
    from tajriba.loyalty import earning, tiers

    key = f"order:{order_id}"
    found = ledger.find(session, workspace_id=workspace.id, key=key)
    if found:
        return ledger.replay_of(found, customer_id=customer_id, kind="earn", key=key)
    if amount < 0:
        raise Invalid(_("an order's amount cannot be negative"), field="amount")
    member = members.enrol(session, programme=programme, customer_id=customer_id, at=ordered_at)
    ledger.lock(session, member)
    at = pd.Timestamp(ordered_at).tz_convert("UTC")
    local = at.tz_convert(workspace.timezone)
    frame = pd.DataFrame(
        {
            "order_id": [order_id],
            "customer_id": [customer_id],
            "ordered_at": [at.tz_localize(None)],
            "channel": [channel],
            "category": [category],
            "amount": [float(amount)],
            "day": [local.date()],
            "month": [local.strftime("%Y-%m")],
        }
    )
    rows = earning.awards_for(session, frame, workspace, programme, {customer_id: member.tier}, now)
    ledger.insert_new(session, rows)
    stored = ledger.find(session, workspace_id=workspace.id, key=key)
    if (
        stored and stored[0].customer_id != customer_id
    ):  # a concurrent request stored the key for another member
        return ledger.replay_of(stored, customer_id=customer_id, kind="earn", key=key)
    tiers.upgrade(session, programme=programme, members=[member], now=now)
    return ledger.Posted(key=key, rows=stored)


def earn_bonus(
    session: Session,
    *,
    programme: LoyaltyProgramme,
    rule: LoyaltyRule,
    customer_id: str,
    key: str,
    at: datetime,
    now: datetime,
) -> ledger.Posted | None:
    """Award a bonus rule's points (a review, a survey answer, a referral, a birthday), once per member when the
    rule says so; None when it does not apply."""
    if not rule.active or rule.points <= 0:
        return None
    member = members.enrol(session, programme=programme, customer_id=customer_id, at=at)
    ledger.lock(session, member)
    if rule.once:
        key = f"rule:{rule.id}:{customer_id}"
    return ledger.award(
        session,
        member=member,
        key=key,
        points=rule.points,
        reason=f"rule:{rule.id}",
        kind="bonus",
        occurred_at=at,
        expires_at=at + timedelta(days=programme.expiry_days),
    )


def redeem(
    session: Session,
    *,
    programme: LoyaltyProgramme,
    member: LoyaltyMember,
    points: int,
    key: str,
    reason: str,
    now: datetime,
) -> ledger.Posted:
    """Spend the member's points, oldest-expiring first; more than the balance is refused (409)."""
    ledger.lock(session, member)
    ledger.expire_due(session, workspace_id=member.workspace_id, customer_id=member.customer_id, now=now)
    return ledger.draw(
        session,
        member=member,
        key=key,
        points=points,
        kind="redeem",
        credit=ledger.REDEEMED,
        reason=reason,
        occurred_at=now,
        now=now,
    )


def adjust(
    session: Session,
    *,
    programme: LoyaltyProgramme,
    member: LoyaltyMember,
    points: int,
    key: str,
    reason: str,
    now: datetime,
) -> ledger.Posted:
    """Correct a balance by hand: points above 0 are a new lot, below 0 are taken oldest-expiring first."""
    if points == 0:
        raise Invalid(_("an adjustment must add or take at least one point"), field="points")
    ledger.lock(session, member)
    if points > 0:
        return ledger.award(
            session,
            member=member,
            key=key,
            points=points,
            reason=reason,
            kind="adjust",
            occurred_at=now,
            expires_at=now + timedelta(days=programme.expiry_days),
        )
    ledger.expire_due(session, workspace_id=member.workspace_id, customer_id=member.customer_id, now=now)
    return ledger.draw(
        session,
        member=member,
        key=key,
        points=-points,
        kind="adjust",
        credit=ledger.PROGRAMME,
        reason=reason,
        occurred_at=now,
        now=now,
    )


def reverse_order(
    session: Session, *, workspace_id: int, order_id: str, refunded: float | None, tag: str, now: datetime
) -> ledger.Posted | None:
    """Take back the points an order earned (all of them, or the refunded share of its amount): from the order's
    own lots first, then the oldest-expiring others; what was already spent is the shortfall. None when the
    order earned nothing or is reversed in full already."""
    awards = ledger.find(session, workspace_id=workspace_id, key=f"order:{order_id}")
    if not awards:
        return None
    key = f"reverse:{order_id}:{tag}"
    found = ledger.find(session, workspace_id=workspace_id, key=key)
    if found:
        return ledger.Posted(key=key, rows=found, replay=True)
    customer_id = awards[0].customer_id
    member = members.get_member(session, workspace_id=workspace_id, customer_id=customer_id)
    ledger.lock(session, member)
    earned = sum(a.points for a in awards)
    spend = sum((a.spend or Decimal(0)) for a in awards)
    done = session.scalar(
        select(func.coalesce(func.sum(T.points), 0)).where(
            T.workspace_id == workspace_id,
            T.customer_id == customer_id,
            T.kind == "reverse",
            T.reason == f"order:{order_id}",
        )
    )
    share = 1.0 if refunded is None or not spend else min(1.0, refunded / float(spend))
    wanted = min(round(earned * share), earned - int(done or 0))
    if wanted <= 0:
        return None
    posted = ledger.draw(
        session,
        member=member,
        key=key,
        points=wanted,
        kind="reverse",
        credit=ledger.PROGRAMME,
        reason=f"order:{order_id}",
        occurred_at=now,
        now=now,
        first=tuple(a.id for a in awards),
        partial=True,
    )
    if posted.rows:
        posted.rows[0].spend = -Decimal(str(round(float(spend) * share, 4)))
        if posted.shortfall:
            posted.rows[0].note = f"unrecovered:{posted.shortfall}"
        session.flush()
    return posted
