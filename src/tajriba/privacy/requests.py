"""Data-subject requests: logged however they arrive, each with its jurisdiction's due date and at most one
extension told to the person before that date (privacy.deadlines)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import NotFound
from tajriba.i18n import _
from tajriba.models.base import utcnow
from tajriba.models.privacy import DataSubjectRequest
from tajriba.privacy import deadlines
from tajriba.privacy.schemas import RequestIn


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def log_request(db: Session, *, workspace_id: int, data: RequestIn, actor: Auditor) -> DataSubjectRequest:
    """Record a request (an oral one noted by an agent too) with its due date; the audit entry names the
    request, not the person."""
    received = _utc(data.received_at) if data.received_at else utcnow()
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
    return sorted(rows, key=lambda r: (_utc(r.current_due_at), r.id))


def extend_request(
    db: Session, *, request: DataSubjectRequest, reason: str, actor: Auditor, now: datetime | None = None
) -> DataSubjectRequest:
    """The one extension the law allows, refused after the first due date or without a reason."""
    moment = _utc(now) if now else utcnow()
    request.extended_due_at = deadlines.extended_due_at(
        jurisdiction=request.jurisdiction,
        due=_utc(request.due_at),
        extended=request.extended_due_at is not None,
        reason=reason,
        now=moment,
    )
    request.extension_reason = reason.strip()
    request.extended_at = moment
    db.flush()
    actor.audit(
        db,
        "privacy.request.extend",
        target_type="privacy_request",
        target_id=str(request.id),
        details={"due_at": request.extended_due_at.isoformat()},
    )
    return request
