"""`/api/v1/loyalty`: members, transactions, rewards and vouchers, campaigns, the programme's figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tajriba.loyalty import actions, dashboard, service
from tajriba.loyalty.schemas import (
    CampaignCreate,
    CampaignRead,
    MemberCreate,
    MemberRead,
    OfferBatchCreate,
    OfferBatchRead,
    ProgrammeRead,
    RedemptionCreate,
    RewardCreate,
    RewardRead,
    TransactionCreate,
    TransactionRead,
    VoucherRead,
    VoucherUsed,
)
from tajriba.models.base import utcnow
from tajriba.web.deps import DB, Context, RequireKey, WarehouseDep

router = APIRouter(prefix="/api/v1/loyalty", tags=["loyalty"])
Read = Annotated[Context, Depends(RequireKey("loyalty:read"))]
Members = Annotated[Context, Depends(RequireKey("loyalty:members"))]
Transact = Annotated[Context, Depends(RequireKey("loyalty:transact"))]
Manage = Annotated[Context, Depends(RequireKey("loyalty:manage"))]


@router.get("/members/{customer_id}")
def get_member(db: DB, ctx: Members, customer_id: str) -> MemberRead:
    """A member's balance (points in lots not yet expired), tier and standing, expiring points and history."""
    member = service.get_member(db, workspace_id=ctx.workspace.id, customer_id=customer_id)
    return MemberRead.model_validate(service.member_summary(db, member=member, now=utcnow()))


@router.post("/members", status_code=201)
def enrol(db: DB, ctx: Transact, body: MemberCreate) -> MemberRead:
    """Enrol a customer (an existing member is returned as is); a referral code pays both the referral bonus."""
    now = utcnow()
    programme = service.programme_of(db, ctx.workspace.id)
    member = service.enrol(
        db,
        programme=programme,
        customer_id=body.customer_id,
        now=now,
        referral_code=body.referral_code,
        birthday=body.birthday,
    )
    return MemberRead.model_validate(service.member_summary(db, member=member, now=now))


@router.post("/transactions")
def transact(db: DB, ctx: Transact, body: TransactionCreate) -> TransactionRead:
    """Earn for an order, redeem or adjust points. Idempotent by `key`: a replay returns the first answer's
    legs with `replay: true`; a key reused for something else is a 409."""
    now = utcnow()
    posted = service.transact(db, workspace=ctx.workspace, data=body, now=now)
    return TransactionRead.model_validate(service.transaction_answer(db, posted=posted, now=now))


@router.get("/rewards")
def list_rewards(db: DB, ctx: Read, include_inactive: bool = Query(False)) -> list[RewardRead]:
    """The rewards catalogue with the stock left."""
    items = service.catalogue(db, workspace_id=ctx.workspace.id, active_only=not include_inactive)
    return [RewardRead.model_validate(r) for r in items]


@router.post("/rewards", status_code=201)
def create_reward(db: DB, ctx: Manage, body: RewardCreate) -> RewardRead:
    service.programme_of(db, ctx.workspace.id)
    reward = service.create_reward(db, workspace_id=ctx.workspace.id, data=body)
    return RewardRead.model_validate(
        next(
            r
            for r in service.catalogue(db, workspace_id=ctx.workspace.id, active_only=False)
            if r["id"] == reward.id
        )
    )


@router.post("/rewards/{reward_id}/redemptions", status_code=201)
def redeem_reward(db: DB, ctx: Transact, reward_id: int, body: RedemptionCreate) -> VoucherRead:
    """Spend a member's points on a reward and issue its voucher (idempotent by `key`)."""
    now = utcnow()
    programme = service.programme_of(db, ctx.workspace.id)
    member = service.get_member(db, workspace_id=ctx.workspace.id, customer_id=body.customer_id)
    voucher, posted = service.redeem_reward(
        db, programme=programme, member=member, reward_id=reward_id, key=body.key, now=now
    )
    return VoucherRead(
        code=voucher.code,
        reward_id=voucher.reward_id,
        customer_id=voucher.customer_id,
        issued_at=voucher.issued_at,
        expires_at=voucher.expires_at,
        used_at=voucher.used_at,
        points=posted.points,
        replay=posted.replay,
        balance=service.balance(db, workspace_id=ctx.workspace.id, customer_id=member.customer_id, as_of=now),
    )


@router.post("/vouchers/{code}/use")
def use_voucher(db: DB, ctx: Transact, code: str) -> VoucherUsed:
    """Mark a voucher used at checkout; a used or expired voucher is refused."""
    voucher = service.use_voucher(db, workspace_id=ctx.workspace.id, code=code, now=utcnow())
    assert voucher.used_at is not None
    return VoucherUsed(code=voucher.code, used_at=voucher.used_at, reward_id=voucher.reward_id)


@router.get("/campaigns")
def list_campaigns(db: DB, ctx: Read) -> list[CampaignRead]:
    return [
        CampaignRead.model_validate(c, from_attributes=True)
        for c in service.campaigns(db, workspace_id=ctx.workspace.id)
    ]


@router.post("/campaigns", status_code=201)
def create_campaign(db: DB, ctx: Manage, body: CampaignCreate) -> CampaignRead:
    """A campaign by dates or by season ("ramadan" and a year: the dates come from the Umm al-Qura calendar)."""
    campaign = service.create_campaign(db, workspace_id=ctx.workspace.id, data=body)
    return CampaignRead.model_validate(campaign, from_attributes=True)


@router.get("/programme")
def programme_figures(db: DB, wh: WarehouseDep, ctx: Read) -> ProgrammeRead:
    """Members, active share, points liability with expected breakage, redemption rate, tier movement, and each
    campaign's lift against its holdout."""
    return ProgrammeRead.model_validate(dashboard.figures(db, wh, workspace=ctx.workspace, now=utcnow()))


@router.post("/offer-batches", status_code=201)
def create_offer_batch(db: DB, wh: WarehouseDep, ctx: Manage, body: OfferBatchCreate) -> OfferBatchRead:
    """Choose every member's next-best action now (consent per channel respected; a random holdout kept)."""
    now = utcnow()
    service.programme_of(db, ctx.workspace.id)
    batch = actions.create_batch(
        db, wh, workspace=ctx.workspace, name=body.name, channel=body.channel, now=now,
        holdout_share=body.holdout_share, cost_per_offer=float(body.cost_per_offer),
    )  # fmt: skip
    return OfferBatchRead.model_validate(
        actions.batch_page(db, wh, batch=batch, now=now, limit=100, offset=0)
    )


@router.get("/offer-batches/{batch_id}")
def get_offer_batch(
    db: DB,
    wh: WarehouseDep,
    ctx: Members,
    batch_id: int,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> OfferBatchRead:
    """A batch's actions, its lift against the holdout so far, and a page of the offers to send."""
    batch = actions.get_batch(db, workspace_id=ctx.workspace.id, batch_id=batch_id)
    page = actions.batch_page(db, wh, batch=batch, now=utcnow(), limit=limit, offset=offset)
    return OfferBatchRead.model_validate(page)
