"""The rewards catalogue: redeeming points for a reward issues a voucher with a code, within the reward's stock,
its limit per member and its minimum tier. Stock left is what the stock allows less the vouchers issued (counted,
never a stored number); the reward's row lock makes two redemptions of the last one take turns."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tajriba.errors import Conflict, Invalid, NotFound
from tajriba.i18n import _
from tajriba.loyalty import ledger, tiers, transactions
from tajriba.models.loyalty import LoyaltyMember, LoyaltyProgramme, LoyaltyReward, LoyaltyVoucher

V = LoyaltyVoucher
VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def get_reward(session: Session, *, workspace_id: int, reward_id: int, lock: bool = False) -> LoyaltyReward:
    query = select(LoyaltyReward).where(
        LoyaltyReward.workspace_id == workspace_id, LoyaltyReward.id == reward_id
    )
    found = session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound(_("no reward {id}").format(id=reward_id), code="no_reward")
    return found


def issued(session: Session, reward_ids: list[int]) -> dict[int, int]:
    """Vouchers issued per reward."""
    if not reward_ids:
        return {}
    rows = session.execute(
        select(V.reward_id, func.count()).where(V.reward_id.in_(reward_ids)).group_by(V.reward_id)
    )
    return {int(r): int(n) for r, n in rows}


def catalogue(session: Session, *, workspace_id: int, active_only: bool = True) -> list[dict[str, Any]]:
    """The rewards with the stock left, cheapest first."""
    query = select(LoyaltyReward).where(LoyaltyReward.workspace_id == workspace_id)
    if active_only:
        query = query.where(LoyaltyReward.active)
    rewards = list(session.scalars(query.order_by(LoyaltyReward.points, LoyaltyReward.id)))
    counts = issued(session, [r.id for r in rewards])
    return [
        {
            "id": r.id,
            "name": r.name,
            "description": r.description,
            "points": r.points,
            "value": r.value,
            "min_tier": r.min_tier,
            "per_member": r.per_member,
            "valid_days": r.valid_days,
            "active": r.active,
            "issued": counts.get(r.id, 0),
            "stock_left": None if r.stock is None else max(0, r.stock - counts.get(r.id, 0)),
        }
        for r in rewards
    ]


def create_reward(session: Session, *, workspace_id: int, data: Any) -> LoyaltyReward:
    reward = LoyaltyReward(workspace_id=workspace_id, **data.model_dump())
    session.add(reward)
    session.flush()
    return reward


def _voucher_code() -> str:
    return "-".join("".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(4)) for _ in range(3))


def _check(session: Session, reward: LoyaltyReward, member: LoyaltyMember) -> None:
    """Refuse a reward no longer offered, above the member's tier, out of stock, or at the member's limit."""
    ws = member.workspace_id
    if not reward.active:
        raise Conflict(
            _("the reward {name} is no longer offered").format(name=reward.name), code="reward_inactive"
        )
    if reward.min_tier is not None:
        ranks = {t.key: t.rank for t in tiers.tiers_of(session, ws)}
        if ranks.get(member.tier, 0) < ranks.get(reward.min_tier, 0):
            raise Conflict(
                _("the reward {name} is for members from the {tier} tier").format(
                    name=reward.name, tier=reward.min_tier
                ),
                code="tier_too_low",
            )
    if reward.stock is not None and issued(session, [reward.id]).get(reward.id, 0) >= reward.stock:
        raise Conflict(_("the reward {name} is out of stock").format(name=reward.name), code="out_of_stock")
    if reward.per_member is not None:
        mine = session.scalar(
            select(func.count()).where(V.reward_id == reward.id, V.customer_id == member.customer_id)
        )
        if (mine or 0) >= reward.per_member:
            raise Conflict(
                _("a member may redeem {name} {n} times").format(name=reward.name, n=reward.per_member),
                code="limit_reached",
            )


def redeem_reward(
    session: Session,
    *,
    programme: LoyaltyProgramme,
    member: LoyaltyMember,
    reward_id: int,
    key: str,
    now: datetime,
) -> tuple[LoyaltyVoucher, ledger.Posted]:
    """Spend the reward's points and issue its voucher; the same key returns the same voucher."""
    ws = member.workspace_id
    previous = session.scalar(select(V).where(V.workspace_id == ws, V.transfer_key == key))
    if previous is not None:
        if previous.customer_id != member.customer_id or previous.reward_id != reward_id:
            raise Conflict(
                _("the key {key} was already used for another transaction").format(key=key), code="key_reused"
            )
        return previous, ledger.Posted(
            key=key, rows=ledger.find(session, workspace_id=ws, key=key), replay=True
        )
    reward = get_reward(session, workspace_id=ws, reward_id=reward_id, lock=True)
    _check(session, reward, member)
    posted = transactions.redeem(
        session,
        programme=programme,
        member=member,
        points=reward.points,
        key=key,
        reason=f"reward:{reward.id}",
        now=now,
    )
    voucher = V(
        workspace_id=ws,
        reward_id=reward.id,
        customer_id=member.customer_id,
        code=_voucher_code(),
        transfer_key=key,
        issued_at=now,
        expires_at=now + timedelta(days=reward.valid_days),
    )
    session.add(voucher)
    session.flush()
    return voucher, posted


def use_voucher(session: Session, *, workspace_id: int, code: str, now: datetime) -> LoyaltyVoucher:
    """Mark a voucher used at checkout (once, before it expires)."""
    voucher = session.scalar(
        select(V).where(V.workspace_id == workspace_id, V.code == code.upper()).with_for_update()
    )
    if voucher is None:
        raise NotFound(_("no voucher {code}").format(code=code), code="no_voucher")
    if voucher.used_at is not None:
        raise Conflict(_("the voucher {code} was already used").format(code=code), code="voucher_used")
    if voucher.expires_at <= now:
        raise Invalid(_("the voucher {code} has expired").format(code=code), field="code")
    voucher.used_at = now
    session.flush()
    return voucher
