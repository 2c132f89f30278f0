"""Inviting customers to a survey: personal links for each recipient, skipped (and why) when the contact
rules, consent or a missing address say so, scheduled into the next allowed slot otherwise."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tajriba import periods
from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models import Survey, SurveyInvitation, Workspace
from tajriba.surveys import links
from tajriba.surveys.contact_rules import ASKED, CHANNELS, Rules
from tajriba.surveys.definition import definition_of
from tajriba.warehouse import Warehouse


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
    "no_consent": "no consent to surveys",
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


def declined(
    session: Session, warehouse: Warehouse, workspace_id: int, ids: list[str], channel: str
) -> set[str]:
    """The customers who may not be surveyed on the channel: they withdrew, or the workspace's records of
    processing say surveys (or WhatsApp messages) rest on consent, explicit or not, they have not given."""
    from tajriba.customers import service as customers

    purposes = {"surveys"} | ({"whatsapp"} if channel == "whatsapp" else set())
    return set(
        customers.consent_blocked(
            session, warehouse, workspace_id=workspace_id, purposes=purposes, customer_ids=ids
        )
    )


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
    from tajriba.customers import service as customers

    return (
        customers.contacts(warehouse, workspace_id=workspace_id, customer_ids=ids),
        declined(session, warehouse, workspace_id, ids, channel),
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
