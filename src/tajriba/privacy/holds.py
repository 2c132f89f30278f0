"""Legal holds (PDPL Art 18, GDPR Art 17(3)): a court case or a legal retention period keeps one person's data.
While a hold is active an erasure is deferred (with the hold's reason) and the retention purge passes them by;
released, the deferred erasure runs on the next purge."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor, subject_token
from tajriba.errors import Conflict, Invalid, NotFound
from tajriba.i18n import _
from tajriba.models.base import utcnow
from tajriba.models.privacy import LegalHold

MIN_REASON = 10


def place_hold(
    db: Session, *, workspace_id: int, customer_id: str, reason: str, reference: str | None, actor: Auditor
) -> LegalHold:
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise Invalid(
            _("give the reason for the hold (at least {n} characters)").format(n=MIN_REASON), field="reason"
        )
    if not customer_id.strip():
        raise Invalid(_("name the customer the hold is for"), field="customer_id")
    if active_hold(db, workspace_id=workspace_id, customer_id=customer_id) is not None:
        raise Conflict(_("this customer's data is already on hold"))
    user = getattr(actor, "user", None)
    hold = LegalHold(
        workspace_id=workspace_id,
        customer_id=customer_id.strip(),
        reason=reason,
        reference=(reference or "").strip() or None,
        placed_by_user_id=getattr(user, "id", None),
    )
    db.add(hold)
    db.flush()
    actor.audit(
        db,
        "privacy.hold.place",
        target_type="subject",
        target_id=subject_token(workspace_id, hold.customer_id),
        details={"hold": hold.id},
    )
    return hold


def release_hold(db: Session, *, workspace_id: int, hold_id: int, actor: Auditor) -> LegalHold:
    hold = db.get(LegalHold, hold_id)
    if hold is None or hold.workspace_id != workspace_id:
        raise NotFound(_("no such legal hold"))
    if hold.released_at is None:
        hold.released_at = utcnow()
        hold.released_by_user_id = getattr(getattr(actor, "user", None), "id", None)
        db.flush()
        actor.audit(
            db,
            "privacy.hold.release",
            target_type="subject",
            target_id=subject_token(workspace_id, hold.customer_id),
            details={"hold": hold.id},
        )
    return hold


def active_hold(db: Session, *, workspace_id: int, customer_id: str) -> LegalHold | None:
    return db.scalar(
        select(LegalHold).where(
            LegalHold.workspace_id == workspace_id,
            LegalHold.customer_id == customer_id,
            LegalHold.released_at.is_(None),
        )
    )


def held_customers(db: Session, *, workspace_id: int) -> set[str]:
    """The customers whose data nothing may remove now."""
    return set(
        db.scalars(
            select(LegalHold.customer_id).where(
                LegalHold.workspace_id == workspace_id, LegalHold.released_at.is_(None)
            )
        )
    )


def list_holds(db: Session, *, workspace_id: int) -> list[LegalHold]:
    return list(
        db.scalars(
            select(LegalHold)
            .where(LegalHold.workspace_id == workspace_id)
            .order_by(LegalHold.released_at.is_not(None), LegalHold.placed_at.desc())
        )
    )
