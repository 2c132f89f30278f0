"""Cases: open (by hand or from a signal, attaching to an open case of the same customer and touchpoint),
assign, move through statuses, notes and messages, who may see which case, and the inbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor, System
from tajriba.cases import report, routing, sla
from tajriba.cases.schemas import OPEN_STATUSES, TRANSITIONS, CaseCreate, CaseUpdate, NoteIn, TransitionIn
from tajriba.errors import Invalid
from tajriba.i18n import N_, _
from tajriba.models import (
    Case,
    CaseEvent,
    CaseLink,
    Membership,
    RootCause,
    Team,
    Touchpoint,
    User,
    Workspace,
)
from tajriba.models.base import utcnow

# what other domains use of this package's modules, reached through this service only (docs/architecture.md)
report_summary = report.summary

STATUS_LABELS = {
    "new": N_("New, unanswered"),
    "open": N_("Open"),
    "waiting": N_("Waiting on customer"),
    "on_hold": N_("On hold"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
    "reopened": N_("Reopened"),
}
PRIORITY_LABELS = {"low": N_("Low"), "normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")}
SOURCE_LABELS = {
    "survey": N_("Survey answer"),
    "feedback": N_("Feedback"),
    "ticket": N_("Ticket"),
    "churn": N_("Churn risk"),
    "metric": N_("Metric alert"),
    "social": N_("Social mention"),
    "manual": N_("Opened by hand"),
}


def _actor_id(actor: Auditor | None) -> int | None:
    user = getattr(actor, "user", None)
    return user.id if user is not None else None


def _audit(session: Session, actor: Auditor | None, case: Case, action: str, **details: Any) -> None:
    """People's changes to a case go to the audit log; what rules and the worker do is recorded on the case's
    own append-only timeline (events with their time and cause) and not copied there (decision 010)."""
    if actor is None or isinstance(actor, System):
        return
    actor.audit(session, action, target_type="case", target_id=str(case.id), details=details)


def _event(
    session: Session,
    case: Case,
    kind: str,
    actor: Auditor | None,
    body: str | None = None,
    at: datetime | None = None,
    **data: Any,
) -> CaseEvent:
    ev = CaseEvent(
        workspace_id=case.workspace_id,
        case_id=case.id,
        at=at or utcnow(),
        actor_id=_actor_id(actor),
        kind=kind,
        body=body,
        data=data,
    )
    session.add(ev)
    return ev


# ---- opening ----------------------------------------------------------------------------------------------


def _check_refs(
    session: Session,
    workspace_id: int,
    *,
    team_id: int | None,
    owner_id: int | None,
    touchpoint_id: int | None = None,
    root_cause_id: int | None = None,
) -> None:
    """Every id given names a row of this workspace (and the owner is a member who can work cases)."""
    for model, row_id, field_name, message in (
        (Team, team_id, "team_id", _("team {id} does not exist in this workspace")),
        (Touchpoint, touchpoint_id, "touchpoint_id", _("touchpoint {id} does not exist in this workspace")),
        (RootCause, root_cause_id, "root_cause_id", _("root cause {id} does not exist in this workspace")),
    ):
        if row_id is not None:
            row = session.get(model, row_id)
            if row is None or getattr(row, "workspace_id", None) != workspace_id:
                raise Invalid(message.format(id=row_id), field=field_name)
    if owner_id is not None:
        member = session.scalar(
            select(Membership).where(Membership.workspace_id == workspace_id, Membership.user_id == owner_id)
        )
        if member is None or member.role == "viewer":
            raise Invalid(
                _("user {id} is not a member who can own cases").format(id=owner_id), field="owner_id"
            )


def _route(session: Session, case: Case, *, team_id: int | None) -> None:
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


def _open(
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
    _route(session, case, team_id=team_id)
    session.add(case)
    session.flush()
    _event(session, case, "status", actor, at=at, status="new")
    sla.start(session, case, at=at, tier=tier)
    _audit(session, actor, case, "case.create", source=case.source, priority=case.priority)
    from tajriba.cases import notify

    notify.case_event(session, case, "created")
    if case.owner_id is not None:
        notify.to_user(session, case, case.owner_id, "assigned", urgent=case.priority == "urgent")
    return case


def create_case(session: Session, *, workspace_id: int, data: CaseCreate, actor: Auditor) -> Case:
    """Open a case by hand."""
    _check_refs(
        session, workspace_id, team_id=data.team_id, owner_id=data.owner_id, touchpoint_id=data.touchpoint_id
    )
    values = data.model_dump(exclude={"note", "links", "team_id"})
    case = _open(
        session, workspace_id=workspace_id, values=values, team_id=data.team_id, actor=actor, at=utcnow()
    )
    for source, source_id in data.links:
        link(session, case=case, source=source, source_id=source_id, summary=None, rule_id=None)
    if data.note:
        add_note(session, case=case, data=NoteIn(kind="note", body=data.note), actor=actor)
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


CASE_SOURCE = {"survey_response": "survey", "feedback": "feedback", "ticket": "ticket", "customer": "churn"}


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
        case = _open(
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
        _event(
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


# ---- changing ---------------------------------------------------------------------------------------------


def assign(
    session: Session,
    *,
    case: Case,
    owner_id: int | None,
    team_id: int | None,
    actor: Auditor | None,
    reason: str = "manual",
) -> None:
    """Give the case to a team and/or an owner (None leaves the team as it is and unassigns the owner)."""
    _check_refs(session, case.workspace_id, team_id=team_id, owner_id=owner_id)
    before = (case.owner_id, case.team_id)
    if team_id is not None:
        case.team_id = team_id
    case.owner_id = owner_id
    if (case.owner_id, case.team_id) == before:
        return
    _event(
        session,
        case,
        "owner",
        actor,
        owner_id=owner_id,
        team_id=case.team_id,
        reason=reason,
        previous_owner_id=before[0],
    )
    _audit(session, actor, case, "case.assign", owner_id=owner_id, team_id=case.team_id, reason=reason)
    from tajriba.cases import notify

    notify.case_event(session, case, "assigned")
    if owner_id is not None and owner_id != _actor_id(actor):
        notify.to_user(session, case, owner_id, "assigned", urgent=case.priority == "urgent")


def update_case(session: Session, *, case: Case, data: CaseUpdate, actor: Auditor | None) -> Case:
    """Apply the fields sent."""
    # null clears what may be empty (owner, root cause, action, touchpoint); on the rest it means "unchanged"
    sent = {
        k: v
        for k, v in data.model_dump(exclude_unset=True).items()
        if v is not None or k not in ("subject", "priority", "tags")
    }
    _check_refs(
        session,
        case.workspace_id,
        team_id=sent.get("team_id"),
        owner_id=sent.get("owner_id"),
        touchpoint_id=sent.get("touchpoint_id"),
        root_cause_id=sent.get("root_cause_id"),
    )
    if "owner_id" in sent or "team_id" in sent:
        assign(
            session,
            case=case,
            owner_id=sent.pop("owner_id", case.owner_id),
            team_id=sent.pop("team_id", None),
            actor=actor,
        )
    changed = {}
    for key, value in sent.items():
        if getattr(case, key) != value:
            changed[key] = value
            setattr(case, key, value)
    if changed:
        _event(session, case, "change", actor, **{k: v for k, v in changed.items() if k != "action_taken"})
        _audit(session, actor, case, "case.update", fields=sorted(changed))
        if "priority" in changed:
            policy = sla.choose_policy(session, case)
            if policy is not None and policy.id != case.sla_policy_id and case.sla_policy_id is not None:
                sla.change_policy(session, case, policy=policy, at=utcnow())
    return case


def requires_root_cause(workspace: Workspace) -> bool:
    return bool(((workspace.settings or {}).get("cases") or {}).get("require_root_cause", True))


def transition(
    session: Session,
    *,
    case: Case,
    data: TransitionIn,
    actor: Auditor | None,
    workspace: Workspace,
    automatic: bool = False,
    at: datetime | None = None,
) -> Case:
    """Move the case to another status; the SLA clock pauses, resumes or stops with it. `at` records a move
    made earlier (imported history, the demo); by default it is now."""
    target = data.status
    if target == case.status:
        return case
    if target not in TRANSITIONS[case.status]:
        raise Invalid(
            _("a {status} case cannot become {target}: expected one of {choices}").format(
                status=case.status, target=target, choices=", ".join(TRANSITIONS[case.status])
            ),
            field="status",
        )
    if data.root_cause_id is not None or data.action_taken:
        sent = {"root_cause_id": data.root_cause_id, "action_taken": data.action_taken}
        update_case(
            session,
            case=case,
            data=CaseUpdate.model_validate({k: v for k, v in sent.items() if v}),
            actor=actor,
        )
    # closing a case nobody resolved is resolving it: the same root cause and action are asked for
    resolving = target == "resolved" or (target == "closed" and case.resolved_at is None)
    if resolving and not automatic and requires_root_cause(workspace):
        _check_resolution(case)
    now = at or utcnow()
    previous = case.status
    case.status = target
    _move_clock(session, case, previous=previous, target=target, now=now, automatic=automatic)
    _event(session, case, "status", actor, data.note, at=now, status=target, previous=previous)
    _audit(session, actor, case, "case.status", status=target, previous=previous)
    if target == "resolved":
        from tajriba.cases import notify

        notify.case_event(session, case, "resolved")
    if target == "resolved" and not automatic:
        from tajriba.cases import followup

        followup.schedule(session, case=case)
    return case


def _check_resolution(case: Case) -> None:
    """A case is resolved with its root cause and the action taken (when the workspace asks for them)."""
    missing = [
        n for n, v in (("root_cause_id", case.root_cause_id), ("action_taken", case.action_taken)) if not v
    ]
    if missing:
        raise Invalid(_("resolving a case needs its root cause and the action taken"), field=missing[0])


def _move_clock(
    session: Session, case: Case, *, previous: str, target: str, now: datetime, automatic: bool
) -> None:
    """The SLA clock and the case's times follow its new status: waiting pauses the clock, resolving and
    closing stop it, reopening restarts it."""
    if target == "waiting":
        sla.pause(session, case, at=now, reason="waiting on customer")
    elif previous == "waiting" and target in ("open", "on_hold"):
        sla.resume(session, case, at=now)
    if target == "resolved":
        case.resolved_at = now
        sla.fulfil(session, case, at=now, target="resolution")
    if target == "closed":
        case.closed_at = now
        case.auto_closed = automatic
        if case.resolved_at is None:
            case.resolved_at = now
            sla.fulfil(session, case, at=now, target="resolution")
    if target == "reopened":
        case.reopened += 1
        case.resolved_at = case.closed_at = None
        if case.sla_state == "met":
            case.sla_state = "ok"
        sla.resume(session, case, at=now)


MENTION = re.compile(r"@([\w.+-]+@[\w-]+\.[\w.-]+|[\w.-]+)")


def mentioned_users(session: Session, workspace_id: int, body: str) -> list[int]:
    """Members named in a note as @email or @first-name."""
    names = {m.lower() for m in MENTION.findall(body)}
    if not names:
        return []
    rows = session.execute(
        select(User.id, User.email, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id)
    ).all()
    found = []
    for uid, email, name in rows:
        first = (name or "").split()[0].lower() if name else ""
        if email.lower() in names or email.split("@")[0].lower() in names or (first and first in names):
            found.append(int(uid))
    return found


def add_note(
    session: Session, *, case: Case, data: NoteIn, actor: Auditor | None, at: datetime | None = None
) -> CaseEvent:
    """A note (internal, may @mention), a message sent to the customer, a logged call, or the customer's own
    words. Our first message or call is the first response; the customer writing back starts the next-response
    clock and, if we were waiting on them, resumes the clock."""
    now = at or utcnow()
    kind = {"note": "note", "message": "message", "call": "call", "customer": "customer"}[data.kind]
    ev = _event(session, case, kind, actor, data.body, at=now, channel=data.channel)
    if kind in ("message", "call"):
        if case.first_response_at is None:
            case.first_response_at = now
            sla.fulfil(session, case, at=now, target="first_response")
        elif case.next_response_from_s is not None:
            sla.fulfil(session, case, at=now, target="next_response")
        if case.status in ("new", "reopened"):
            case.status = "open"
            _event(session, case, "status", actor, at=now, status="open", previous="new")
    elif kind == "customer":
        if case.status == "waiting":
            case.status = "open"
            _event(session, case, "status", None, at=now, status="open", previous="waiting")
            sla.resume(session, case, at=now)
        if case.first_response_at is not None and case.next_response_from_s is None:
            case.next_response_from_s = sla.reading(session, case, now)
            sla.refresh(session, case)
    elif kind == "note":
        from tajriba.cases import notify

        for uid in mentioned_users(session, case.workspace_id, data.body):
            if uid != _actor_id(actor):
                notify.to_user(session, case, uid, "mentioned")
    _audit(session, actor, case, f"case.{kind}")
    session.flush()
    return ev
