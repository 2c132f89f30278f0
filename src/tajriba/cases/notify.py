"""Telling people (webhooks.py re-exported here): the in-app notification centre, email (held outside the
recipient's working hours and sent as one digest when their day starts, unless urgent), and webhooks signed
per the Standard Webhooks specification (webhook-id, webhook-timestamp, webhook-signature = v1,base64 HMAC-SHA256 of
"id.timestamp.body"), retried with backoff and logged; Slack-compatible payloads for Slack-style hooks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.cases import sla
from tajriba.cases.webhooks import EVENTS as EVENTS
from tajriba.cases.webhooks import MAX_ATTEMPTS as MAX_ATTEMPTS
from tajriba.cases.webhooks import create_webhook as create_webhook
from tajriba.cases.webhooks import deliver as deliver
from tajriba.cases.webhooks import deliveries as deliveries
from tajriba.cases.webhooks import emit as emit
from tajriba.cases.webhooks import get_webhook as get_webhook
from tajriba.cases.webhooks import list_webhooks as list_webhooks
from tajriba.cases.webhooks import new_secret as new_secret
from tajriba.cases.webhooks import send_test as send_test
from tajriba.cases.webhooks import set_active as set_active
from tajriba.cases.webhooks import sign as sign
from tajriba.cases.webhooks import slack_body as slack_body
from tajriba.errors import Invalid
from tajriba.i18n import N_, _
from tajriba.models import AlertRule, Case, Notification, Team, TeamMember, User, Workspace
from tajriba.models.base import utcnow

KIND_LABELS = {
    "assigned": N_("Case assigned to you"),
    "mentioned": N_("You were mentioned on a case"),
    "sla_at_risk": N_("SLA at risk"),
    "sla_breached": N_("SLA breached"),
    "escalated": N_("Case escalated to you"),
    "alert": N_("Alert"),
}
DEFAULT_CHANNELS = ("in_app", "email")


def channels(session: Session, workspace_id: int, kind: str) -> set[str]:
    """Where notifications of this kind go: the workspace's alert rules for it, else in-app and email."""
    known = sla.remembered(session)
    if ("alert_rules", workspace_id) not in known:
        with session.no_autoflush:
            known[("alert_rules", workspace_id)] = session.scalars(
                select(AlertRule).where(AlertRule.workspace_id == workspace_id)
            ).all()
    rules = [r for r in known[("alert_rules", workspace_id)] if r.kind == kind]
    if not rules:
        return set(DEFAULT_CHANNELS)
    return {c for r in rules if r.active for c in (r.channels or [])}


def to_user(
    session: Session, case: Case, user_id: int, kind: str, *, urgent: bool = False
) -> Notification | None:
    """Notify one person about a case (in-app; email by the digest unless the rules say otherwise)."""
    rule_kind = {"escalated": "sla_breached", "mentioned": "assigned"}.get(kind, kind)
    wanted = channels(session, case.workspace_id, rule_kind)
    if not wanted & {"in_app", "email"}:
        return None
    note = Notification(
        workspace_id=case.workspace_id,
        user_id=user_id,
        kind=kind,
        case_id=case.id,
        text=case.subject[:300],
        data={"email": "email" in wanted, "in_app": "in_app" in wanted, "priority": case.priority},
        urgent=urgent,
        emailed_at=None if "email" in wanted else utcnow(),
    )
    session.add(note)
    return note


def case_event(session: Session, case: Case, kind: str) -> None:
    """Something happened to a case: notify the owner where it concerns them, and call the webhooks."""
    if kind in ("sla_at_risk", "sla_breached") and case.owner_id is not None:
        to_user(session, case, case.owner_id, kind, urgent=kind == "sla_breached")
    from tajriba.cases.inbox import as_dict

    emit(session, workspace_id=case.workspace_id, event=f"case.{kind}", data=as_dict(case))


# ---- notification centre ----------------------------------------------------------------------------------


def unread(session: Session, *, workspace_id: int, user_id: int) -> int:
    from sqlalchemy import func

    return int(
        session.scalar(
            select(func.count()).where(
                Notification.workspace_id == workspace_id,
                Notification.user_id == user_id,
                Notification.read_at.is_(None),
            )
        )
        or 0
    )


def list_notifications(
    session: Session, *, workspace_id: int, user_id: int, limit: int = 100
) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.workspace_id == workspace_id, Notification.user_id == user_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, *, workspace_id: int, user_id: int, ids: list[int] | None = None) -> None:
    stmt = select(Notification).where(
        Notification.workspace_id == workspace_id,
        Notification.user_id == user_id,
        Notification.read_at.is_(None),
    )
    if ids:
        stmt = stmt.where(Notification.id.in_(ids))
    for note in session.scalars(stmt):
        note.read_at = utcnow()


# ---- email digests ----------------------------------------------------------------------------------------


def working_now(session: Session, *, workspace_id: int, user_id: int, now: datetime) -> bool:
    """Whether the user's team calendar is open at `now` (no team calendar: always)."""
    from tajriba.cases import business_time as bt
    from tajriba.models import BusinessCalendar

    cal_id = session.scalar(
        select(Team.calendar_id)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(
            TeamMember.user_id == user_id, Team.workspace_id == workspace_id, Team.calendar_id.is_not(None)
        )
        .limit(1)
    )
    row = session.get(BusinessCalendar, cal_id) if cal_id else None
    if row is None:
        return True
    cal = bt.stored(row.definition)
    t = now.replace(tzinfo=UTC).timestamp()
    return float(bt.seconds_between(cal, np.array([t]), np.array([t + 1.0]))[0]) > 0


def mail_digests(session: Session, *, settings: Any, now: datetime | None = None) -> int:
    """Send each person their held notifications as one mail, when their working day is on (or at once if
    any is urgent). Returns the mails sent."""
    now = now or utcnow()
    pending = session.scalars(
        select(Notification).where(Notification.emailed_at.is_(None)).order_by(Notification.id).limit(2000)
    ).all()
    by_user: dict[tuple[int, int], list[Notification]] = {}
    for note in pending:
        by_user.setdefault((note.workspace_id, note.user_id), []).append(note)
    if not by_user or not settings.smtp_host:
        return 0
    from tajriba.mail import Mailer

    sent = 0
    with Mailer(settings) as mailer:
        for (ws_id, user_id), notes in by_user.items():
            if not any(n.urgent for n in notes) and not working_now(
                session, workspace_id=ws_id, user_id=user_id, now=now
            ):
                continue
            user = session.get(User, user_id)
            workspace = session.get(Workspace, ws_id)
            if user is None or workspace is None or not user.is_active:
                for n in notes:
                    n.emailed_at = now
                continue
            mailer.send(digest_mail(settings, workspace, user, notes))
            for n in notes:
                n.emailed_at = now
            sent += 1
    return sent


def digest_mail(settings: Any, workspace: Workspace, user: User, notes: list[Notification]) -> Any:
    """One mail listing the notifications, in the recipient's language, with links to the cases."""
    from email.message import EmailMessage
    from email.utils import formataddr, make_msgid

    from markupsafe import escape

    from tajriba.i18n import gettext as _
    from tajriba.i18n import speaking

    locale = user.locale or workspace.default_locale or "en"
    with speaking(locale):
        direction = "rtl" if locale in ("ar", "fa") else "ltr"
        base = settings.links_base
        lines = []
        html = []
        for n in notes:
            title = _(KIND_LABELS.get(n.kind, "Alert"))
            url = (
                f"{base}/w/{workspace.slug}/cases/{n.case_id}"
                if n.case_id
                else f"{base}/w/{workspace.slug}/notifications"
            )
            lines.append(f"- {title}: {n.text}\n  {url}")
            html.append(
                f'<li><strong>{escape(title)}</strong>: <a href="{escape(url)}">{escape(n.text)}</a></li>'
            )
        msg = EmailMessage()
        msg["Subject"] = _("{count} updates on your cases").format(count=len(notes))
        msg["From"] = formataddr((workspace.name, settings.mail_from))
        msg["To"] = user.email
        msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "localhost")
        msg.set_content("\n".join(lines) + "\n")
        msg.add_alternative(
            f'<!doctype html><html lang="{locale}" dir="{direction}"><body style="font-family:sans-serif">'
            f"<ul>{''.join(html)}</ul></body></html>",
            subtype="html",
        )
        msg["Content-Language"] = locale
        return msg

    # ---- webhooks ---------------------------------------------------------------------------------------------


# ---- messages to the customer ---------------------------------------------------------------------------


def queue_customer_message(session: Session, *, case: Case, channel: str, text: str) -> None:
    """Send an agent's message to the customer in the background (email by SMTP, SMS/WhatsApp by the
    gateway surveys use); the outcome is written on the case's timeline."""
    from tajriba.jobs.service import enqueue

    if not case.customer_id:
        raise Invalid(_("this case has no customer to write to"), field="channel")
    enqueue(
        session,
        kind="cases.message",
        workspace_id=case.workspace_id,
        max_attempts=4,
        payload={"case_id": case.id, "channel": channel, "text": text[:20000]},
    )


def send_customer_message(
    warehouse: Any,
    *,
    settings: Any,
    workspace_id: int,
    workspace_name: str,
    case_id: int,
    customer_id: str,
    subject: str,
    channel: str,
    text: str,
) -> str:
    """Deliver one message outside any database transaction; returns the address used ("" when the customer
    has none for the channel). Raises on a failure the job retries."""
    from email.message import EmailMessage
    from email.utils import formataddr, make_msgid

    from tajriba.mail import Mailer, send_message

    rows = warehouse.sql(
        "SELECT email, phone FROM customers WHERE workspace_id = ? AND customer_id = ?",
        [workspace_id, customer_id],
    )
    email, phone = rows[0] if rows else (None, None)
    address = email if channel == "email" else phone
    if not address:
        return ""
    if channel == "email":
        msg = EmailMessage()
        msg["Subject"] = f"[#{case_id}] {subject[:120]}"
        msg["From"] = formataddr((workspace_name, settings.mail_from))
        msg["To"] = address
        msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "localhost")
        msg.set_content(text)
        with Mailer(settings) as mailer:
            mailer.send(msg)
    else:
        send_message(settings, channel=channel, to=address, text=text, reference={"case_id": case_id})
    return str(address)
