"""The demo team's goals: the feelings they want customers to have, as KPIs with owners and targets."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tajriba.audit import System
from tajriba.demo import DEMO_EMAIL
from tajriba.goals.schemas import GoalCreate


def create(session: Session, workspace_id: int, touchpoint_ids: dict[str, int]) -> int:
    """Three goals the demo team set in the summer: the feelings they want, as KPIs with targets."""
    from datetime import date

    from tajriba.accounts import service as accounts
    from tajriba.goals import service as goals

    owner = accounts.get_user_by_email(session, email=DEMO_EMAIL)
    specs = [
        (
            "العملاء يوصون بنا",
            "يفخر عملاؤنا بأن يوصوا بنا لعائلاتهم وأصدقائهم",
            "nps",
            "company",
            None,
            30.0,
        ),
        (
            "استلام بلا عناء",
            "يشعر العميل أن استلام طلبه سهل",
            "ces_easy",
            "touchpoint",
            touchpoint_ids.get("courier"),
            75.0,
        ),
        (
            "نرد بسرعة",
            "يشعر العميل أننا سمعناه خلال ساعة",
            "first_response_median",
            "company",
            None,
            30.0,
        ),
    ]
    for name, feeling, metric, scope, scope_id, target in specs:
        if scope != "company" and scope_id is None:
            continue
        goals.create_goal(
            session,
            workspace_id=workspace_id,
            data=GoalCreate(
                name=name,
                feeling=feeling,
                metric=metric,
                scope=scope,
                scope_id=scope_id,
                target=target,
                start_date=date(2026, 7, 1),
                due_date=date(2026, 12, 31),
                owner_id=owner.id if owner else None,
            ),
            actor=System("demo"),
        )
    return len(specs)
