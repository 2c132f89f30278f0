"""SLA clocks: which policy applies, the clock's events (started, paused, resumed, fulfilled, warned,
breached), due times on the team's business calendar, and the periodic check that warns and escalates.

One clock per case counts business seconds; it pauses while the case waits on the customer and stops when
it is resolved. Targets are readings of that clock: first response at F, resolution at R, the next response
at (reading when the customer wrote) + N. A due time is therefore `add(running_since, target - consumed)`:
for many cases one vectorised call per calendar (`recompute`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import event as sa_event
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tajriba.cases import business_time as bt
from tajriba.models import BusinessCalendar, Case, CaseEvent, SlaPolicy, Team
from tajriba.models.base import utcnow

ALWAYS_OPEN = bt.Calendar(timezone="UTC", week=bt.parse_week("mon-sun 00:00-24:00"))
REASSIGN_AFTER_S = 3600.0  # a breached case nobody moved for an hour goes to another member


def _epoch(value: datetime) -> float:
    return value.replace(tzinfo=UTC).timestamp() if value.tzinfo is None else value.timestamp()


def aware(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def forget(session: Session) -> None:
    """Drop what this session remembered of teams, calendars and policies (after changing them)."""
    session.info.pop("cases.config", None)


@sa_event.listens_for(Session, "after_commit")
@sa_event.listens_for(Session, "after_rollback")
def _forget_at_transaction_end(session: Session) -> None:
    forget(session)


def remembered(session: Session) -> dict[Any, Any]:
    """Configuration read once per transaction (teams, calendars, policies, members, loads, webhooks, alert
    rules): the identity map holds unmodified objects weakly, so a loop over new cases would load them again
    for every case. Emptied at commit and rollback, and by `forget` after a change."""
    return session.info.setdefault("cases.config", {})


def calendar_for(session: Session, case: Case, policy: SlaPolicy | None) -> bt.Calendar:
    """The team's calendar, else the policy's, else the workspace's country calendar, else always open."""
    key = ("calendar", case.team_id, policy.calendar_id if policy else None)
    known = remembered(session)
    if key in known:
        return known[key]
    found = ALWAYS_OPEN
    with session.no_autoflush:  # configuration only: pending case changes need not be written first
        ids: list[int | None] = []
        if case.team_id is not None:
            team = session.get(Team, case.team_id)
            ids.append(team.calendar_id if team else None)
        ids.append(policy.calendar_id if policy else None)
        for cal_id in ids:
            row = session.get(BusinessCalendar, cal_id) if cal_id is not None else None
            if row is not None:
                found = bt.stored(row.definition)
                break
    known[key] = found
    return found


def _policy(session: Session, policy_id: int | None) -> SlaPolicy | None:
    if policy_id is None:
        return None
    known = remembered(session)
    if ("policy", policy_id) not in known:
        with session.no_autoflush:
            known[("policy", policy_id)] = session.get(SlaPolicy, policy_id)
    return known[("policy", policy_id)]


def _matches(conditions: dict[str, Any], case: Case, tier: str | None) -> bool:
    for key, value in (
        ("priorities", case.priority),
        ("sources", case.source),
        ("touchpoint_ids", case.touchpoint_id),
        ("tiers", tier),
    ):
        wanted = conditions.get(key) or []
        if wanted and value not in wanted:
            return False
    return True


def choose_policy(session: Session, case: Case, *, tier: str | None = None) -> SlaPolicy | None:
    """The first active policy (by position) whose conditions the case meets."""
    known = remembered(session)
    key = ("policies", case.workspace_id)
    if key not in known:
        with session.no_autoflush:
            known[key] = session.scalars(
                select(SlaPolicy)
                .where(SlaPolicy.workspace_id == case.workspace_id, SlaPolicy.active.is_(True))
                .order_by(SlaPolicy.position, SlaPolicy.id)
            ).all()
    policies = known[key]
    return next((p for p in policies if _matches(p.conditions or {}, case, tier)), None)


def event(session: Session, case: Case, kind: str, at: datetime, **data: Any) -> None:
    """Record an SLA clock event on the case's timeline."""
    session.add(
        CaseEvent(
            workspace_id=case.workspace_id, case_id=case.id, at=at, kind="sla", data={"event": kind, **data}
        )
    )


def reading(session: Session, case: Case, at: datetime) -> float:
    """Business seconds on the case's clock at `at`."""
    if case.clock_running_since is None:
        return case.clock_consumed_s
    policy = _policy(session, case.sla_policy_id)
    cal = calendar_for(session, case, policy)
    extra = bt.seconds_between(cal, np.array([_epoch(case.clock_running_since)]), np.array([_epoch(at)]))[0]
    return case.clock_consumed_s + float(extra)


def start(session: Session, case: Case, *, at: datetime, tier: str | None = None) -> None:
    """Choose the policy and start the clock of a new case."""
    policy = choose_policy(session, case, tier=tier)
    case.sla_policy_id = policy.id if policy else None
    if policy is None:
        case.sla_state = "none"
        return
    case.clock_running_since = at
    case.clock_consumed_s = 0.0
    case.sla_state = "ok"
    event(session, case, "started", at, policy=policy.name, policy_id=policy.id)
    refresh(session, case)


def pause(session: Session, case: Case, *, at: datetime, reason: str) -> None:
    if case.clock_running_since is None or case.sla_policy_id is None:
        return
    case.clock_consumed_s = reading(session, case, at)
    case.clock_running_since = None
    event(session, case, "paused", at, reason=reason, consumed_s=round(case.clock_consumed_s, 3))
    refresh(session, case)


def resume(session: Session, case: Case, *, at: datetime) -> None:
    if case.clock_running_since is not None or case.sla_policy_id is None:
        return
    case.clock_running_since = at
    event(session, case, "resumed", at, consumed_s=round(case.clock_consumed_s, 3))
    refresh(session, case)


def fulfil(session: Session, case: Case, *, at: datetime, target: str) -> None:
    """A target met (first_response, next_response, resolution): record it, and whether it was in time."""
    if case.sla_policy_id is None:
        return
    due = {
        "first_response": case.first_response_due_at,
        "next_response": case.next_response_due_at,
        "resolution": case.resolution_due_at,
    }[target]
    in_time = due is None or at <= due
    event(session, case, "fulfilled", at, target=target, in_time=in_time)
    if target == "next_response":
        case.next_response_from_s = None
    if target == "resolution":
        case.clock_consumed_s = reading(session, case, at)
        case.clock_running_since = None
        if case.sla_state != "breached":
            case.sla_state = "met"
    refresh(session, case)


def change_policy(session: Session, case: Case, *, policy: SlaPolicy, at: datetime) -> None:
    """Apply another policy: the clock keeps its reading (time paused so far stays paused)."""
    case.sla_policy_id = policy.id
    event(
        session,
        case,
        "policy",
        at,
        policy=policy.name,
        policy_id=policy.id,
        consumed_s=reading(session, case, at),
    )
    refresh(session, case)


def targets(policy: SlaPolicy, case: Case) -> dict[str, float | None]:
    """Clock readings (business seconds) at which each target falls due; None where none applies."""
    first = policy.first_response_minutes * 60 if policy.first_response_minutes else None
    nxt = (
        case.next_response_from_s + policy.next_response_minutes * 60
        if policy.next_response_minutes and case.next_response_from_s is not None
        else None
    )
    resolution = policy.resolution_minutes * 60 if policy.resolution_minutes else None
    return {
        "first_response": first if case.first_response_at is None else None,
        "next_response": nxt,
        "resolution": resolution if case.resolved_at is None else None,
    }


def refresh(session: Session, case: Case) -> None:
    """Recompute the case's due times and warning time from its clock (the one-case form of `recompute`)."""
    policy = _policy(session, case.sla_policy_id)
    if policy is None:
        case.first_response_due_at = case.next_response_due_at = case.resolution_due_at = case.warn_due_at = (
            None
        )
        return
    cal = calendar_for(session, case, policy)
    _apply(case, policy, cal)


def _apply(case: Case, policy: SlaPolicy, cal: bt.Calendar) -> None:
    levels = targets(policy, case)
    names = ("first_response", "next_response", "resolution")
    if case.clock_running_since is None:  # paused or stopped: nothing falls due while the clock stands
        case.first_response_due_at = case.next_response_due_at = case.resolution_due_at = case.warn_due_at = (
            None
        )
        return
    since = _epoch(case.clock_running_since)
    wanted = [levels[n] for n in names]
    warn_levels = [
        lv * policy.warn_at if lv is not None and n != "next_response" else None
        for n, lv in zip(names, wanted, strict=True)
    ]
    if levels["next_response"] is not None and case.next_response_from_s is not None:
        span = levels["next_response"] - case.next_response_from_s
        warn_levels[1] = case.next_response_from_s + span * policy.warn_at
    values = [lv for lv in (*wanted, *warn_levels) if lv is not None]
    if not values:
        case.first_response_due_at = case.next_response_due_at = case.resolution_due_at = case.warn_due_at = (
            None
        )
        return
    remaining = np.maximum(np.array(values) - case.clock_consumed_s, 0.0)
    dues = iter(bt.add(cal, np.full(len(values), since), remaining))
    at = [aware(float(next(dues))) if lv is not None else None for lv in (*wanted, *warn_levels)]
    case.first_response_due_at, case.next_response_due_at, case.resolution_due_at = at[0], at[1], at[2]
    warns = [w for w in at[3:] if w is not None]
    case.warn_due_at = min(warns) if warns else None


def check(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Warn the cases whose warning time passed and mark breaches; returns counts (the worker calls this)."""
    now = now or utcnow()
    warned = breached = 0
    at_risk = session.scalars(
        select(Case).where(Case.sla_state == "ok", Case.warn_due_at.is_not(None), Case.warn_due_at <= now)
    ).all()
    from tajriba.cases import notify

    for case in at_risk:
        case.sla_state = "at_risk"
        event(session, case, "warned", now)
        notify.case_event(session, case, "sla_at_risk")
        warned += 1
    due = session.scalars(
        select(Case).where(
            Case.sla_state.in_(("ok", "at_risk")),
            Case.clock_running_since.is_not(None),
            or_(
                Case.first_response_due_at <= now,
                Case.next_response_due_at <= now,
                Case.resolution_due_at <= now,
            ),
        )
    ).all()
    for case in due:
        missed = [
            name
            for name, at in (
                ("first_response", case.first_response_due_at),
                ("next_response", case.next_response_due_at),
                ("resolution", case.resolution_due_at),
            )
            if at is not None and at <= now
        ]
        if not missed:
            continue
        case.sla_state = "breached"
        event(session, case, "breached", now, targets=missed)
        escalate(session, case, at=now)
        breached += 1
    # the ladder's second step: still unresolved REASSIGN_AFTER after the breach -> another member
    waiting = session.scalars(
        select(Case).where(
            Case.sla_state == "breached", Case.escalation_level == 1, Case.clock_running_since.is_not(None)
        )
    ).all()
    for case in waiting:
        last = session.scalar(
            select(CaseEvent.at)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "sla")
            .order_by(CaseEvent.id.desc())
            .limit(1)
        )
        if last is not None and (now - last).total_seconds() >= REASSIGN_AFTER_S:
            escalate(session, case, at=now)
    return {"warned": warned, "breached": breached}


def escalate(session: Session, case: Case, *, at: datetime) -> None:
    """The ladder: first the team lead hears of the breach; the next time, the case goes to another member."""
    from tajriba.cases import notify, routing

    case.escalation_level += 1
    event(session, case, "escalated", at, level=case.escalation_level)
    notify.case_event(session, case, "sla_breached")
    team = session.get(Team, case.team_id) if case.team_id else None
    if case.escalation_level == 1 and team is not None and team.lead_id is not None:
        notify.to_user(session, case, team.lead_id, "escalated", urgent=True)
    elif case.escalation_level >= 2 and team is not None:
        other = routing.choose_owner(session, team=team, language=case.language, exclude={case.owner_id})
        if other is not None and other != case.owner_id:
            from tajriba.cases import service

            service.assign(
                session, case=case, owner_id=other, team_id=team.id, actor=None, reason="escalation"
            )
