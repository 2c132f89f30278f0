"""Bonus points for what members do besides ordering: a review, a survey answer, their birthday (referrals are
awarded at enrolment). Members only; a rule marked `once` pays once per member ("first review")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.loyalty import transactions
from tajriba.models.accounts import Workspace
from tajriba.models.loyalty import LoyaltyMember, LoyaltyProgramme, LoyaltyRule

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse

SOURCES = {
    "review": "SELECT customer_id, feedback_id, created_at FROM feedback_texts WHERE workspace_id = ? "
    "AND source = 'review' AND customer_id IS NOT NULL AND created_at >= ? AND created_at < ?",
    "survey": "SELECT customer_id, response_id, submitted_at FROM survey_responses WHERE workspace_id = ? "
    "AND customer_id IS NOT NULL AND submitted_at >= ? AND submitted_at < ?",
}


def earn_bonuses(
    session: Session,
    warehouse: Warehouse,
    *,
    workspace: Workspace,
    programme: LoyaltyProgramme,
    since: datetime,
    now: datetime,
) -> int:
    """Award the review, survey and birthday bonuses due since `since`; return how many were new."""
    rules = list(
        session.scalars(
            select(LoyaltyRule).where(
                LoyaltyRule.workspace_id == workspace.id, LoyaltyRule.active, LoyaltyRule.trigger != "order"
            )
        )
    )
    naive = [since.astimezone(UTC).replace(tzinfo=None), now.astimezone(UTC).replace(tzinfo=None)]
    new = 0
    for rule in rules:
        if rule.trigger in SOURCES:
            found = warehouse.sql(SOURCES[rule.trigger], [workspace.id, *naive])
            members = _members(session, workspace.id, {c for c, _, _ in found})
            for cid, ref, at in found:
                if cid in members:
                    new += _give(
                        session, programme, rule, cid, f"rule:{rule.id}:{ref}", at.replace(tzinfo=UTC), now
                    )
        elif rule.trigger == "birthday":
            today = now.astimezone(ZoneInfo(workspace.timezone)).date()
            for member in session.scalars(
                select(LoyaltyMember).where(
                    LoyaltyMember.workspace_id == workspace.id, LoyaltyMember.birthday.is_not(None)
                )
            ):
                b = member.birthday
                if b is not None and (b.month, b.day) == (today.month, today.day):
                    new += _give(
                        session,
                        programme,
                        rule,
                        member.customer_id,
                        f"rule:{rule.id}:{member.customer_id}:{today.year}",
                        now,
                        now,
                    )
    return new


def _members(session: Session, workspace_id: int, ids: set[str]) -> set[str]:
    out: set[str] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), 5000):
        out.update(
            session.scalars(
                select(LoyaltyMember.customer_id).where(
                    LoyaltyMember.workspace_id == workspace_id,
                    LoyaltyMember.customer_id.in_(ordered[start : start + 5000]),
                )
            )
        )
    return out


def _give(
    session: Session,
    programme: LoyaltyProgramme,
    rule: LoyaltyRule,
    cid: str,
    key: str,
    at: datetime,
    now: datetime,
) -> int:
    posted = transactions.earn_bonus(
        session, programme=programme, rule=rule, customer_id=cid, key=key, at=at, now=now
    )
    return int(posted is not None and not posted.replay)
