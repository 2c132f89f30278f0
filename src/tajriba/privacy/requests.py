"""Data-subject requests: logged however they arrive, each with its jurisdiction's due date and at most one
extension told to the person before that date (privacy.deadlines)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import NotFound
from tajriba.i18n import _
from tajriba.jobs import service as jobs
from tajriba.models.base import utcnow
from tajriba.models.privacy import DataSubjectRequest
from tajriba.privacy import deadlines, notify
from tajriba.privacy.deadlines import utc
from tajriba.privacy.schemas import RequestIn


def log_request(db: Session, *, workspace_id: int, data: RequestIn, actor: Auditor) -> DataSubjectRequest:
    """Record a request (an oral one noted by an agent too) with its due date; the audit entry names the
    request, not the person."""
    received = utc(data.received_at) if data.received_at else utcnow()
    user = getattr(actor, "user", None)
    request = DataSubjectRequest(
        workspace_id=workspace_id,
        **data.model_dump(exclude={"received_at"}),
        received_at=received,
        due_at=deadlines.due_at(received, data.jurisdiction),
        logged_by_user_id=getattr(user, "id", None),
    )
    db.add(request)
    db.flush()
    actor.audit(
        db,
        "privacy.request.log",
        target_type="privacy_request",
        target_id=str(request.id),
        details={"kind": data.kind, "jurisdiction": data.jurisdiction, "channel": data.channel},
    )
    return request


def get_request(db: Session, *, workspace_id: int, request_id: int) -> DataSubjectRequest:
    request = db.get(DataSubjectRequest, request_id)
    if request is None or request.workspace_id != workspace_id:
        raise NotFound(_("no such privacy request"))
    return request


def list_requests(db: Session, *, workspace_id: int, open_only: bool = True) -> list[DataSubjectRequest]:
    """The queue: open requests first by the date they are due."""
    query = select(DataSubjectRequest).where(DataSubjectRequest.workspace_id == workspace_id)
    if open_only:
        query = query.where(DataSubjectRequest.closed_at.is_(None))
    rows = list(db.scalars(query))
    return sorted(rows, key=lambda r: (utc(r.current_due_at), r.id))


def extend_request(
    db: Session, *, request: DataSubjectRequest, reason: str, actor: Auditor, now: datetime | None = None
) -> DataSubjectRequest:
    """The one extension the law allows, refused after the first due date or without a reason."""
    moment = utc(now) if now else utcnow()
    request.extended_due_at = deadlines.extended_due_at(
        jurisdiction=request.jurisdiction,
        due=utc(request.due_at),
        extended=request.extended_due_at is not None,
        reason=reason,
        now=moment,
    )
    request.extension_reason = reason.strip()
    request.extended_at = moment
    db.flush()
    if request.contact:  # the person is told the reason before the first due date (IR Art 3, GDPR Art 12(3))
        jobs.enqueue(db, kind="privacy.tell_extension", payload={"request_id": request.id},
                     workspace_id=request.workspace_id, dedupe_key=f"privacy-extension-{request.id}")  # fmt: skip
    actor.audit(
        db,
        "privacy.request.extend",
        target_type="privacy_request",
        target_id=str(request.id),
        details={"due_at": request.extended_due_at.isoformat()},
    )
    return request


REMIND_BEFORE = timedelta(days=7)


def remind(db: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Tell the workspace's owners and admins of open requests due within a week (once), and again, urgently,
    of those past their due date (once)."""
    moment = utc(now) if now else utcnow()
    open_ = list(db.scalars(select(DataSubjectRequest).where(DataSubjectRequest.closed_at.is_(None))))
    counts = {"reminded": 0, "escalated": 0}
    for request in open_:
        due = utc(request.current_due_at)
        if due <= moment and request.escalated_at is None:
            _tell_team(db, request, due, urgent=True)
            request.escalated_at = request.reminded_at = moment
            counts["escalated"] += 1
        elif due - REMIND_BEFORE <= moment and request.reminded_at is None:
            _tell_team(db, request, due, urgent=False)
            request.reminded_at = moment
            counts["reminded"] += 1
    db.flush()
    return counts


def _tell_team(db: Session, request: DataSubjectRequest, due: datetime, *, urgent: bool) -> None:
    def text() -> str:
        template = (
            _("Privacy request #{id} is past its due date ({due}): answer it now")
            if urgent
            else _("Privacy request #{id} is due on {due}")
        )
        return template.format(id=request.id, due=due.strftime("%Y-%m-%d"))

    notify.tell_owners(db, workspace_id=request.workspace_id, kind="privacy_due", text=text,
                       data={"privacy_request_id": request.id}, urgent=urgent)  # fmt: skip
