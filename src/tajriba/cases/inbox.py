"""The inbox: who sees which case (agents their own and their teams'; others every case), the views and
filters, the counts per view, one case with its timeline and records, and how a case is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from tajriba.cases.schemas import OPEN_STATUSES
from tajriba.errors import Invalid, NotFound
from tajriba.i18n import _
from tajriba.models import Case, CaseEvent, CaseLink, TeamMember

VIEWS = ("all", "mine", "team", "unassigned", "at_risk", "breached", "resolved")


@dataclass
class Viewer:
    """Whose inbox: agents see their own cases and their teams'; analysts and above see every case."""

    user_id: int | None
    role: str
    team_ids: set[int] = field(default_factory=set)

    @property
    def sees_all(self) -> bool:
        return self.role in ("owner", "admin", "analyst", "viewer")


def viewer_of(session: Session, *, workspace_id: int, user_id: int | None, role: str) -> Viewer:
    teams = set()
    if user_id is not None:
        teams = set(
            session.scalars(
                select(TeamMember.team_id).where(
                    TeamMember.workspace_id == workspace_id, TeamMember.user_id == user_id
                )
            )
        )
    return Viewer(user_id=user_id, role=role, team_ids=teams)


def _visible(stmt: Select[Any], viewer: Viewer) -> Select[Any]:
    # API keys (no user) act for the workspace's systems, e.g. a helpdesk integration: they see every case
    if viewer.sees_all or viewer.user_id is None:
        return stmt
    return stmt.where(or_(Case.owner_id == viewer.user_id, Case.team_id.in_(viewer.team_ids or {-1})))


def get_case(session: Session, *, workspace_id: int, case_id: int, viewer: Viewer) -> Case:
    """The case, if this viewer may see it (otherwise the same 404 as a case that does not exist)."""
    stmt = _visible(select(Case).where(Case.workspace_id == workspace_id, Case.id == case_id), viewer)
    case = session.scalar(stmt)
    if case is None:
        raise NotFound(_("case {case_id} not found").format(case_id=case_id))
    return case


@dataclass
class CaseFilters:
    view: str = "all"
    status: str | None = None
    priority: str | None = None
    source: str | None = None
    touchpoint_id: int | None = None
    team_id: int | None = None
    owner_id: int | None = None
    customer_id: str | None = None
    q: str | None = None

    def check(self) -> CaseFilters:
        if self.view not in VIEWS:
            raise Invalid(
                _("view {view}: expected one of {choices}").format(
                    view=repr(self.view), choices=", ".join(VIEWS)
                ),
                field="view",
            )
        return self


def inbox_query(workspace_id: int, viewer: Viewer, f: CaseFilters) -> Select[Any]:
    stmt = _visible(select(Case).where(Case.workspace_id == workspace_id), viewer)
    if f.view == "mine":
        stmt = stmt.where(Case.owner_id == viewer.user_id)
    elif f.view == "team":
        stmt = stmt.where(Case.team_id.in_(viewer.team_ids or {-1}))
    elif f.view == "unassigned":
        stmt = stmt.where(Case.owner_id.is_(None))
    elif f.view == "at_risk":
        stmt = stmt.where(Case.urgency == 1)  # sla_state at_risk, as the queue index holds it
    elif f.view == "breached":
        stmt = stmt.where(Case.urgency == 0)
    if f.view == "resolved":
        stmt = stmt.where(Case.status.in_(("resolved", "closed")))
    elif f.status:
        stmt = stmt.where(Case.status == f.status)
    elif f.view != "all":
        stmt = stmt.where(Case.status.in_(OPEN_STATUSES))
    for column, value in (
        (Case.priority, f.priority),
        (Case.source, f.source),
        (Case.touchpoint_id, f.touchpoint_id),
        (Case.team_id, f.team_id),
        (Case.owner_id, f.owner_id),
        (Case.customer_id, f.customer_id),
    ):
        if value is not None and value != "":
            stmt = stmt.where(column == value)
    if f.q:
        stmt = stmt.where(Case.subject.ilike(f"%{f.q.replace('%', '').replace('_', '')}%"))
    return stmt


def list_cases(
    session: Session,
    *,
    workspace_id: int,
    viewer: Viewer,
    filters: CaseFilters,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """One page of the inbox (most urgent first: breached, at risk, then by due time) and the total."""
    stmt = inbox_query(workspace_id, viewer, filters.check())
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Case.urgency, Case.queue_at, Case.id).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)


def counts(session: Session, *, workspace_id: int, viewer: Viewer) -> dict[str, int]:
    """How many open cases each inbox view holds (one pass over the open cases)."""
    mine = Case.owner_id == viewer.user_id if viewer.user_id is not None else false()
    team = Case.team_id.in_(viewer.team_ids) if viewer.team_ids else false()
    parts = {
        "mine": mine,
        "team": team,
        "unassigned": Case.owner_id.is_(None),
        "at_risk": Case.urgency == 1,
        "breached": Case.urgency == 0,
    }
    stmt = _visible(
        select(*(func.coalesce(func.sum(when((cond, 1), else_=0)), 0) for cond in parts.values())).where(
            Case.workspace_id == workspace_id, Case.status.in_(OPEN_STATUSES)
        ),
        viewer,
    )
    row = session.execute(stmt).one()
    return {name: int(n) for name, n in zip(parts, row, strict=True)}


def timeline(session: Session, *, case: Case) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at, CaseEvent.id)
        )
    )


def links(session: Session, *, case: Case) -> list[CaseLink]:
    return list(session.scalars(select(CaseLink).where(CaseLink.case_id == case.id).order_by(CaseLink.at)))


def as_dict(case: Case) -> dict[str, Any]:
    """A case as the API shows it."""
    return {
        c: (v.isoformat() + "Z" if isinstance(v, datetime) else v)
        for c in (
            "id",
            "customer_id",
            "subject",
            "source",
            "touchpoint_id",
            "stage_id",
            "channel",
            "language",
            "priority",
            "status",
            "owner_id",
            "team_id",
            "tags",
            "root_cause_id",
            "action_taken",
            "rule_id",
            "sla_policy_id",
            "score",
            "metric",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "reopened",
            "first_response_due_at",
            "next_response_due_at",
            "resolution_due_at",
            "sla_state",
            "escalation_level",
            "follow_up_score",
            "recovered",
            "updated_at",
        )
        for v in (getattr(case, c),)
    }


def maybe_redact(text: str | None, hide: bool) -> str | None:
    if not hide or not text:
        return text
    from tajriba.customers.service import redact

    return str(redact(text))


def redacted(case: dict[str, Any]) -> dict[str, Any]:
    """A case as a role without pii:read sees it: customer id hidden, personal data in words replaced."""
    from tajriba.customers.service import hide

    return {
        **case,
        "customer_id": hide("user_id", case["customer_id"]),
        "subject": maybe_redact(case["subject"], True),
        "action_taken": maybe_redact(case["action_taken"], True),
    }


def event_dict(ev: CaseEvent, *, redact: bool) -> dict[str, Any]:
    return {
        "id": ev.id,
        "at": ev.at.isoformat(),
        "actor_id": ev.actor_id,
        "kind": ev.kind,
        "body": maybe_redact(ev.body, redact),
        "data": ev.data,
    }
