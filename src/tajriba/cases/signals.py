"""Cases opened from signals (a low score, a complaint in words, a complaint ticket, a valuable customer
slipping away): routed to a team and an owner, their SLA clock started, a signal joining the customer's open
case on the same touchpoint instead of opening another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor, System
from tajriba.cases import routing, sla
from tajriba.cases.events import audit, event
from tajriba.cases.schemas import OPEN_STATUSES
from tajriba.models import Case, CaseLink, Team, Touchpoint
from tajriba.models.base import utcnow


def route(session: Session, case: Case, *, team_id: int | None) -> None:
    """Team and owner of a new case: the rule's team, else the touchpoint's owner."""
    case.team_id = team_id
    if case.owner_id is not None:
        return
    if team_id is not None:
        # locked for the transaction (round robin's position is shared by every worker), read once
        known = sla.remembered(session)
        if ("team", team_id) not in known:
            with session.no_autoflush:
                known[("team", team_id)] = session.scalar(
                    select(Team).where(Team.id == team_id).with_for_update()
                )
        team = known[("team", team_id)]
        if team is not None:
            case.owner_id = routing.choose_owner(session, team=team, language=case.language)
            return
    if case.touchpoint_id is not None:
        tp = session.get(Touchpoint, case.touchpoint_id)
        if tp is not None and tp.owner_user_id is not None:
            case.owner_id = tp.owner_user_id


def open_case(
    session: Session,
    *,
    workspace_id: int,
    values: dict[str, Any],
    team_id: int | None,
    actor: Auditor | None,
    at: datetime,
    tier: str | None = None,
) -> Case:
    case = Case(workspace_id=workspace_id, status="new", opened_at=at, **values)
    if case.touchpoint_id is not None and case.stage_id is None:
        tp = session.get(Touchpoint, case.touchpoint_id)
        case.stage_id = tp.stage_id if tp else None
    route(session, case, team_id=team_id)
    session.add(case)
    session.flush()
    event(session, case, "status", actor, at=at, status="new")
    sla.start(session, case, at=at, tier=tier)
    audit(session, actor, case, "case.create", source=case.source, priority=case.priority)
    from tajriba.cases import notify

    notify.case_event(session, case, "created")
    if case.owner_id is not None:
        notify.to_user(session, case, case.owner_id, "assigned", urgent=case.priority == "urgent")
    return case


def existing_case(
    session: Session, *, workspace_id: int, links: list[tuple[str, str]], customer_id: str | None, source: str
) -> int | None:
    """The case a source record already belongs to, or the customer's open case from the same kind of source
    (a churn call opened twice from the value page is one case)."""
    for link_source, link_id in links:
        found = session.scalar(
            select(CaseLink.case_id).where(
                CaseLink.workspace_id == workspace_id,
                CaseLink.source == link_source,
                CaseLink.source_id == link_id,
            )
        )
        if found is not None:
            return int(found)
    if customer_id and source == "churn":
        found = session.scalar(
            select(Case.id)
            .where(
                Case.workspace_id == workspace_id,
                Case.customer_id == customer_id,
                Case.source == source,
                Case.status.in_(OPEN_STATUSES),
            )
            .limit(1)
        )
        return int(found) if found is not None else None
    return None


@dataclass
class Signal:
    """Something a customer said or did that a rule turned into a case."""

    source: str  # survey_response | feedback | ticket | customer
    source_id: str
    customer_id: str | None
    touchpoint_id: int | None
    channel: str | None
    language: str | None
    at: datetime
    summary: str
    score: float | None = None
    metric: str | None = None
    tier: str | None = None


CASE_SOURCE = {
    "survey_response": "survey",
    "feedback": "feedback",
    "ticket": "ticket",
    "customer": "churn",
    "mention": "social",
}


def link(
    session: Session,
    *,
    case: Case,
    source: str,
    source_id: str,
    summary: str | None,
    rule_id: int | None,
    checked: bool = False,
    at: datetime | None = None,
) -> bool:
    """Link a source record to the case; False when it already belongs to a case (`checked`: the caller
    knows it does not)."""
    exists = (
        None
        if checked
        else session.scalar(
            select(CaseLink.id).where(
                CaseLink.workspace_id == case.workspace_id,
                CaseLink.source == source,
                CaseLink.source_id == source_id,
            )
        )
    )
    if exists is not None:
        return False
    session.add(
        CaseLink(
            workspace_id=case.workspace_id,
            case_id=case.id,
            source=source,
            source_id=source_id,
            rule_id=rule_id,
            summary=summary,
            at=at or utcnow(),
        )
    )
    return True


def prefetch_open_cases(
    session: Session, *, workspace_id: int, customer_ids: list[str]
) -> dict[tuple[str, int | None], Case]:
    """The newest open case of each (customer, touchpoint), for a batch of signals (chunked IN queries)."""
    out: dict[tuple[str, int | None], Case] = {}
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), 900):
        for case in session.scalars(
            select(Case)
            .where(
                Case.workspace_id == workspace_id,
                Case.customer_id.in_(ids[start : start + 900]),
                Case.status.in_(OPEN_STATUSES),
            )
            .order_by(Case.id)
        ):
            out[(case.customer_id or "", case.touchpoint_id)] = case  # the newest wins
    return out


def _values_of(signal: Signal, *, priority: str, rule_id: int | None) -> dict[str, Any]:
    """A new case's fields from the signal that opens it."""
    return {
        "customer_id": signal.customer_id,
        "subject": signal.summary[:300] or "-",
        "source": CASE_SOURCE.get(signal.source, "manual"),
        "touchpoint_id": signal.touchpoint_id,
        "channel": signal.channel,
        "language": signal.language,
        "priority": priority,
        "rule_id": rule_id,
        "score": signal.score,
        "metric": signal.metric,
    }


def _open_case_of(
    session: Session,
    workspace_id: int,
    signal: Signal,
    dedupe_days: int,
    open_cases: dict[tuple[str, int | None], Case] | None,
    checked: bool,
) -> Case | None:
    """The customer's open case on the signal's touchpoint opened within `dedupe_days`, if any."""
    if not signal.customer_id or dedupe_days <= 0:
        return None
    key = (signal.customer_id, signal.touchpoint_id)
    if open_cases is not None and (key in open_cases or checked):
        # the caller fetched the customers' open cases (prefetch_open_cases): no query per signal
        found = open_cases.get(key)
        window = signal.at - timedelta(days=dedupe_days)
        return found if found is not None and found.opened_at >= window else None
    return session.scalar(
        select(Case)
        .where(
            Case.workspace_id == workspace_id,
            Case.customer_id == signal.customer_id,
            Case.touchpoint_id.is_(None)
            if signal.touchpoint_id is None
            else Case.touchpoint_id == signal.touchpoint_id,
            Case.status.in_(OPEN_STATUSES),
            Case.opened_at >= signal.at - timedelta(days=dedupe_days),
        )
        .order_by(Case.id.desc())
        .limit(1)
    )


def open_or_attach(
    session: Session,
    *,
    workspace_id: int,
    signal: Signal,
    rule_id: int | None,
    priority: str,
    team_id: int | None,
    dedupe_days: int,
    open_cases: dict[tuple[str, int | None], Case] | None = None,
    checked: bool = False,
) -> tuple[Case, bool]:
    """Attach the signal to the customer's open case on the same touchpoint (opened within `dedupe_days`),
    or open one; returns (case, opened)."""
    key = (signal.customer_id or "", signal.touchpoint_id)
    case = _open_case_of(session, workspace_id, signal, dedupe_days, open_cases, checked)
    opened = case is None
    if case is None:
        case = open_case(
            session,
            workspace_id=workspace_id,
            values=_values_of(signal, priority=priority, rule_id=rule_id),
            team_id=team_id,
            actor=System(f"rule {rule_id}"),
            at=signal.at,
            tier=signal.tier,
        )
    if link(
        session,
        case=case,
        source=signal.source,
        source_id=signal.source_id,
        summary=signal.summary,
        rule_id=rule_id,
        checked=checked,
        at=signal.at,
    ):
        event(
            session,
            case,
            "signal",
            None,
            signal.summary,
            at=signal.at,
            source=signal.source,
            source_id=signal.source_id,
            score=signal.score,
            metric=signal.metric,
            rule_id=rule_id,
        )
    if open_cases is not None and signal.customer_id:
        open_cases[key] = case
    return case, opened
