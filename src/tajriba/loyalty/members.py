"""The programme and its members: set-up with sensible defaults, enrolment, referral codes."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tajriba.db import bulk
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
    return new_codes(1)[0]


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


def new_codes(n: int) -> list[str]:
    """`n` random referral codes (10 characters of CODE_ALPHABET: a collision among a million is ~1 in 2,000)."""
    raw = np.frombuffer(secrets.token_bytes(10 * n), dtype=np.uint8).reshape(n, 10) % len(CODE_ALPHABET)
    letters = np.array(list(CODE_ALPHABET))
    return ["".join(row) for row in letters[raw]]


def enrol_many(
    session: Session, *, programme: LoyaltyProgramme, first_seen: pd.Series, create: bool = True
) -> tuple[dict[str, str], set[str]]:
    """The tier of each given customer who is a member, after enrolling (with `create`, in bulk) those who are
    not yet, as of their time in `first_seen` (customer id -> naive UTC timestamp); and those enrolled now."""
    ws = programme.workspace_id
    tier_of: dict[str, str] = {}
    if session.scalar(select(LoyaltyMember.id).where(LoyaltyMember.workspace_id == ws).limit(1)) is not None:
        ids = first_seen.index.tolist()
        for start in range(0, len(ids), 5000):
            rows = session.execute(
                select(LoyaltyMember.customer_id, LoyaltyMember.tier).where(
                    LoyaltyMember.workspace_id == ws, LoyaltyMember.customer_id.in_(ids[start : start + 5000])
                )
            )
            tier_of.update((c, t) for c, t in rows)
    new = first_seen[~first_seen.index.isin(list(tier_of))] if create else first_seen.iloc[:0]
    if len(new):
        base = tiers_of(session, ws)[0].key
        at = pd.to_datetime(new.to_numpy())
        window = pd.Timedelta(days=programme.qualification_days)
        members = pd.DataFrame(
            {
                "workspace_id": ws,
                "customer_id": new.index,
                "code": new_codes(len(new)),
                "tier": base,
                "tier_since": at,
                "review_at": at + window,
                "joined_at": at,
            }
        )
        bulk.write(
            session,
            "loyalty_members",
            members,
            datetimes=("tier_since", "review_at", "joined_at"),
            conflict=("workspace_id", "customer_id"),
        )
        changes = pd.DataFrame(
            {
                "workspace_id": ws,
                "customer_id": new.index,
                "from_tier": None,
                "to_tier": base,
                "reason": "joined",
                "at": at,
            }
        )
        bulk.write(session, "loyalty_tier_changes", changes, datetimes=("at",), conflict=("id",))
        tier_of.update((c, base) for c in new.index)
    return tier_of, set(new.index)
