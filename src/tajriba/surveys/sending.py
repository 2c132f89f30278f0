"""Sending invitations and reminders when they are due (email over SMTP, SMS and WhatsApp through the
messaging gateway), with retries and back-off, and expiring old links."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tajriba import periods
from tajriba.config import Settings
from tajriba.errors import Invalid
from tajriba.i18n import DIRECTION, _, speaking
from tajriba.mail import Mailer, send_message
from tajriba.models import Survey, SurveyInvitation, Workspace
from tajriba.surveys import links
from tajriba.surveys.contact_rules import Rules
from tajriba.surveys.definition import definition_of, invitation_text, pick
from tajriba.surveys.inviting import declined
from tajriba.surveys.triggers import run_triggers
from tajriba.warehouse import Warehouse


def invitation_mail(
    settings: Settings, workspace: Workspace, survey: Survey, inv: SurveyInvitation, *, reminder: bool
) -> EmailMessage:
    """The invitation (or reminder) in the invitee's language: plain text and HTML, right to left in ar/fa."""
    from markupsafe import escape

    definition = definition_of(survey)
    locale = definition.language(inv.language)
    with speaking(locale):
        title = pick(definition.title, locale, definition.default_language)
        url = links.personal_url(settings.links_base, settings.secret, inv)
        subject = (_("Reminder: {title}") if reminder else "{title}").format(title=title)
        ask = _("We would value your answer. It takes under a minute.")
        button = _("Answer the survey")
        note = _("This link is personal and works once.")
        # who sends it and the one-tap way to say stop, in every message (CON-3, CON-4)
        stop = links.stop_url(settings.links_base, settings.secret, inv)
        sender = _("Sent by {sender}.").format(sender=workspace.name)
        stop_text = _("No more survey invitations")
        direction = DIRECTION.get(locale, "ltr")
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = formataddr((workspace.name, settings.mail_from))
        msg["To"] = str(inv.address)
        msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "localhost")
        msg["List-Unsubscribe"] = f"<{stop}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058: the mail client's button
        msg.set_content(f"{title}\n\n{ask}\n\n{url}\n\n{note}\n\n{sender} {stop_text}: {stop}\n")
        msg.add_alternative(
            f'<!doctype html><html lang="{locale}" dir="{direction}"><body style="font-family:sans-serif">'
            f'<h1 style="font-size:20px">{escape(title)}</h1><p>{escape(ask)}</p>'
            f'<p><a href="{escape(url)}" style="display:inline-block;padding:10px 18px;background:#0b6e4f;'
            f'color:#fff;text-decoration:none;border-radius:6px">{escape(button)}</a></p>'
            f'<p style="color:#666;font-size:12px">{escape(note)}</p>'
            f'<p style="color:#666;font-size:12px">{escape(sender)} <a href="{escape(stop)}">{escape(stop_text)}</a></p>'
            "</body></html>",
            subtype="html",
        )
        msg["Content-Language"] = locale  # after the body: set_content() drops Content-* headers
        return msg


def message_text(settings: Settings, survey: Survey, inv: SurveyInvitation, *, reminder: bool) -> str:
    definition = definition_of(survey)
    locale = definition.language(inv.language)
    text = invitation_text(definition, locale)
    with speaking(locale):  # the invitee's language, whoever sends
        if reminder:
            text = _("Reminder") + ": " + text
        stop = _("Stop: {url}").format(url=links.stop_url(settings.links_base, settings.secret, inv))
    return f"{text}\n{links.personal_url(settings.links_base, settings.secret, inv)}\n{stop}"


@dataclass
class DispatchReport:
    sent: int = 0
    reminded: int = 0
    failed: int = 0
    expired: int = 0
    triggered: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "reminded": self.reminded,
            "failed": self.failed,
            "expired": self.expired,
            "triggered": self.triggered,
            "errors": self.errors[:10],
        }


MAX_ATTEMPTS = 5


def dispatch(
    session: Session,
    warehouse: Warehouse,
    settings: Settings,
    *,
    now: datetime | None = None,
    batch: int = 500,
) -> DispatchReport:
    """Run triggers, send due invitations and reminders, expire old links. Safe to run at any moment."""
    now = now or datetime.now(UTC)
    report = DispatchReport()
    report.triggered = run_triggers(session, warehouse, now=now)
    due = _due(session, now, batch)
    reminders = _reminders_due(session, now, batch)
    if not due and not reminders:
        report.expired = _expire(session, now)
        return report
    withdrawn = _withdrawn(session, warehouse, due + reminders)  # consent withdrawn since they were scheduled
    surveys: dict[int, Survey] = {}
    workspaces: dict[int, Workspace] = {}

    def parts(inv: SurveyInvitation) -> tuple[Survey, Workspace]:
        if inv.survey_id not in surveys:
            surveys[inv.survey_id] = session.get(Survey, inv.survey_id)  # type: ignore[assignment]
        if inv.workspace_id not in workspaces:
            workspaces[inv.workspace_id] = session.get(Workspace, inv.workspace_id)  # type: ignore[assignment]
        return surveys[inv.survey_id], workspaces[inv.workspace_id]

    with _Post(settings) as post:
        for inv, reminder in [(i, False) for i in due] + [(i, True) for i in reminders]:
            survey, workspace = parts(inv)
            if survey.status != "active" or inv.id in withdrawn:
                if not reminder:
                    inv.status, inv.reason = (
                        "skipped",
                        "survey_closed" if survey.status != "active" else "no_consent",
                    )
                continue
            if inv.expires_at <= now:
                inv.status = "expired"
                report.expired += 1
                continue
            if reminder and Rules.of(workspace).quiet(now.astimezone(periods.zone_of(workspace))):
                continue
            try:
                post.send(inv, workspace, survey, reminder=reminder)
            except (OSError, smtplib.SMTPException, Invalid) as exc:
                _failed(inv, exc, reminder=reminder, now=now, report=report)
                if isinstance(exc, smtplib.SMTPServerDisconnected):
                    post.mailer = None
                continue
            if reminder:
                inv.reminded_at = now
                report.reminded += 1
            else:
                inv.status, inv.sent_at = "sent", now
                report.sent += 1
    report.expired += _expire(session, now)
    session.flush()
    return report


def _withdrawn(session: Session, warehouse: Warehouse, invitations: list[SurveyInvitation]) -> set[int]:
    """The invitations (and reminders) whose customer withdrew consent to surveys (or WhatsApp) since, or
    may no longer be surveyed (the records of processing changed)."""
    groups: dict[tuple[int, str], list[SurveyInvitation]] = {}
    for inv in invitations:
        if inv.customer_id:
            groups.setdefault((inv.workspace_id, inv.channel), []).append(inv)
    out: set[int] = set()
    for (workspace_id, channel), items in groups.items():
        refused = declined(
            session, warehouse, workspace_id, sorted({i.customer_id for i in items if i.customer_id}), channel
        )
        out |= {i.id for i in items if i.customer_id in refused}
    return out


def _due(session: Session, now: datetime, batch: int) -> list[SurveyInvitation]:
    """Invitations scheduled for now or earlier, oldest first, at most `batch`."""
    return list(
        session.scalars(
            select(SurveyInvitation)
            .where(SurveyInvitation.status == "scheduled", SurveyInvitation.scheduled_at <= now)
            .order_by(SurveyInvitation.scheduled_at, SurveyInvitation.id)
            .limit(batch)
        )
    )


class _Post:
    """Sends invitations: email over one SMTP connection opened at the first email, messages through the
    messaging gateway."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.mailer: Mailer | None = None

    def __enter__(self) -> _Post:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.mailer is not None:
            self.mailer.__exit__(None, None, None)

    def send(self, inv: SurveyInvitation, workspace: Workspace, survey: Survey, *, reminder: bool) -> None:
        if inv.channel == "email":
            if self.mailer is None:
                self.mailer = Mailer(self.settings).__enter__()
            self.mailer.send(invitation_mail(self.settings, workspace, survey, inv, reminder=reminder))
            return
        send_message(
            self.settings,
            channel=inv.channel,
            to=str(inv.address),
            text=message_text(self.settings, survey, inv, reminder=reminder),
            reference={"invitation_id": inv.id},
        )


def _failed(
    inv: SurveyInvitation, exc: Exception, *, reminder: bool, now: datetime, report: DispatchReport
) -> None:
    """A send that failed: retried later with back-off, failed for good after MAX_ATTEMPTS (or a message the
    gateway refuses); a failed reminder is not retried (the invitation itself was delivered)."""
    inv.attempts += 1
    inv.last_error = str(exc)[:500]
    report.errors.append(f"invitation {inv.id}: {exc}")
    if reminder:
        inv.reminded_at = now
    elif inv.attempts >= MAX_ATTEMPTS or isinstance(exc, Invalid):
        inv.status = "failed"
        report.failed += 1
    else:
        inv.scheduled_at = now + timedelta(minutes=5 * 2**inv.attempts)


def _reminders_due(session: Session, now: datetime, batch: int) -> list[SurveyInvitation]:
    rows = session.execute(
        select(SurveyInvitation, Survey.reminder_days)
        .join(Survey, Survey.id == SurveyInvitation.survey_id)
        .where(
            SurveyInvitation.status == "sent",
            SurveyInvitation.channel != "link",
            SurveyInvitation.reminded_at.is_(None),
            SurveyInvitation.completed_at.is_(None),
            or_(
                SurveyInvitation.reason.is_(None), SurveyInvitation.reason != "stopped"
            ),  # the person said stop
            Survey.reminder_days.is_not(None),
            SurveyInvitation.expires_at > now,
        )
        .order_by(SurveyInvitation.sent_at)
        .limit(batch * 4)
    )
    out = []
    for inv, days in rows:
        sent = inv.sent_at
        if sent is not None and days is not None and sent + timedelta(days=int(days)) <= now:
            out.append(inv)
    return out[:batch]


def _expire(session: Session, now: datetime) -> int:
    rows = list(
        session.scalars(
            select(SurveyInvitation).where(
                SurveyInvitation.status == "sent", SurveyInvitation.expires_at <= now
            )
        )
    )
    for inv in rows:
        inv.status = "expired"
    return len(rows)
