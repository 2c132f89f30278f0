"""Event triggers: an event (e.g. Order Delivered) invites its customer to a survey after a delay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tajriba.audit import Auditor
from tajriba.errors import Invalid
from tajriba.i18n import _
from tajriba.models import Survey, SurveyTrigger
from tajriba.surveys.definition import definition_of
from tajriba.surveys.inviting import Recipient, invite
from tajriba.warehouse import Warehouse


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
