"""Telling members before their points expire: once per member and expiry day, by e-mail when they have an address
(SMS through the messaging gateway when they have only a phone and one is configured), in their language, unless
they withdrew consent for the `loyalty` purpose. Each notice is recorded, sent or not, so none goes twice."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tajriba.config import Settings
from tajriba.i18n import _, speaking
from tajriba.loyalty import ledger
from tajriba.mail import Mailer, send_message
from tajriba.models.accounts import Workspace
from tajriba.models.loyalty import LoyaltyNotice, LoyaltyProgramme, LoyaltyTransfer

if TYPE_CHECKING:
    from tajriba.warehouse import Warehouse

T = LoyaltyTransfer
PURPOSE = "loyalty"


def expiring(
    session: Session, *, programme: LoyaltyProgramme, now: datetime
) -> dict[str, tuple[int, datetime]]:
    """Per member not yet told: the points of the lots expiring first within the reminder window, and when."""
    lot = func.coalesce(T.lot_id, T.id)
    remaining = func.sum(case((T.credit == ledger.MEMBER, T.points), else_=-T.points))
    soon = now + timedelta(days=programme.reminder_days)
    rows = session.execute(
        select(T.customer_id, func.max(T.expires_at), remaining)
        .where(T.workspace_id == programme.workspace_id, T.expires_at > now, T.expires_at <= soon)
        .group_by(lot, T.customer_id)
        .having(remaining > 0)
    ).all()
    first: dict[str, tuple[int, datetime]] = {}
    for cid, expires, points in sorted(rows, key=lambda r: r[1]):
        if cid not in first:
            first[cid] = (int(points), expires)
        elif first[cid][1].date() == expires.date():
            first[cid] = (first[cid][0] + int(points), first[cid][1])
    told = set(
        session.execute(
            select(LoyaltyNotice.customer_id, LoyaltyNotice.expires_on).where(
                LoyaltyNotice.workspace_id == programme.workspace_id, LoyaltyNotice.expires_on >= now.date()
            )
        ).all()
    )
    return {c: v for c, v in first.items() if (c, v[1].date()) not in told}


def _message(
    workspace: Workspace, settings: Settings, to: str, points: int, expires: datetime
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = _("{points} of your points expire on {day}").format(
        points=points, day=expires.date().isoformat()
    )
    msg["From"] = formataddr((workspace.name, settings.mail_from))
    msg["To"] = to
    msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "localhost")
    msg.set_content(
        _("{points} points on your {name} account expire on {day}. Use them before then.").format(
            points=points, name=workspace.name, day=expires.date().isoformat()
        )
        + "\n"
    )
    return msg


def send_notices(
    session: Session,
    warehouse: Warehouse,
    *,
    workspace: Workspace,
    programme: LoyaltyProgramme,
    settings: Settings,
    now: datetime,
) -> dict[str, int]:
    """Tell every member whose points expire within the reminder window; return counts per channel."""
    from tajriba.customers import service as customers

    due = expiring(session, programme=programme, now=now)
    if not due:
        return {"email": 0, "sms": 0, "none": 0}
    ids = sorted(due)
    blocked = customers.consent_blocked(
        session, warehouse, workspace_id=workspace.id, purposes=[PURPOSE], customer_ids=ids
    )
    contacts = customers.contacts(warehouse, workspace_id=workspace.id, customer_ids=ids)
    counts = {"email": 0, "sms": 0, "none": 0}
    mailer = Mailer(settings) if settings.smtp_host else None
    with mailer if mailer is not None else nullcontext():
        for cid in ids:
            points, expires = due[cid]
            channel = _send(
                workspace, settings, mailer, contacts.get(cid, {}), points, expires, cid in blocked
            )
            counts[channel or "none"] += 1
            session.add(
                LoyaltyNotice(
                    workspace_id=workspace.id,
                    customer_id=cid,
                    expires_on=expires.date(),
                    points=points,
                    channel=channel,
                    sent_at=now,
                )
            )
    session.flush()
    return counts


def _send(
    workspace: Workspace,
    settings: Settings,
    mailer: Mailer | None,
    contact: dict[str, Any],
    points: int,
    expires: datetime,
    blocked: bool,
) -> str | None:
    if blocked:
        return None
    with speaking(contact.get("language") or "ar"):
        if contact.get("email") and mailer is not None:
            mailer.send(_message(workspace, settings, contact["email"], points, expires))
            return "email"
        if contact.get("phone") and settings.messaging_webhook_url:
            text = _("{points} points on your {name} account expire on {day}. Use them before then.").format(
                points=points, name=workspace.name, day=expires.date().isoformat()
            )
            send_message(
                settings, channel="sms", to=contact["phone"], text=text, reference={"loyalty": "expiry"}
            )
            return "sms"
    return None
