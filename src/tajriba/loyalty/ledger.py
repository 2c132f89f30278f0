"""The points ledger: double-entry, append-only, idempotent (decision 021, docs/loyalty.md).

Accounts: `member` (one per customer: the rows' `customer_id`), `programme` (where awarded points come from and
reversed ones go back), `redeemed` and `expired`. Every row moves points between two of them; a member's balance
is what their account received minus what it gave, summed over the rows of the lots that have not expired.

A transaction's rows share its key. Posting a key that is already in the ledger posts nothing and returns what
the first posting stored (a replay), or refuses when the caller meant something else by it. Writers hold the
member's row lock (`lock`), so two requests for one member never draw from the same lot at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pandas as pd
from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tajriba.db import bulk
from tajriba.errors import Conflict, Invalid
from tajriba.i18n import _
from tajriba.models.loyalty import LoyaltyMember, LoyaltyTransfer

MEMBER, PROGRAMME, REDEEMED, EXPIRED = "member", "programme", "redeemed", "expired"
ACCOUNTS = (MEMBER, PROGRAMME, REDEEMED, EXPIRED)
KINDS = ("earn", "bonus", "redeem", "expire", "reverse", "adjust")
T = LoyaltyTransfer
_SIGNED = case((T.credit == MEMBER, T.points), else_=-T.points)


@dataclass(frozen=True)
class Lot:
    id: int
    remaining: int
    expires_at: datetime


@dataclass
class Posted:
    """A transaction as stored: its rows, and whether this call stored them or found them (a replay)."""

    key: str
    rows: list[LoyaltyTransfer]
    replay: bool = False
    shortfall: int = 0  # points a reversal could not take back (already spent)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def points(self) -> int:
        """The change to the member's balance."""
        return sum(r.points if r.credit == MEMBER else -r.points for r in self.rows)


def lock(session: Session, member: LoyaltyMember) -> LoyaltyMember:
    """Take the member's row lock (PostgreSQL; SQLite writers already hold the database's write lock)."""
    locked = session.scalar(select(LoyaltyMember).where(LoyaltyMember.id == member.id).with_for_update())
    return locked if locked is not None else member


def balance(session: Session, *, workspace_id: int, customer_id: str, as_of: datetime) -> int:
    """Points the member holds in lots that have not expired at `as_of` (one indexed sum)."""
    total = session.scalar(
        select(func.coalesce(func.sum(_SIGNED), 0)).where(
            T.workspace_id == workspace_id, T.customer_id == customer_id, T.expires_at > as_of
        )
    )
    return int(total or 0)


def lots(session: Session, *, workspace_id: int, customer_id: str, as_of: datetime) -> list[Lot]:
    """The member's lots with points left at `as_of`, the one expiring first first."""
    lot = func.coalesce(T.lot_id, T.id)
    remaining = func.sum(_SIGNED)
    rows = session.execute(
        select(lot, remaining, func.max(T.expires_at))
        .where(T.workspace_id == workspace_id, T.customer_id == customer_id, T.expires_at > as_of)
        .group_by(lot)
        .having(remaining > 0)
        .order_by(func.max(T.expires_at), lot)
    ).all()
    return [Lot(int(i), int(r), e) for i, r, e in rows]


def find(session: Session, *, workspace_id: int, key: str) -> list[LoyaltyTransfer]:
    """The rows stored under a transaction key, in leg order."""
    return list(
        session.scalars(select(T).where(T.workspace_id == workspace_id, T.key == key).order_by(T.leg))
    )


def replay_of(rows: list[LoyaltyTransfer], *, customer_id: str, kind: str, key: str) -> Posted:
    if rows[0].customer_id != customer_id or rows[0].kind != kind:
        raise Conflict(
            _("the key {key} was already used for another transaction").format(key=key),
            code="key_reused",
        )
    return Posted(key=key, rows=rows, replay=True)


def award(
    session: Session,
    *,
    member: LoyaltyMember,
    key: str,
    points: int,
    reason: str,
    occurred_at: datetime,
    expires_at: datetime,
    kind: str = "earn",
    spend: Decimal | None = None,
    note: str | None = None,
) -> Posted:
    """Give the member `points` in a new lot expiring at `expires_at` (programme -> member)."""
    if points <= 0:
        raise Invalid(_("points to award must be a whole number above 0"), field="points")
    found = find(session, workspace_id=member.workspace_id, key=key)
    if found:
        return replay_of(found, customer_id=member.customer_id, kind=kind, key=key)
    row = T(
        workspace_id=member.workspace_id,
        key=key,
        leg=0,
        customer_id=member.customer_id,
        kind=kind,
        debit=PROGRAMME,
        credit=MEMBER,
        points=points,
        expires_at=expires_at,
        reason=reason,
        spend=spend,
        note=note,
        occurred_at=occurred_at,
    )
    return _store(session, [row], member=member, kind=kind, key=key)


def _store(
    session: Session, rows: list[LoyaltyTransfer], *, member: LoyaltyMember, kind: str, key: str
) -> Posted:
    """Add the rows; when a concurrent writer stored the same key first (PostgreSQL: another member's lock),
    answer as for a replay."""
    try:
        with session.begin_nested():
            session.add_all(rows)
            session.flush()
    except IntegrityError:
        return replay_of(
            find(session, workspace_id=member.workspace_id, key=key),
            customer_id=member.customer_id,
            kind=kind,
            key=key,
        )
    return Posted(key=key, rows=rows)


def _draw_rows(
    member: LoyaltyMember,
    key: str,
    taken: list[tuple[Lot, int]],
    *,
    kind: str,
    credit: str,
    reason: str,
    occurred_at: datetime,
    note: str | None,
) -> list[LoyaltyTransfer]:
    return [
        T(
            workspace_id=member.workspace_id,
            key=key,
            leg=leg,
            customer_id=member.customer_id,
            kind=kind,
            debit=MEMBER,
            credit=credit,
            points=n,
            lot_id=lot.id,
            expires_at=lot.expires_at,
            reason=reason,
            note=note,
            occurred_at=occurred_at,
        )
        for leg, (lot, n) in enumerate(taken)
    ]


def take(
    open_lots: list[Lot], points: int, *, first: tuple[int, ...] = ()
) -> tuple[list[tuple[Lot, int]], int]:
    """Split `points` over the lots: the lots in `first` before the others, each in the order given (oldest
    expiry first); return the draws and what the lots could not cover."""
    ordered = [lot for lot in open_lots if lot.id in first] + [
        lot for lot in open_lots if lot.id not in first
    ]
    draws: list[tuple[Lot, int]] = []
    left = points
    for lot in ordered:
        if left <= 0:
            break
        n = min(lot.remaining, left)
        draws.append((lot, n))
        left -= n
    return draws, left


def draw(
    session: Session,
    *,
    member: LoyaltyMember,
    key: str,
    points: int,
    kind: str,
    credit: str,
    reason: str,
    occurred_at: datetime,
    now: datetime,
    first: tuple[int, ...] = (),
    partial: bool = False,
    note: str | None = None,
) -> Posted:
    """Take `points` from the member's open lots, oldest expiry first (member -> `credit`). Without `partial`,
    more than the balance is refused; with it, what the lots cannot cover is the shortfall."""
    if points <= 0:
        raise Invalid(_("points must be a whole number above 0"), field="points")
    found = find(session, workspace_id=member.workspace_id, key=key)
    if found:
        return replay_of(found, customer_id=member.customer_id, kind=kind, key=key)
    open_lots = lots(session, workspace_id=member.workspace_id, customer_id=member.customer_id, as_of=now)
    draws, short = take(open_lots, points, first=first)
    if short and not partial:
        have = points - short
        raise Conflict(
            _("the balance is {have} points; {points} cannot be redeemed").format(have=have, points=points),
            code="insufficient_points",
        )
    rows = _draw_rows(
        member, key, draws, kind=kind, credit=credit, reason=reason, occurred_at=occurred_at, note=note
    )
    posted = _store(session, rows, member=member, kind=kind, key=key)
    posted.shortfall = 0 if posted.replay else short
    return posted


def expire_due(session: Session, *, workspace_id: int, now: datetime, customer_id: str | None = None) -> int:
    """Move what is left of every lot whose expiry has passed to `expired`; return the points expired."""
    lot = func.coalesce(T.lot_id, T.id)
    remaining = func.sum(_SIGNED)
    where = [T.workspace_id == workspace_id, T.expires_at <= now]
    if customer_id is not None:
        where.append(T.customer_id == customer_id)
    due = session.execute(
        select(lot, T.customer_id, remaining, func.max(T.expires_at))
        .where(and_(*where))
        .group_by(lot, T.customer_id)
        .having(remaining > 0)
    ).all()
    rows = [
        {
            "workspace_id": workspace_id,
            "key": f"expire:{lot_id}",
            "leg": 0,
            "customer_id": cid,
            "kind": "expire",
            "debit": MEMBER,
            "credit": EXPIRED,
            "points": int(left),
            "lot_id": int(lot_id),
            "expires_at": expires,
            "reason": "expired",
            "occurred_at": expires,
            "created_at": now,
        }
        for lot_id, cid, left, expires in due
    ]
    insert_new(session, rows)
    return sum(int(left) for _lot, _cid, left, _at in due)


def insert_new(
    session: Session, rows: list[dict[str, object]] | pd.DataFrame, *, checked: bool = False
) -> None:
    """Insert ledger rows in bulk, skipping any whose (workspace, key, leg) is stored (a replay or a concurrent
    writer's). `checked`: the caller found none of the keys stored, so a key stored since is an error (the
    transaction fails and its job runs again) and PostgreSQL copies straight into the ledger."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    bulk.write(
        session,
        T.__tablename__,
        frame,
        datetimes=("expires_at", "occurred_at", "created_at"),
        conflict=() if checked else ("workspace_id", "key", "leg"),
    )
