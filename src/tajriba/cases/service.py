"""Cases: open (by hand or from a signal, attaching to an open case of the same customer and touchpoint),
assign, move through statuses, notes and messages, who may see which case, and the inbox."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.cases import report, signals, sla
from tajriba.cases.alerts import due as due
from tajriba.cases.alerts import remember as remember
from tajriba.cases.alerts import tell as tell
from tajriba.cases.events import actor_id, audit, check_refs, event
from tajriba.cases.schemas import TRANSITIONS, CaseCreate, CaseUpdate, NoteIn, TransitionIn
from tajriba.cases.signals import link, open_case
from tajriba.errors import Invalid
from tajriba.i18n import N_, _
from tajriba.models import Case, CaseEvent, Membership, User, Workspace
from tajriba.models.base import utcnow

# what other domains use of this package's modules, reached through this service only (docs/architecture.md)
report_summary = report.summary
Signal = signals.Signal
open_or_attach = signals.open_or_attach

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


# ---- opening ----------------------------------------------------------------------------------------------


def create_case(session: Session, *, workspace_id: int, data: CaseCreate, actor: Auditor) -> Case:
    """Open a case by hand."""
    check_refs(
        session, workspace_id, team_id=data.team_id, owner_id=data.owner_id, touchpoint_id=data.touchpoint_id
    )
    values = data.model_dump(exclude={"note", "links", "team_id"})
    case = open_case(
        session, workspace_id=workspace_id, values=values, team_id=data.team_id, actor=actor, at=utcnow()
    )
    for source, source_id in data.links:
        link(session, case=case, source=source, source_id=source_id, summary=None, rule_id=None)
    if data.note:
        add_note(session, case=case, data=NoteIn(kind="note", body=data.note), actor=actor)
    return case


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
    check_refs(session, case.workspace_id, team_id=team_id, owner_id=owner_id)
    before = (case.owner_id, case.team_id)
    if team_id is not None:
        case.team_id = team_id
    case.owner_id = owner_id
    if (case.owner_id, case.team_id) == before:
        return
    event(
        session,
        case,
        "owner",
        actor,
        owner_id=owner_id,
        team_id=case.team_id,
        reason=reason,
        previous_owner_id=before[0],
    )
    audit(session, actor, case, "case.assign", owner_id=owner_id, team_id=case.team_id, reason=reason)
    from tajriba.cases import notify

    notify.case_event(session, case, "assigned")
    if owner_id is not None and owner_id != actor_id(actor):
        notify.to_user(session, case, owner_id, "assigned", urgent=case.priority == "urgent")


def update_case(session: Session, *, case: Case, data: CaseUpdate, actor: Auditor | None) -> Case:
    """Apply the fields sent."""
    # null clears what may be empty (owner, root cause, action, touchpoint); on the rest it means "unchanged"
    sent = {
        k: v
        for k, v in data.model_dump(exclude_unset=True).items()
        if v is not None or k not in ("subject", "priority", "tags")
    }
    check_refs(
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
        event(session, case, "change", actor, **{k: v for k, v in changed.items() if k != "action_taken"})
        audit(session, actor, case, "case.update", fields=sorted(changed))
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
    event(session, case, "status", actor, data.note, at=now, status=target, previous=previous)
    audit(session, actor, case, "case.status", status=target, previous=previous)
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
    ev = event(session, case, kind, actor, data.body, at=now, channel=data.channel)
    if kind in ("message", "call"):
        if case.first_response_at is None:
            case.first_response_at = now
            sla.fulfil(session, case, at=now, target="first_response")
        elif case.next_response_from_s is not None:
            sla.fulfil(session, case, at=now, target="next_response")
        if case.status in ("new", "reopened"):
            case.status = "open"
            event(session, case, "status", actor, at=now, status="open", previous="new")
    elif kind == "customer":
        if case.status == "waiting":
            case.status = "open"
            event(session, case, "status", None, at=now, status="open", previous="waiting")
            sla.resume(session, case, at=now)
        if case.first_response_at is not None and case.next_response_from_s is None:
            case.next_response_from_s = sla.reading(session, case, now)
            sla.refresh(session, case)
    elif kind == "note":
        from tajriba.cases import notify

        for uid in mentioned_users(session, case.workspace_id, data.body):
            if uid != actor_id(actor):
                notify.to_user(session, case, uid, "mentioned")
    audit(session, actor, case, f"case.{kind}")
    session.flush()
    return ev


def customers_with_open_cases(session: Session, *, workspace_id: int, customer_ids: list[str]) -> set[str]:
    """The customers among `customer_ids` with a case not yet resolved (next-best actions fix those first)."""
    from tajriba.cases.schemas import OPEN_STATUSES

    found: set[str] = set()
    for start in range(0, len(customer_ids), 5000):
        chunk = customer_ids[start : start + 5000]
        found.update(
            c
            for c in session.scalars(
                select(Case.customer_id).where(
                    Case.workspace_id == workspace_id,
                    Case.status.in_(OPEN_STATUSES),
                    Case.customer_id.in_(chunk),
                )
            )
            if c is not None
        )
    return found
