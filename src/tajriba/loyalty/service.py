"""Loyalty: what the API, the pages, the jobs and other domains call (docs/loyalty.md).

The ledger's rules are in `ledger`, batch earning in `earning`, tiers in `tiers`, rewards in `rewards`, the
programme's figures in `dashboard`; this module puts them together per use.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.errors import Invalid, NotFound
from tajriba.i18n import _
from tajriba.loyalty import ledger, rewards, tiers, transactions
from tajriba.loyalty.earning import Earned as Earned
from tajriba.loyalty.earning import earn_orders as earn_orders
from tajriba.loyalty.members import enrol as _enrol
from tajriba.loyalty.members import get_member as get_member
from tajriba.loyalty.members import programme_of as programme_of
from tajriba.loyalty.members import start_programme as start_programme
from tajriba.loyalty.seasons import SEASONS as SEASONS
from tajriba.loyalty.seasons import season_days as season_days
from tajriba.loyalty.transactions import adjust as adjust
from tajriba.loyalty.transactions import earn_order as earn_order
from tajriba.loyalty.transactions import redeem as redeem
from tajriba.loyalty.transactions import reverse_order as reverse_order
from tajriba.models.accounts import Workspace
from tajriba.models.loyalty import (
    LoyaltyCampaign,
    LoyaltyMember,
    LoyaltyProgramme,
    LoyaltyRule,
    LoyaltyTransfer,
)

T = LoyaltyTransfer
balance = ledger.balance
expire_due = ledger.expire_due
catalogue = rewards.catalogue
create_reward = rewards.create_reward
redeem_reward = rewards.redeem_reward
use_voucher = rewards.use_voucher


def bonus_rule(session: Session, *, workspace_id: int, trigger: str) -> LoyaltyRule | None:
    """The active bonus rule for a trigger (review, survey, referral, birthday), if the programme has one."""
    return session.scalar(
        select(LoyaltyRule)
        .where(LoyaltyRule.workspace_id == workspace_id, LoyaltyRule.trigger == trigger, LoyaltyRule.active)
        .order_by(LoyaltyRule.id)
        .limit(1)
    )


def enrol(
    session: Session,
    *,
    programme: LoyaltyProgramme,
    customer_id: str,
    now: datetime,
    referral_code: str | None = None,
    birthday: Any = None,
) -> LoyaltyMember:
    """Enrol a customer; with a referral code, both the new member and the referrer earn the referral bonus."""
    existing = session.scalar(
        select(LoyaltyMember).where(
            LoyaltyMember.workspace_id == programme.workspace_id, LoyaltyMember.customer_id == customer_id
        )
    )
    if existing is not None:
        return existing
    member = _enrol(
        session,
        programme=programme,
        customer_id=customer_id,
        at=now,
        referral_code=referral_code,
        birthday=birthday,
    )
    rule = bonus_rule(session, workspace_id=programme.workspace_id, trigger="referral")
    if member.referred_by and rule is not None:
        for who, side in ((member.referred_by, "referrer"), (customer_id, "referee")):
            transactions.earn_bonus(
                session,
                programme=programme,
                rule=rule,
                customer_id=who,
                key=f"referral:{customer_id}:{side}",
                at=now,
                now=now,
            )
    return member


def history(
    session: Session, *, workspace_id: int, customer_id: str, limit: int = 50
) -> list[dict[str, Any]]:
    """The member's transactions, newest first: key, kind, reason, change to the balance, when, expiry."""
    rows = session.scalars(
        select(T)
        .where(T.workspace_id == workspace_id, T.customer_id == customer_id)
        .order_by(T.occurred_at.desc(), T.id.desc())
        .limit(limit * 4)
    ).all()
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        item = out.setdefault(
            r.key,
            {
                "key": r.key,
                "kind": r.kind,
                "reason": r.reason,
                "points": 0,
                "occurred_at": r.occurred_at,
                "expires_at": r.expires_at if r.lot_id is None else None,
                "note": r.note,
            },
        )
        item["points"] += r.points if r.credit == ledger.MEMBER else -r.points
    return list(out.values())[:limit]


def member_summary(session: Session, *, member: LoyaltyMember, now: datetime) -> dict[str, Any]:
    """Balance, tier (with its standing and the next tier's threshold), expiring points and history."""
    programme = programme_of(session, member.workspace_id)
    ws = member.workspace_id
    all_tiers = tiers.tiers_of(session, ws)
    standing = tiers.qualifying(
        session,
        workspace_id=ws,
        as_of=now,
        window_days=programme.qualification_days,
        customer_ids=[member.customer_id],
    ).get(member.customer_id, tiers.Standing(0, 0))  # type: ignore[arg-type]
    current = next((t for t in all_tiers if t.key == member.tier), all_tiers[0])
    higher = [t for t in all_tiers if t.rank > current.rank]
    open_lots = ledger.lots(session, workspace_id=ws, customer_id=member.customer_id, as_of=now)
    return {
        "customer_id": member.customer_id,
        "balance": sum(lot.remaining for lot in open_lots),
        "value": round(sum(lot.remaining for lot in open_lots) * programme.point_value, 2),
        "currency": programme.currency,
        "tier": {
            "key": current.key,
            "name": current.name,
            "since": member.tier_since,
            "benefits": current.benefits,
        },
        "next_tier": (
            {
                "key": higher[0].key,
                "name": higher[0].name,
                "min_points": higher[0].min_points,
                "min_spend": higher[0].min_spend,
            }
            if higher
            else None
        ),
        "qualifying_points": standing.points,
        "qualifying_spend": standing.spend,
        "review_at": member.review_at,
        "grace_until": member.grace_until,
        "referral_code": member.code,
        "joined_at": member.joined_at,
        "expiring": [{"points": lot.remaining, "expires_at": lot.expires_at} for lot in open_lots[:5]],
        "history": history(session, workspace_id=ws, customer_id=member.customer_id),
    }


def transact(session: Session, *, workspace: Workspace, data: Any, now: datetime) -> ledger.Posted:
    """One API transaction (schemas.TransactionCreate): earn (an order or a bonus), redeem or adjust."""
    programme = programme_of(session, workspace.id)
    if data.kind == "earn":
        if data.order_id is None:
            raise Invalid(_("an earn transaction names its order_id and amount"), field="order_id")
        return earn_order(
            session,
            workspace=workspace,
            programme=programme,
            customer_id=data.customer_id,
            order_id=data.order_id,
            amount=float(data.amount),
            ordered_at=data.occurred_at or now,
            now=now,
            channel=data.channel,
            category=data.category,
        )
    member = get_member(session, workspace_id=workspace.id, customer_id=data.customer_id)
    act = redeem if data.kind == "redeem" else adjust
    return act(
        session,
        programme=programme,
        member=member,
        points=data.points,
        key=data.key,
        reason=data.reason,
        now=now,
    )


def transaction_answer(session: Session, *, posted: ledger.Posted, now: datetime) -> dict[str, Any]:
    """What the API returns for a transaction: its legs, the change, and the balance after it."""
    rows = posted.rows
    cid = rows[0].customer_id if rows else ""
    ws = rows[0].workspace_id if rows else 0
    return {
        "key": posted.key,
        "customer_id": cid,
        "kind": rows[0].kind if rows else "reverse",
        "points": posted.points,
        "replay": posted.replay,
        "shortfall": posted.shortfall,
        "balance": balance(session, workspace_id=ws, customer_id=cid, as_of=now) if rows else 0,
        "legs": [
            {
                "leg": r.leg,
                "debit": r.debit,
                "credit": r.credit,
                "points": r.points,
                "reason": r.reason,
                "expires_at": r.expires_at,
            }
            for r in rows
        ],
    }


def create_campaign(session: Session, *, workspace_id: int, data: Any) -> LoyaltyCampaign:
    """A campaign over its dates, or its season's in `year` (Hijri seasons: the Gregorian or the Hijri year)."""
    programme_of(session, workspace_id)
    starts, ends = data.starts_on, data.ends_on
    if data.season is not None and (starts is None or ends is None):
        starts, ends = season_days(data.season, data.year)
    if ends < starts:
        raise Invalid(_("a campaign ends on or after the day it starts"), field="ends_on")
    campaign = LoyaltyCampaign(
        workspace_id=workspace_id,
        name=data.name,
        season=data.season,
        starts_on=starts,
        ends_on=ends,
        multiplier=data.multiplier,
        bonus_points=data.bonus_points,
        min_amount=data.min_amount,
        cap_points=data.cap_points,
        holdout_share=data.holdout_share,
    )
    session.add(campaign)
    session.flush()
    return campaign


def campaigns(session: Session, *, workspace_id: int) -> list[LoyaltyCampaign]:
    return list(
        session.scalars(
            select(LoyaltyCampaign)
            .where(LoyaltyCampaign.workspace_id == workspace_id)
            .order_by(LoyaltyCampaign.starts_on.desc())
        )
    )


def get_campaign(session: Session, *, workspace_id: int, campaign_id: int) -> LoyaltyCampaign:
    found = session.scalar(
        select(LoyaltyCampaign).where(
            LoyaltyCampaign.workspace_id == workspace_id, LoyaltyCampaign.id == campaign_id
        )
    )
    if found is None:
        raise NotFound(_("no campaign {id}").format(id=campaign_id), code="no_campaign")
    return found


def profile_section(
    session: Session,
    wh: object,
    *,
    workspace_id: int,
    customer_id: str,
    locale: str,
    can: Any,
) -> dict[str, object]:
    """What a customer's page shows from the programme: balance, tier, expiring points, history, latest offer."""
    from tajriba.loyalty.actions import ACTION_LABELS
    from tajriba.loyalty.schemas import KIND_LABELS
    from tajriba.models.base import utcnow
    from tajriba.models.loyalty import Offer

    allowed = can("loyalty:members")
    member = session.scalar(
        select(LoyaltyMember).where(
            LoyaltyMember.workspace_id == workspace_id, LoyaltyMember.customer_id == customer_id
        )
    )
    if not allowed or member is None:
        return {"loyalty": None}
    offer = session.scalar(
        select(Offer)
        .where(Offer.workspace_id == workspace_id, Offer.customer_id == customer_id)
        .order_by(Offer.id.desc())
        .limit(1)
    )
    return {
        "loyalty": member_summary(session, member=member, now=utcnow()),
        "loyalty_offer": offer,
        "loyalty_kinds": KIND_LABELS,
        "loyalty_actions": ACTION_LABELS,
    }


def _personal_models() -> list[Any]:
    from tajriba.models.loyalty import LoyaltyNotice, LoyaltyTierChange, LoyaltyVoucher, Offer

    return [LoyaltyMember, LoyaltyTransfer, LoyaltyVoucher, LoyaltyNotice, LoyaltyTierChange, Offer]


def customer_rows(
    session: Session, *, workspace_id: int, customer_id: str
) -> dict[str, list[dict[str, Any]]]:
    """Everything the programme holds about one customer, table by table (a data-subject access export); tables
    without a row of theirs are left out."""
    out: dict[str, list[dict[str, Any]]] = {}
    for model in _personal_models():
        rows = session.scalars(
            select(model).where(model.workspace_id == workspace_id, model.customer_id == customer_id)
        )
        found = [{c.name: getattr(r, c.key) for c in model.__table__.columns} for r in rows]
        if found:
            out[model.__tablename__] = found
    return out


def erase_customers(session: Session, *, workspace_id: int, customer_ids: list[str]) -> dict[str, int]:
    """Delete the programme's rows of these customers (an erasure); members they referred keep no trace of them.
    Each ledger row is a whole transfer, so what remains still balances."""
    from sqlalchemy import delete, update

    counts: dict[str, int] = {}
    for model in _personal_models():
        result = session.execute(
            delete(model).where(model.workspace_id == workspace_id, model.customer_id.in_(customer_ids))
        )
        counts[model.__tablename__] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    session.execute(
        update(LoyaltyMember)
        .where(LoyaltyMember.workspace_id == workspace_id, LoyaltyMember.referred_by.in_(customer_ids))
        .values(referred_by=None)
    )
    session.flush()
    return counts
