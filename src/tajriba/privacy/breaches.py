"""The breach register (PDPL Implementing Regulation Art 24, GDPR Arts 33-34): every personal-data incident,
the 72-hour clock from the moment the organisation became aware, the facts the authority asks for, and drafts
of the notices to the authority (SDAIA, or the EU supervisory authority) and to the people affected.

The clock: due = aware_at + 72 hours. At 24 hours before it, the workspace's owners and admins are told (in the
app and in their mail digest) unless the authority was notified already. The facts a notice must give (IR Art
24 (a)-(e)): what happened and when, the categories of data, how many people, the likely consequences, the
measures taken, whether the people were told, and whom to contact; `missing` lists those still blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid, NotFound
from tajriba.i18n import N_, _
from tajriba.models.base import utcnow
from tajriba.models.privacy import Breach
from tajriba.privacy import notify
from tajriba.privacy.deadlines import utc

CLOCK = timedelta(hours=72)
WARN = timedelta(hours=24)
# what a notice must say, with the label the pages and drafts show
REQUIRED = {
    "description": N_("What happened"),
    "aware_at": N_("When we became aware"),
    "categories": N_("Categories of personal data"),
    "subjects_count": N_("Number of people affected"),
    "consequences": N_("Likely consequences"),
    "measures": N_("Measures taken or proposed"),
    "contact": N_("Contact for more information"),
}
FIELDS = ("title", "description", "occurred_at", "aware_at", "categories", "subjects_count", "records_count",
          "consequences", "measures", "contact")  # fmt: skip


def log_breach(db: Session, *, workspace_id: int, data: dict[str, Any], actor: Auditor) -> Breach:
    """Record an incident; its clock runs from `aware_at` (default: now)."""
    aware = utc(data.get("aware_at") or utcnow())
    if aware > utcnow() + timedelta(minutes=5):
        raise Invalid(_("the moment you became aware cannot be in the future"), field="aware_at")
    breach = Breach(workspace_id=workspace_id, **{k: v for k, v in data.items() if k in FIELDS})
    breach.aware_at, breach.due_at = aware, aware + CLOCK
    breach.logged_by_user_id = getattr(getattr(actor, "user", None), "id", None)
    db.add(breach)
    db.flush()
    actor.audit(db, "privacy.breach.log", target_type="breach", target_id=str(breach.id),
                details={"due_at": breach.due_at.isoformat()})  # fmt: skip
    return breach


def get_breach(db: Session, *, workspace_id: int, breach_id: int) -> Breach:
    breach = db.get(Breach, breach_id)
    if breach is None or breach.workspace_id != workspace_id:
        raise NotFound(_("no such breach"))
    return breach


def list_breaches(db: Session, *, workspace_id: int) -> list[Breach]:
    """Incidents the authority has not been told of first (the soonest due first), then those notified, then
    the closed ones (the latest first)."""
    rows = list(db.scalars(select(Breach).where(Breach.workspace_id == workspace_id)))
    rank = {"open": 0, "notified": 1, "closed": 2}

    def key(b: Breach) -> tuple[int, float]:
        due = utc(b.due_at).timestamp()
        return rank.get(b.status, 0), -due if b.status == "closed" else due

    return sorted(rows, key=key)


def update_breach(db: Session, *, breach: Breach, data: dict[str, Any], actor: Auditor) -> Breach:
    """Fill in facts as they become known; mark the authority notified, the people told, or the case closed."""
    for key in FIELDS:
        if key in data and key != "aware_at":
            setattr(breach, key, data[key])
    for key in ("authority_notified_at", "subjects_informed_at"):
        if data.get(key) is not None:
            setattr(breach, key, utc(data[key]))
    if breach.authority_notified_at is not None and breach.status == "open":
        breach.status = "notified"
    if data.get("closed"):
        breach.status, breach.closed_at = "closed", utcnow()
    db.flush()
    actor.audit(db, "privacy.breach.update", target_type="breach", target_id=str(breach.id),
                details={"status": breach.status, "fields": sorted(k for k in data if data[k] is not None)})  # fmt: skip
    return breach


@dataclass(frozen=True)
class Clock:
    due_at: datetime
    hours_left: float
    state: str  # on_time | at_risk (less than 24 hours) | overdue | notified | closed


def clock(breach: Breach, now: datetime | None = None) -> Clock:
    moment = utc(now) if now else utcnow()
    due = utc(breach.due_at)
    left = (due - moment).total_seconds() / 3600
    if breach.status == "closed":
        state = "closed"
    elif breach.authority_notified_at is not None:
        state = "notified"
    else:
        state = "overdue" if left < 0 else "at_risk" if left <= WARN.total_seconds() / 3600 else "on_time"
    return Clock(due, round(left, 2), state)


def missing(breach: Breach) -> list[str]:
    """The facts a notice must give that are still blank."""
    return [k for k in REQUIRED if getattr(breach, k) in (None, "", [])]


def escalate(db: Session, *, now: datetime | None = None) -> int:
    """At 24 hours before the due time of an incident the authority has not been told of, tell the workspace's
    owners and admins (in the app, urgent, and in their mail digest). Each incident once; returns how many."""
    moment = utc(now) if now else utcnow()
    due = db.scalars(
        select(Breach).where(
            Breach.status == "open", Breach.escalated_at.is_(None), Breach.due_at <= moment + WARN
        )
    ).all()
    for breach in due:
        notify.tell_owners(
            db,
            workspace_id=breach.workspace_id,
            kind="breach_due",
            text=partial(_due_text, breach),
            data={"breach_id": breach.id},
            urgent=True,
        )
        breach.escalated_at = moment
    db.flush()
    return len(due)


def _due_text(breach: Breach) -> str:
    return _("Breach #{id} “{title}”: the authority must be notified by {due} UTC").format(
        id=breach.id, title=breach.title, due=utc(breach.due_at).strftime("%Y-%m-%d %H:%M")
    )
