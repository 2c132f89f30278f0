"""Requests from the public form: anyone may ask, in Arabic, Persian or English; a six-digit code sent to the
e-mail or phone they gave proves the contact is theirs (PDPL IR Art 3: verify the identity before answering).

The request counts from the moment it is sent (its due date runs from then); it waits in the queue as
`unverified` until the code is entered (five tries, thirty minutes), then `verified`, linked to the profile
holding that e-mail or phone when exactly one does. The link the person follows and the code are stored as
digests only."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba import security
from tajriba.audit import System
from tajriba.config import Settings
from tajriba.customers import service as customers
from tajriba.errors import Invalid, NotFound
from tajriba.i18n import _, speaking
from tajriba.models import Workspace
from tajriba.models.base import utcnow
from tajriba.models.privacy import DataSubjectRequest
from tajriba.privacy import messages, requests
from tajriba.privacy.schemas import RequestIn
from tajriba.warehouse import Warehouse

CODE_TTL = timedelta(minutes=30)
MAX_TRIES = 5


def _code_hash(request_id: int, code: str) -> str:
    return security.hash_token(f"{request_id}:{code}")


def contact_of(raw: str, region: str) -> tuple[str, str]:
    """("email", address) or ("phone", E.164) for what the person typed, normalised as identity resolution
    normalises identifiers (so the verified request finds their profile); Invalid otherwise."""
    kind = "email" if "@" in raw else "phone"
    normal = customers.normalize_identifier(kind, raw, region=region)
    if normal:
        return kind, normal
    if kind == "email":
        raise Invalid(_("this is not an e-mail address"), field="contact")
    raise Invalid(_("write an e-mail address or a mobile number"), field="contact")


def submit(
    db: Session, settings: Settings, *, workspace: Workspace, kind: str, contact: str, language: str,
    details: str | None, jurisdiction: str = "pdpl",
) -> tuple[DataSubjectRequest, str]:  # fmt: skip
    """Record the request and send the code; returns it with the ticket for the person's link."""
    _how, address = contact_of(contact, (workspace.settings or {}).get("region", "SA"))
    data = RequestIn.model_validate({"kind": kind, "channel": "web", "jurisdiction": jurisdiction,
                                     "contact": address, "language": language, "details": details})  # fmt: skip
    request = requests.log_request(db, workspace_id=workspace.id, data=data, actor=System("public form"))
    ticket, code = security.new_token(24), f"{secrets.randbelow(1_000_000):06d}"
    request.status, request.ticket_hash = "unverified", security.hash_token(ticket)
    request.code_hash, request.code_expires_at = _code_hash(request.id, code), utcnow() + CODE_TTL
    db.flush()
    _send(settings, workspace, address, code, language)
    return request, ticket


def _send(settings: Settings, workspace: Workspace, address: str, code: str, language: str) -> None:
    with speaking(language):
        text = _(
            "Your code to confirm your request about your data at {name}: {code}. It is valid for 30 minutes."
        ).format(name=workspace.name, code=code)
        subject = _("Confirm your request about your data")
    messages.send(settings, workspace, to=address, subject=subject, text=text, language=language)


def by_ticket(db: Session, *, workspace: Workspace, ticket: str) -> DataSubjectRequest:
    found = db.scalar(
        select(DataSubjectRequest).where(DataSubjectRequest.ticket_hash == security.hash_token(ticket))
    )
    if found is None or found.workspace_id != workspace.id:
        raise NotFound(_("This link is not valid."))
    return found


def verify(
    db: Session, wh: Warehouse, *, request: DataSubjectRequest, code: str, now: datetime | None = None
) -> None:
    """Check the code; on success the request is verified and linked to the one profile holding the contact."""
    moment = now or utcnow()
    if request.verified_at is not None:
        return
    if request.code_attempts >= MAX_TRIES or request.code_hash is None:
        raise Invalid(_("Too many wrong codes: send the form again for a new one."), field="code")
    expires = request.code_expires_at
    if expires is None or (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) < moment:
        raise Invalid(_("The code has expired: send the form again for a new one."), field="code")
    request.code_attempts += 1
    if not secrets.compare_digest(_code_hash(request.id, code.strip()), request.code_hash):
        db.flush()
        raise Invalid(
            _("This code is not right; {n} tries left.").format(n=MAX_TRIES - request.code_attempts),
            field="code",
        )
    request.verified_at, request.status, request.code_hash = moment, "verified", None
    request.customer_id = request.customer_id or customers.profile_with_contact(
        wh, workspace_id=request.workspace_id, contact=request.contact
    )
    db.flush()
