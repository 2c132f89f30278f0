"""The programme and its members: set-up with sensible defaults, enrolment, referral codes."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tajriba.errors import Invalid, NotFound
from tajriba.i18n import N_, _
from tajriba.loyalty.tiers import tiers_of
from tajriba.models.loyalty import (
    LoyaltyMember,
    LoyaltyProgramme,
    LoyaltyRule,
    LoyaltyTier,
    LoyaltyTierChange,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
# the tiers and rules a new programme starts with (editable): points per riyal, bonuses, four tiers
DEFAULT_TIERS: tuple[tuple[str, str, int, int | None, Decimal | None, float, list[str]], ...] = (
    ("blue", N_("Blue"), 0, None, None, 1.0, []),
    ("silver", N_("Silver"), 1, 2000, Decimal(2000), 1.25, ["priority_support"]),
    ("gold", N_("Gold"), 2, 6000, Decimal(6000), 1.5, ["priority_support", "free_delivery"]),
    (
        "platinum",
        N_("Platinum"),
        3,
        15000,
        Decimal(15000),
        2.0,
        ["priority_support", "free_delivery", "personal_shopper"],
    ),
)
DEFAULT_RULES = (
    ("Points per riyal", "order", 1.0, 0, False),
    ("First review", "review", 0.0, 100, True),
    ("Survey answered", "survey", 0.0, 20, False),
    ("Referral", "referral", 0.0, 300, False),
    ("Birthday", "birthday", 0.0, 200, False),
)


def programme_of(session: Session, workspace_id: int) -> LoyaltyProgramme:
    """The workspace's programme (404 when it has none)."""
    found = session.scalar(select(LoyaltyProgramme).where(LoyaltyProgramme.workspace_id == workspace_id))
    if found is None:
        raise NotFound(_("this workspace has no loyalty programme yet"), code="no_programme")
    return found


def start_programme(
    session: Session, *, workspace_id: int, name: str, currency: str = "SAR", point_value: float = 0.05
) -> LoyaltyProgramme:
    """Create the workspace's programme with the default tiers and earning rules (idempotent)."""
    found = session.scalar(select(LoyaltyProgramme).where(LoyaltyProgramme.workspace_id == workspace_id))
    if found is not None:
        return found
    programme = LoyaltyProgramme(
        workspace_id=workspace_id, name=name, currency=currency, point_value=point_value
    )
    session.add(programme)
    for key, label, rank, points, spend, multiplier, benefits in DEFAULT_TIERS:
        session.add(
            LoyaltyTier(
                workspace_id=workspace_id,
                key=key,
                name=label,
                rank=rank,
                min_points=points,
                min_spend=spend,
                multiplier=multiplier,
                benefits=benefits,
            )
        )
    for label, trigger, per_unit, points, once in DEFAULT_RULES:
        session.add(
            LoyaltyRule(
                workspace_id=workspace_id,
                name=label,
                trigger=trigger,
                points_per_unit=per_unit,
                points=points,
                once=once,
            )
        )
    session.flush()
    return programme


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def get_member(session: Session, *, workspace_id: int, customer_id: str) -> LoyaltyMember:
    """The member with this customer id in this workspace (404 otherwise, also for another workspace's)."""
    found = session.scalar(
        select(LoyaltyMember).where(
            LoyaltyMember.workspace_id == workspace_id, LoyaltyMember.customer_id == customer_id
        )
    )
    if found is None:
        raise NotFound(_("no loyalty member {customer}").format(customer=customer_id), code="no_member")
    return found


def enrol(
    session: Session,
    *,
    programme: LoyaltyProgramme,
    customer_id: str,
    at: datetime,
    referral_code: str | None = None,
    birthday: date | None = None,
) -> LoyaltyMember:
    """Make the customer a member in the base tier (an existing member is returned as is)."""
    ws = programme.workspace_id
    found = session.scalar(
        select(LoyaltyMember).where(
            LoyaltyMember.workspace_id == ws, LoyaltyMember.customer_id == customer_id
        )
    )
    if found is not None:
        return found
    referrer = None
    if referral_code:
        referrer = session.scalar(
            select(LoyaltyMember).where(
                LoyaltyMember.workspace_id == ws, LoyaltyMember.code == referral_code.upper()
            )
        )
        if referrer is None:
            raise Invalid(
                _("no member has the referral code {code}").format(code=referral_code), field="referral_code"
            )
    base = tiers_of(session, ws)[0].key
    member = LoyaltyMember(
        workspace_id=ws,
        customer_id=customer_id,
        code=new_code(),
        tier=base,
        tier_since=at,
        review_at=at + timedelta(days=programme.qualification_days),
        joined_at=at,
        referred_by=referrer.customer_id if referrer is not None else None,
        birthday=birthday,
    )
    try:
        with session.begin_nested():
            session.add(member)
            session.add(
                LoyaltyTierChange(
                    workspace_id=ws, customer_id=customer_id, to_tier=base, reason="joined", at=at
                )
            )
            session.flush()
    except IntegrityError:  # enrolled by a concurrent request (PostgreSQL)
        return get_member(session, workspace_id=ws, customer_id=customer_id)
    return member


def enrol_many(
    session: Session,
    *,
    programme: LoyaltyProgramme,
    first_seen: Iterable[tuple[str, datetime]],
    create: bool = True,
) -> tuple[dict[str, LoyaltyMember], int]:
    """The members among the given customers, after enrolling (in bulk, with `create`) those who are not members
    yet at the time given; and how many were enrolled."""
    ws = programme.workspace_id
    wanted = dict(first_seen)
    members: dict[str, LoyaltyMember] = {}
    ids = sorted(wanted)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for m in session.scalars(
            select(LoyaltyMember).where(
                LoyaltyMember.workspace_id == ws, LoyaltyMember.customer_id.in_(chunk)
            )
        ):
            members[m.customer_id] = m
    base = tiers_of(session, ws)[0].key
    window = timedelta(days=programme.qualification_days)
    new = [
        LoyaltyMember(
            workspace_id=ws,
            customer_id=cid,
            code=new_code(),
            tier=base,
            tier_since=at,
            review_at=at + window,
            joined_at=at,
        )
        for cid, at in wanted.items()
        if cid not in members and create
    ]
    session.add_all(new)
    session.add_all(
        LoyaltyTierChange(
            workspace_id=ws, customer_id=m.customer_id, to_tier=base, reason="joined", at=m.joined_at
        )
        for m in new
    )
    session.flush()
    members.update((m.customer_id, m) for m in new)
    return members, len(new)
