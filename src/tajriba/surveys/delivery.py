"""Inviting customers: fatigue rules, quiet hours, channel limits, sending by SMTP or a messaging gateway,
reminders, expiry, and invitations triggered by events.

Rules per workspace (`Workspace.settings["surveys"]`, defaults below):
- `fatigue_days`: nobody is asked more than once per N days, across all surveys (the invitation log is the
  contact history; skipped invitations are kept with their reason so the team sees who was spared);
- `quiet_start` / `quiet_end` (local time): nothing is sent in between; a send falling there waits for the end;
- `limits`: at most so many invitations per channel and local day; the rest move to the next day.
A customer who withdrew consent for `surveys` (or, for WhatsApp, for `whatsapp`) is not invited.
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tajriba import periods
from tajriba.audit import Auditor
from tajriba.config import Settings
from tajriba.errors import Invalid
from tajriba.i18n import DIRECTION, _, speaking
from tajriba.mail import Mailer, send_message
from tajriba.models import Survey, SurveyInvitation, SurveyTrigger, Workspace
from tajriba.surveys import links
from tajriba.surveys.definition import definition_of, invitation_text, pick
from tajriba.warehouse import Warehouse

log = logging.getLogger("tajriba.surveys")
CHANNELS = ("email", "sms", "whatsapp", "link")
ASKED = ("scheduled", "sent", "completed")


@dataclass(frozen=True)
class Rules:
    fatigue_days: int = 30
    quiet_start: time = time(21, 0)
    quiet_end: time = time(9, 0)
    limits: dict[str, int] = field(default_factory=lambda: {"email": 5000, "sms": 1000, "whatsapp": 1000})

    @classmethod
    def of(cls, workspace: Workspace) -> Rules:
        raw = dict((workspace.settings or {}).get("surveys") or {})
        return cls.parse(raw)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Rules:
        out: dict[str, Any] = {}
        if "fatigue_days" in raw:
            try:
                out["fatigue_days"] = int(raw["fatigue_days"])
            except (TypeError, ValueError):
                raise Invalid(_("fatigue_days: a whole number of days."), field="fatigue_days") from None
            if not 0 <= out["fatigue_days"] <= 365:
                raise Invalid(_("fatigue_days: 0 to 365 days."), field="fatigue_days")
        for name in ("quiet_start", "quiet_end"):
            if name in raw:
                try:
                    out[name] = time.fromisoformat(str(raw[name]))
                except ValueError:
                    raise Invalid(_("{name}: a time such as 21:00.").format(name=name), field=name) from None
        if "limits" in raw:
            limits = raw["limits"]
            if not isinstance(limits, dict) or any(k not in CHANNELS for k in limits):
                raise Invalid(_("limits: a number per channel (email, sms, whatsapp)."), field="limits")
            try:
                out["limits"] = {str(k): int(v) for k, v in limits.items() if int(v) >= 0}
            except (TypeError, ValueError):
                raise Invalid(
                    _("limits: a number per channel (email, sms, whatsapp)."), field="limits"
                ) from None
        return cls(**out)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fatigue_days": self.fatigue_days,
            "quiet_start": self.quiet_start.strftime("%H:%M"),
            "quiet_end": self.quiet_end.strftime("%H:%M"),
            "limits": dict(self.limits),
        }

    def quiet(self, local: datetime) -> bool:
        t = local.time()
        if self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= t < self.quiet_end
        return t >= self.quiet_start or t < self.quiet_end

    def after_quiet(self, local: datetime) -> datetime:
        """`local` itself, or the end of the quiet hours it falls in."""
        if not self.quiet(local):
            return local
        end = local.replace(hour=self.quiet_end.hour, minute=self.quiet_end.minute, second=0, microsecond=0)
        return end if end > local else end + timedelta(days=1)


def set_rules(session: Session, *, workspace: Workspace, rules: Rules, actor: Auditor) -> Rules:
    """Make `rules` the workspace's sending rules (fatigue, quiet hours, daily limits), audited."""
    settings = dict(workspace.settings or {})
    settings["surveys"] = rules.as_dict()
    workspace.settings = settings
    actor.audit(session, "survey.rules", details=rules.as_dict())
    return rules


@dataclass
class Recipient:
    customer_id: str | None = None
    address: str | None = None
    language: str | None = None
    hidden: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None
    at: datetime | None = None  # when to ask (default: now)


@dataclass
class InviteReport:
    scheduled: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    invitations: list[SurveyInvitation] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"scheduled": self.scheduled, "skipped": dict(self.skipped)}


SKIP_REASONS = {
    "fatigue": "asked recently",
    "no_address": "no address for the channel",
    "no_consent": "declined surveys",
    "duplicate": "already invited for this event",
}


def invite(
    session: Session,
    warehouse: Warehouse,
    *,
    survey: Survey,
    recipients: Iterable[Recipient],
    channel: str,
    now: datetime | None = None,
    actor: Auditor | None = None,
) -> InviteReport:
    """Create invitations (personal links) for recipients, applying the workspace's rules; a person's request
    (an `actor`) is audited, a rule's (a case follow-up) is not."""
    if channel not in CHANNELS:
        raise Invalid(_("The channel is email, sms, whatsapp or link."), field="channel")
    if survey.status != "active":
        raise Invalid(_("Publish the survey before inviting anyone."), field="status")
    workspace = session.get(Workspace, survey.workspace_id)
    assert workspace is not None
    rules = Rules.of(workspace)
    zone = periods.zone_of(workspace)
    now = now or datetime.now(UTC)
    people = list(recipients)
    definition = definition_of(survey)
    ids = sorted({r.customer_id for r in people if r.customer_id})
    contacts, consent, last_asked = _about(session, warehouse, survey.workspace_id, ids, channel)
    seen_keys = _existing_keys(session, survey.id, [r.dedupe_key for r in people if r.dedupe_key])
    report = InviteReport()
    day_counts: dict[str, int] = {}
    for r in people:
        at = _aware(r.at) or now
        address, language = _address(r, contacts.get(r.customer_id or "", {}), channel)
        if r.dedupe_key:
            if r.dedupe_key in seen_keys:
                report.skipped["duplicate"] = report.skipped.get("duplicate", 0) + 1
                continue
            seen_keys.add(r.dedupe_key)
        reason = _skip_reason(r, address, channel, at, consent=consent, rules=rules, last_asked=last_asked)
        scheduled = at
        if reason is None and channel != "link":
            scheduled = _slot(session, survey.workspace_id, channel, at, rules, zone, day_counts)
        inv = _invitation(
            survey, definition, r, channel, address, language, reason=reason, scheduled=scheduled
        )
        session.add(inv)
        if reason:
            report.skipped[reason] = report.skipped.get(reason, 0) + 1
        else:
            report.scheduled += 1
            if r.customer_id:
                last_asked[r.customer_id] = at
        report.invitations.append(inv)
    session.flush()
    if actor is not None:
        actor.audit(
            session, "survey.invite", target_type="survey", target_id=str(survey.id), details=report.as_dict()
        )
    return report


def _aware(value: datetime | None) -> datetime | None:
    """A caller's time without a zone is UTC (times read from the database are already aware)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _slot(
    session: Session,
    workspace_id: int,
    channel: str,
    at: datetime,
    rules: Rules,
    zone: ZoneInfo,
    counts: dict[str, int],
) -> datetime:
    """The first moment at or after `at` outside quiet hours on a local day with room under the channel limit."""
    local = rules.after_quiet(at.astimezone(zone))
    limit = rules.limits.get(channel)
    for _day in range(400):
        if limit is None:
            break
        key = local.date().isoformat()
        if key not in counts:
            start = datetime.combine(local.date(), time(0), zone).astimezone(UTC)
            counts[key] = int(
                session.scalar(
                    select(func.count(SurveyInvitation.id)).where(
                        SurveyInvitation.workspace_id == workspace_id,
                        SurveyInvitation.channel == channel,
                        SurveyInvitation.status.in_(ASKED),
                        SurveyInvitation.scheduled_at >= start,
                        SurveyInvitation.scheduled_at < start + timedelta(days=1),
                    )
                )
                or 0
            )
        if counts[key] < limit:
            counts[key] += 1
            break
        next_day = datetime.combine(local.date() + timedelta(days=1), rules.quiet_end, zone)
        local = rules.after_quiet(next_day)
    return local.astimezone(UTC)


def _existing_keys(session: Session, survey_id: int, keys: list[str]) -> set[str]:
    """The dedupe keys already used for this survey (one query per 500 keys, not one per recipient)."""
    out: set[str] = set()
    for i in range(0, len(keys), 500):
        out.update(
            session.scalars(
                select(SurveyInvitation.dedupe_key).where(
                    SurveyInvitation.survey_id == survey_id,
                    SurveyInvitation.dedupe_key.in_(keys[i : i + 500]),
                )
            )
        )
    return out


def _contacts(warehouse: Warehouse, workspace_id: int, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    rows = warehouse.sql(
        "SELECT customer_id, email, phone, language FROM customers WHERE workspace_id = ? AND list_contains(?, customer_id)",
        [workspace_id, ids],
    )
    return {c: {"email": e, "phone": p, "language": lang} for c, e, p, lang in rows}


def _declined(warehouse: Warehouse, workspace_id: int, ids: list[str], channel: str) -> set[str]:
    from tajriba.customers import service as customers

    state = customers.consent_state(warehouse, workspace_id=workspace_id, customer_ids=ids)
    purposes = {"surveys"} | ({"whatsapp"} if channel == "whatsapp" else set())
    return {c for (c, p), granted in state.items() if p in purposes and not granted}


def _last_asked(session: Session, workspace_id: int, ids: list[str]) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for chunk in range(0, len(ids), 500):
        rows = session.execute(
            select(SurveyInvitation.customer_id, func.max(SurveyInvitation.scheduled_at))
            .where(
                SurveyInvitation.workspace_id == workspace_id,
                SurveyInvitation.customer_id.in_(ids[chunk : chunk + 500]),
                SurveyInvitation.status.in_(ASKED),
            )
            .group_by(SurveyInvitation.customer_id)
        )
        for c, at in rows:
            if at is not None:
                out[str(c)] = at
    return out


# -- sending -------------------------------------------------------------------------------------------------


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
        direction = DIRECTION.get(locale, "ltr")
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = formataddr((workspace.name, settings.mail_from))
        msg["To"] = str(inv.address)
        msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "localhost")
        msg.set_content(f"{title}\n\n{ask}\n\n{url}\n\n{note}\n")
        msg.add_alternative(
            f'<!doctype html><html lang="{locale}" dir="{direction}"><body style="font-family:sans-serif">'
            f'<h1 style="font-size:20px">{escape(title)}</h1><p>{escape(ask)}</p>'
            f'<p><a href="{escape(url)}" style="display:inline-block;padding:10px 18px;background:#0b6e4f;'
            f'color:#fff;text-decoration:none;border-radius:6px">{escape(button)}</a></p>'
            f'<p style="color:#666;font-size:12px">{escape(note)}</p></body></html>',
            subtype="html",
        )
        msg["Content-Language"] = locale  # after the body: set_content() drops Content-* headers
        return msg


def message_text(settings: Settings, survey: Survey, inv: SurveyInvitation, *, reminder: bool) -> str:
    definition = definition_of(survey)
    locale = definition.language(inv.language)
    text = invitation_text(definition, locale)
    if reminder:
        text = _("Reminder") + ": " + text
    return f"{text}\n{links.personal_url(settings.links_base, settings.secret, inv)}"


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


def _invitation(
    survey: Survey,
    definition: Any,
    r: Recipient,
    channel: str,
    address: str | None,
    language: str | None,
    *,
    reason: str | None,
    scheduled: datetime,
) -> SurveyInvitation:
    """One invitation: skipped (with the reason), sent (a link to share) or scheduled; the hidden fields the
    survey declares, each cut to 200 characters."""
    allowed = set(definition.hidden_fields)
    return SurveyInvitation(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        customer_id=r.customer_id,
        channel=channel,
        address=address,
        language=definition.language(language),
        hidden={k: str(v)[:200] for k, v in r.hidden.items() if k in allowed and v not in (None, "")},
        dedupe_key=r.dedupe_key,
        status="skipped" if reason else ("sent" if channel == "link" else "scheduled"),
        reason=reason,
        scheduled_at=scheduled,
        sent_at=scheduled if channel == "link" and reason is None else None,
        expires_at=links.expiry(survey, scheduled),
    )


def _about(
    session: Session, warehouse: Warehouse, workspace_id: int, ids: list[str], channel: str
) -> tuple[dict[str, dict[str, Any]], set[str], dict[str, datetime]]:
    """For the customers invited: their contacts, who declined surveys on the channel, when each was last
    asked."""
    return (
        _contacts(warehouse, workspace_id, ids),
        _declined(warehouse, workspace_id, ids, channel),
        _last_asked(session, workspace_id, ids),
    )


def _address(r: Recipient, contact: dict[str, Any], channel: str) -> tuple[str | None, str | None]:
    """Where to send (given, else the customer's email or phone for the channel) and in which language."""
    address = r.address
    if address is None and channel == "email":
        address = contact.get("email")
    elif address is None and channel in ("sms", "whatsapp"):
        address = contact.get("phone")
    return address, r.language or contact.get("language")


def _skip_reason(
    r: Recipient,
    address: str | None,
    channel: str,
    at: datetime,
    *,
    consent: set[str],
    rules: Rules,
    last_asked: dict[str, datetime],
) -> str | None:
    """Why this person is not invited (no address, declined surveys, asked too recently), or None."""
    if channel != "link" and not address:
        return "no_address"
    if r.customer_id and r.customer_id in consent:
        return "no_consent"
    if r.customer_id and rules.fatigue_days > 0:
        last = last_asked.get(r.customer_id)
        if last is not None and abs((at - last).total_seconds()) < rules.fatigue_days * 86400:
            return "fatigue"
    return None


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
            if survey.status != "active":
                if not reminder:
                    inv.status, inv.reason = "skipped", "survey_closed"
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


# -- event triggers -----------------------------------------------------------------------------------------


def run_triggers(session: Session, warehouse: Warehouse, *, now: datetime) -> int:
    """Invite the customers of events that arrived since each active trigger last looked."""
    total = 0
    triggers = session.scalars(select(SurveyTrigger).where(SurveyTrigger.active.is_(True)))
    for trig in list(triggers):
        survey = session.get(Survey, trig.survey_id)
        if survey is None or survey.status != "active":
            continue
        since = trig.watermark or trig.created_at
        rows = warehouse.sql(
            "SELECT message_id, customer_id, timestamp, coalesce(received_at, timestamp) AS seen, properties "
            "FROM events WHERE workspace_id = ? AND event = ? AND customer_id IS NOT NULL "
            "AND coalesce(received_at, timestamp) > ? ORDER BY seen, message_id LIMIT 5000",
            [
                trig.workspace_id,
                trig.event,
                since.replace(tzinfo=None),
            ],  # naive UTC, as the warehouse stores it
        )
        if not rows:
            continue
        recipients = []
        for message_id, customer_id, ts, _seen, props in rows:
            properties = json.loads(props) if isinstance(props, str) else (props or {})
            hidden = {name: _path(properties, path) for name, path in (trig.hidden_from or {}).items()}
            hidden.setdefault("channel", trig.channel)
            at = max(ts.replace(tzinfo=UTC) + timedelta(minutes=trig.delay_minutes), now)
            recipients.append(
                Recipient(customer_id=customer_id, hidden=hidden, dedupe_key=f"event:{message_id}", at=at)
            )
        report = invite(
            session, warehouse, survey=survey, recipients=recipients, channel=trig.channel, now=now
        )
        total += report.scheduled
        trig.watermark = rows[-1][3].replace(tzinfo=UTC)
    return total


def _path(data: Any, path: str) -> Any:
    """`properties.order_id` or `order_id` inside an event's properties."""
    for part in path.removeprefix("properties.").split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def create_trigger(
    session: Session,
    *,
    survey: Survey,
    event: str,
    channel: str,
    delay_minutes: int,
    hidden_from: dict[str, str] | None = None,
    actor: Auditor,
) -> SurveyTrigger:
    if channel not in ("email", "sms", "whatsapp"):
        raise Invalid(_("The channel is email, sms or whatsapp."), field="channel")
    if not event.strip():
        raise Invalid(_("Name the event that triggers the survey."), field="event")
    if not 0 <= delay_minutes <= 60 * 24 * 30:
        raise Invalid(_("The delay is 0 to 43200 minutes (30 days)."), field="delay_minutes")
    allowed = set(definition_of(survey).hidden_fields)
    for name in hidden_from or {}:
        if name not in allowed:
            raise Invalid(
                _("{name} is not a hidden field of this survey.").format(name=name), field="hidden_from"
            )
    trig = SurveyTrigger(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        event=event.strip()[:200],
        channel=channel,
        delay_minutes=delay_minutes,
        hidden_from=hidden_from or {},
        watermark=datetime.now(UTC),
    )
    session.add(trig)
    session.flush()
    actor.audit(
        session,
        "survey.trigger.create",
        target_type="survey",
        target_id=str(survey.id),
        details={"event": event},
    )
    return trig


def list_triggers(session: Session, *, survey: Survey) -> list[SurveyTrigger]:
    return list(
        session.scalars(
            select(SurveyTrigger).where(SurveyTrigger.survey_id == survey.id).order_by(SurveyTrigger.id)
        )
    )


def list_invitations(session: Session, *, survey: Survey, limit: int = 200) -> list[SurveyInvitation]:
    return list(
        session.scalars(
            select(SurveyInvitation)
            .where(SurveyInvitation.survey_id == survey.id)
            .order_by(SurveyInvitation.id.desc())
            .limit(limit)
        )
    )


def invitation_counts(session: Session, *, survey: Survey) -> dict[str, int]:
    rows = session.execute(
        select(SurveyInvitation.status, func.count(SurveyInvitation.id))
        .where(SurveyInvitation.survey_id == survey.id)
        .group_by(SurveyInvitation.status)
    )
    return {str(s): int(n) for s, n in rows}
